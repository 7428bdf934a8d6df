// TLS contexts for aicc's clients (wss:// backends, https:// ARI) and for
// the test/debug WebSocket server: system CAs and peer verification on by
// default, an optional extra CA file.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>
#include <memory>
#include <string>

namespace aicc::net {

boost::system::result<std::shared_ptr<boost::asio::ssl::context>, std::string> MakeClientTlsContext(
    bool verify_peer, const std::string& ca_file);

boost::system::result<std::shared_ptr<boost::asio::ssl::context>, std::string> MakeServerTlsContext(
    const std::string& cert_chain_file, const std::string& private_key_file);

}  // namespace aicc::net
