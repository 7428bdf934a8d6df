#include "net/tls.h"

namespace aicc::net {
namespace ssl = boost::asio::ssl;

boost::system::result<std::shared_ptr<ssl::context>, std::string> MakeClientTlsContext(
    bool verify_peer, const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  ctx->set_default_verify_paths(ec);
  if (ec) return "cannot load the system CA certificates: " + ec.message();
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) return "cannot load CA file " + ca_file + ": " + ec.message();
  }
  ctx->set_verify_mode(verify_peer ? ssl::verify_peer : ssl::verify_none, ec);
  if (ec) return "cannot set TLS verify mode: " + ec.message();
  return ctx;
}

boost::system::result<std::shared_ptr<ssl::context>, std::string> MakeServerTlsContext(
    const std::string& cert_chain_file, const std::string& private_key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_chain_file, ec);
  if (ec) return "cannot load certificate " + cert_chain_file + ": " + ec.message();
  ctx->use_private_key_file(private_key_file, ssl::context::pem, ec);
  if (ec) return "cannot load private key " + private_key_file + ": " + ec.message();
  return ctx;
}

}  // namespace aicc::net
