// JWT bearer tokens (HS256, libjwt), compatible with the old system's
// WS_AUTH_* settings and claims: client_id, permissions = ["send_transcripts"],
// iat, nbf, exp.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <string>

namespace aicc::sink {

struct JwtOptions {
  std::string secret;  // empty: no token
  std::string client_id = "aicc";
  std::string algorithm = "HS256";
  double ttl_hours = 1.0;
};

struct JwtError {
  std::string message;
};

struct Token {
  std::string value;
  std::chrono::system_clock::time_point expires;
};

boost::system::result<Token, JwtError> MakeToken(const JwtOptions& options,
                                                 std::chrono::system_clock::time_point now);

// Verifies signature (HS256 with `secret`) and the time claims; returns the
// client_id on success, the reason on failure.
boost::system::result<std::string, JwtError> VerifyToken(const std::string& token,
                                                         const std::string& secret,
                                                         std::chrono::system_clock::time_point now);

}  // namespace aicc::sink
