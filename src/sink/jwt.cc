#include "sink/jwt.h"

#include <jwt.h>

#include <cstdlib>
#include <memory>

namespace aicc::sink {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

long long Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

boost::system::result<Token, JwtError> MakeToken(const JwtOptions& o,
                                                 std::chrono::system_clock::time_point now) {
  if (o.secret.empty()) return JwtError{"no JWT secret (WS_AUTH_SECRET_KEY)"};
  if (o.algorithm != "HS256")
    return JwtError{"unsupported JWT algorithm '" + o.algorithm + "' (HS256)"};
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return JwtError{"jwt_new failed"};
  JwtPtr jwt(raw);
  const auto ttl = std::chrono::seconds(static_cast<long long>(o.ttl_hours * 3600));
  const auto exp = now + ttl;
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(o.secret.data()),
                  static_cast<int>(o.secret.size())) != 0 ||
      jwt_add_grant(jwt.get(), "client_id", o.client_id.c_str()) != 0 ||
      jwt_add_grants_json(jwt.get(), R"({"permissions":["send_transcripts"]})") != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", Seconds(now)) != 0 ||
      jwt_add_grant_int(jwt.get(), "nbf", Seconds(now)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", Seconds(exp)) != 0) {
    return JwtError{"cannot build the JWT"};
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) return JwtError{"cannot encode the JWT"};
  Token t{encoded, exp};
  std::free(encoded);  // libjwt 1.10 allocates with malloc
  return t;
}

boost::system::result<std::string, JwtError> VerifyToken(
    const std::string& token, const std::string& secret,
    std::chrono::system_clock::time_point now) {
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 0 ||
      !raw) {
    return JwtError{"bad signature or malformed token"};
  }
  JwtPtr jwt(raw);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return JwtError{"algorithm is not HS256"};
  const long long t = Seconds(now);
  const long long exp = jwt_get_grant_int(jwt.get(), "exp");
  const long long nbf = jwt_get_grant_int(jwt.get(), "nbf");
  if (exp <= 0 || t >= exp) return JwtError{"token expired"};
  if (nbf > t + 60) return JwtError{"token not yet valid"};
  const char* client = jwt_get_grant(jwt.get(), "client_id");
  return boost::system::result<std::string, JwtError>(boost::system::in_place_value,
                                                      client ? client : "");
}

}  // namespace aicc::sink
