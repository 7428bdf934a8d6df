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

namespace aicc::net {
namespace {

// Issue 18: tokens in query strings and userinfo must never reach a log
// line, a metrics label or `aicc config`.
TEST(RedactTest, MasksCredentialsAndQueryValues) {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"ws://127.0.0.1:8080/events", "ws://127.0.0.1:8080/events"},
      {"wss://b.example/ws?token=s3cr3t", "wss://b.example/ws?token=***"},
      {"wss://b.example/ws?a=1&token=s3cr3t&flag", "wss://b.example/ws?a=***&token=***&flag"},
      {"http://asterisk:pa55w0rd@127.0.0.1:8088/ari", "http://***@127.0.0.1:8088/ari"},
      {"ws://user:pw@[::1]:9000/x?k=v#frag", "ws://***@[::1]:9000/x?k=***"},
      {"wss://tok3n@host?x=y", "wss://***@host?x=***"},
      // Not valid URLs: still nothing secret printed.
      {"ws://u:p@:99999/?token=abc", "ws://***@:99999/?token=***"},
      {"user:pw@host/path?key=1", "***@host/path?key=***"},
      {"", ""},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.in);
    EXPECT_EQ(RedactUrl(r.in), r.out);
  }
  EXPECT_EQ(RedactUrlList("ws://a:b@h1/x,wss://h2/y?token=t"),
            "ws://***@h1/x,wss://h2/y?token=***");
}

TEST(RedactTest, EndpointRedactedMasksTheQuery) {
  auto ep = ParseEndpoint("wss://user:pw@backend.example:8443/ws?token=s3cr3t&v=2");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->Redacted(), "wss://backend.example:8443/ws?token=***&v=***");
  EXPECT_EQ(ep->target, "/ws?token=s3cr3t&v=2") << "the request itself keeps the token";
}

TEST(HostPortTest, RangeCheckedNeverWraps) {
  struct Row {
    const char* in;
    bool ok;
    const char* host;
    int port;
  };
  const Row rows[] = {
      {"127.0.0.1:9100", true, "127.0.0.1", 9100},
      {"127.0.0.1:0", true, "127.0.0.1", 0},
      {"127.0.0.1:65535", true, "127.0.0.1", 65535},
      {"[::1]:8080", true, "::1", 8080},
      {"127.0.0.1:65536", false, "", 0},
      {"127.0.0.1:99999", false, "", 0},
      {"127.0.0.1:4294967297", false, "", 0},
      {"127.0.0.1:-1", false, "", 0},
      {"127.0.0.1:+80", false, "", 0},
      {"127.0.0.1:80x", false, "", 0},
      {"127.0.0.1:", false, "", 0},
      {":80", false, "", 0},
      {"127.0.0.1", false, "", 0},
      {"::1:80", false, "", 0},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.in);
    auto hp = ParseHostPort(r.in);
    EXPECT_EQ(hp.has_value(), r.ok);
    if (hp && r.ok) {
      EXPECT_EQ(hp->host, r.host);
      EXPECT_EQ(hp->port, r.port);
    }
    if (!hp) {
      EXPECT_NE(hp.error().message.find(r.in), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace aicc::net
