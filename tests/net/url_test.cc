#include "net/url.h"

#include <gtest/gtest.h>

namespace aicc::net {
namespace {

TEST(UrlTest, ParsesEndpointsWithDefaults) {
  struct Row {
    const char* url;
    const char* scheme;
    const char* host;
    int port;
    const char* target;
  };
  const Row rows[] = {
      {"ws://127.0.0.1:8080/events", "ws", "127.0.0.1", 8080, "/events"},
      {"wss://backend.example/ws?x=1", "wss", "backend.example", 443, "/ws?x=1"},
      {"http://127.0.0.1:8088/ari", "http", "127.0.0.1", 8088, "/ari"},
      {"HTTPS://h", "https", "h", 443, "/"},
      {"ws://[::1]:9000/", "ws", "::1", 9000, "/"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.url);
    auto ep = ParseEndpoint(r.url);
    ASSERT_TRUE(ep) << ep.error().message;
    EXPECT_EQ(ep->scheme, r.scheme);
    EXPECT_EQ(ep->host, r.host);
    EXPECT_EQ(ep->port, r.port);
    EXPECT_EQ(ep->target, r.target);
  }
}

TEST(UrlTest, CredentialsAreParsedButNeverInRedacted) {
  auto ep = ParseEndpoint("http://user:s3cret@127.0.0.1:8088/ari");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->user, "user");
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->Redacted(), "http://127.0.0.1:8088/ari");
}

TEST(UrlTest, RejectsBadUrls) {
  for (const char* bad :
       {"", "127.0.0.1:80", "ftp://x/", "ws://", "ws://h:0/", "ws://h:70000/", "ws://h:12ab/"}) {
    SCOPED_TRACE(bad);
    auto ep = ParseEndpoint(bad);
    ASSERT_FALSE(ep);
    EXPECT_FALSE(ep.error().message.empty());
  }
}

}  // namespace
}  // namespace aicc::net
