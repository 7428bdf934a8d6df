// ARI parsing against the shapes captured from a real Asterisk
// (tests/data/ari-samples/), helper ids, the agent pool and option checks.
#include "ari/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ari/agent_pool.h"
#include "ari/controller.h"
#include "ari/ids.h"
#include "ari/rest_client.h"

namespace aicc::ari {
namespace {

nlohmann::json Sample(const std::string& name) {
  std::ifstream in(std::string(AICC_SOURCE_DIR) + "/tests/data/ari-samples/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// Event samples are the frame itself; REST samples wrap it as {"body": …}.
std::string EventText(const std::string& name) { return Sample(name).dump(); }
std::string BodyText(const std::string& name) { return Sample(name)["body"].dump(); }

TEST(AriModel, EverySampledEventParses) {
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(AICC_SOURCE_DIR) +
                                                               "/tests/data/ari-samples")) {
    const std::string name = entry.path().filename().string();
    if (name.find("event-") == std::string::npos) continue;
    auto e = ParseEvent(EventText(name));
    ASSERT_TRUE(e) << name << ": " << e.error().message;
    EXPECT_FALSE(e->type_name.empty()) << name;
    ++parsed;
  }
  EXPECT_GE(parsed, 15);
}

TEST(AriModel, StasisStartOfCustomer) {
  auto e = ParseEvent(EventText("pjsip-event-StasisStart-customer.json"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, EventType::kStasisStart);
  ASSERT_TRUE(e->channel);
  EXPECT_FALSE(e->channel->id.empty());
  EXPECT_TRUE(e->channel->name.starts_with("PJSIP/"));
  EXPECT_FALSE(IsHelperChannelName(e->channel->name));
  EXPECT_EQ(e->channel->StasisApp(), e->application);
}

TEST(AriModel, HelperChannelsByName) {
  auto snoop = ParseEvent(EventText("event-StasisStart-snoop-channel.json"));
  auto media = ParseEvent(EventText("event-StasisStart-externalmedia-channel.json"));
  ASSERT_TRUE(snoop && media);
  EXPECT_TRUE(IsHelperChannelName(snoop->channel->name));
  EXPECT_TRUE(IsHelperChannelName(media->channel->name));
  EXPECT_FALSE(IsHelperChannelName("PJSIP/agent01-0000000d"));
}

TEST(AriModel, DialAnswerNamesTheAgent) {
  auto e = ParseEvent(EventText("pjsip-event-Dial-agent-answer.json"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, EventType::kDial);
  EXPECT_EQ(e->dialstatus, "ANSWER");
  ASSERT_TRUE(e->peer);
  EXPECT_FALSE(ResourceOfChannelName(e->peer->name).empty());
}

TEST(AriModel, ExternalMediaAnswerCarriesTheRtpSource) {
  auto ch = ParseChannel(BodyText("rest-externalMedia.json"));
  ASSERT_TRUE(ch) << ch.error().message;
  EXPECT_TRUE(ch->Var("UNICASTRTP_LOCAL_ADDRESS").has_value());
  EXPECT_TRUE(ch->Var("UNICASTRTP_LOCAL_PORT").has_value());
  auto port = ParseVariableValue(BodyText("rest-get-variable-UNICASTRTP_LOCAL_PORT.json"));
  ASSERT_TRUE(port);
  EXPECT_GT(std::stoi(*port), 0);
}

TEST(AriModel, ListsAndEndpointState) {
  auto channels = ParseChannelList(BodyText("rest-list-channels.json"));
  auto bridges = ParseBridgeList(BodyText("rest-list-bridges.json"));
  auto endpoint = ParseEndpointState(BodyText("pjsip-rest-endpoint-state.json"));
  ASSERT_TRUE(channels && bridges && endpoint);
  EXPECT_FALSE(channels->empty());
  EXPECT_EQ(endpoint->state, "online");
  EXPECT_EQ(endpoint->resource, "agent01");
  EXPECT_EQ(ParseErrorMessage(BodyText("rest-delete-channel-not-found.json")), "Channel not found");
}

struct BadFrame {
  const char* text;
  bool ok;  // valid JSON event of an uninteresting kind is fine
};

TEST(AriModel, MalformedFramesAreErrorsNotCrashes) {
  const BadFrame rows[] = {
      {"", false},
      {"{", false},
      {"[]", false},
      {"42", false},
      {"{}", false},                          // no type
      {R"({"type": 7})", false},              // mistyped type
      {R"({"type": "StasisStart"})", false},  // no channel
      {R"({"type": "StasisStart", "channel": 5})", false},
      {R"({"type": "StasisStart", "channel": {"name": "x"}})", false},  // no id
      {R"({"type": "ChannelVarset", "application": "a"})", true},       // ignored kind
      {R"({"type": "Dial", "peer": {"id": "1.2", "name": "PJSIP/a-1"}, "dialstatus": 3})", false},
      {"\xff\xfe{\"type\":1}", false},
  };
  for (const auto& row : rows) {
    auto e = ParseEvent(row.text);
    EXPECT_EQ(static_cast<bool>(e), row.ok) << row.text;
    if (!e) {
      EXPECT_FALSE(e.error().message.empty());
    }
  }
}

TEST(AriIds, RoundTrip) {
  const std::string call = "0b7a0a4e-9d6c-4e0a-a1a1-0123456789ab";
  const std::string id = HelperId(call, SnoopRole("in", "0a1b2c", 2));
  EXPECT_EQ(CallIdOfHelper(id), call);
  EXPECT_EQ(RoleOfHelper(id), "snoop-in-0a1b2c-2");
  EXPECT_EQ(RoleOfHelper(HelperId(call, AgentRole("0a1b2c", 1))), "agent-0a1b2c-1");
  EXPECT_EQ(CallIdOfHelper(HelperId(call, kMainBridgeRole)), call);
  EXPECT_FALSE(CallIdOfHelper("1795480593.3"));
  EXPECT_FALSE(CallIdOfHelper("aicc-short-main"));
  EXPECT_FALSE(RoleOfHelper("PJSIP/agent01"));
}

// Two processes never make the same helper id for the same call: a
// restarted aicc that re-adopts a call must not reuse the ids of the helpers
// it is destroying.
TEST(AriIds, IncarnationsDiffer) {
  const std::string a = NewIncarnation();
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) seen.insert(NewIncarnation());
  EXPECT_GT(seen.size(), 60u);
}

TEST(AgentPool, PriorityThenRoundRobinSkippingReserved) {
  AgentPool pool(
      {.agents = {"agent01", "agent02", "agent03"}, .priority = {{"10.0.0.5", "agent03"}}});
  auto c = pool.Candidates({"10.0.0.5"}, {});
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.front(), "agent03");
  EXPECT_EQ(c.size(), 3u);
  ASSERT_TRUE(pool.TryReserve("agent03", "call-a"));
  EXPECT_FALSE(pool.TryReserve("agent03", "call-b"));
  c = pool.Candidates({"10.0.0.5"}, {});
  EXPECT_EQ(c.size(), 2u);
  for (const auto& a : c) EXPECT_NE(a, "agent03");
  c = pool.Candidates({}, {"agent01"});
  EXPECT_EQ(c, std::vector<std::string>{"agent02"});
  pool.Release("agent03", "call-b");  // not the holder: no effect
  EXPECT_EQ(pool.ReservedCount(), 1u);
  pool.Release("agent03", "call-a");
  EXPECT_EQ(pool.ReservedCount(), 0u);
  EXPECT_EQ(AgentPool::DialEndpoint("agent01"), "PJSIP/agent01");
  EXPECT_EQ(AgentPool::DialEndpoint("SIP/x"), "SIP/x");
  EXPECT_EQ(AgentPool::AgentId("PJSIP/agent07"), "agent07");
}

TEST(AgentPool, RoundRobinSpreadsCalls) {
  AgentPool pool({.agents = {"a1", "a2", "a3"}, .priority = {}});
  std::vector<std::string> firsts;
  for (int i = 0; i < 3; ++i) {
    auto c = pool.Candidates({}, {});
    ASSERT_FALSE(c.empty());
    ASSERT_TRUE(pool.TryReserve(c.front(), "call" + std::to_string(i)));
    firsts.push_back(c.front());
  }
  std::sort(firsts.begin(), firsts.end());
  EXPECT_EQ(firsts, (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_TRUE(pool.Candidates({}, {}).empty());
}

TEST(ControllerOptions, BadSettingsNameTheSetting) {
  struct Row {
    void (*mutate)(ControllerOptions&);
    const char* setting;
  };
  const Row rows[] = {
      {[](ControllerOptions& o) { o.url = "not a url"; }, "ari.url"},
      {[](ControllerOptions& o) { o.url = "ftp://127.0.0.1/ari"; }, "ari.url"},
      {[](ControllerOptions& o) { o.app = "two words"; }, "ari.app"},
      {[](ControllerOptions& o) { o.external_host = "10.0.0.1:5000"; }, "ari.external_host"},
      {[](ControllerOptions& o) { o.agent_port = o.customer_port; }, "media.customer_port"},
      {[](ControllerOptions& o) { o.format = "opus"; }, "ari.format"},
      {[](ControllerOptions& o) { o.agents.clear(); }, "ari.agents"},
      {[](ControllerOptions& o) { o.agents = {"agent 1"}; }, "ari.agents"},
      {[](ControllerOptions& o) { o.call_started_url = "mailto:x"; }, "ari.call_started_url"},
  };
  for (const auto& row : rows) {
    ControllerOptions o;
    o.agents = {"agent01"};
    ASSERT_FALSE(ValidateOptions(o)) << *ValidateOptions(o);
    row.mutate(o);
    auto error = ValidateOptions(o);
    ASSERT_TRUE(error) << row.setting;
    EXPECT_NE(error->find(row.setting), std::string::npos) << *error;
  }
  ControllerOptions dialplan;
  dialplan.routing = Routing::kDialplan;
  EXPECT_FALSE(ValidateOptions(dialplan));  // no agents needed
}

TEST(ControllerOptions, AgentPriority) {
  auto ok = ParseAgentPriority({"10.0.0.5=agent02", "01012345678=agent03"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at("10.0.0.5"), "agent02");
  EXPECT_FALSE(ParseAgentPriority({"10.0.0.5"}));
  EXPECT_FALSE(ParseAgentPriority({"=agent01"}));
  EXPECT_FALSE(ParseAgentPriority({"a=b", "a=c"}));
}

TEST(RestClient, TargetsAndAuth) {
  EXPECT_EQ(BuildTarget("/ari", "/channels", {{"endpoint", "PJSIP/agent01"}, {"app", "a b"}}),
            "/ari/channels?endpoint=PJSIP%2Fagent01&app=a%20b");
  EXPECT_EQ(PercentEncode("127.0.0.1:12345"), "127.0.0.1%3A12345");
  EXPECT_EQ(BasicAuthorization("aicc", "secret"), "Basic YWljYzpzZWNyZXQ=");
  // Every padding case (credentials of 3n, 3n+1 and 3n+2 bytes) and UTF-8.
  EXPECT_EQ(BasicAuthorization("a", "b"), "Basic YTpi");
  EXPECT_EQ(BasicAuthorization("ab", "c"), "Basic YWI6Yw==");
  EXPECT_EQ(BasicAuthorization("ab", "cd"), "Basic YWI6Y2Q=");
  EXPECT_EQ(BasicAuthorization("", ""), "Basic Og==");
  EXPECT_EQ(PercentEncode("상담원 01~_.-"), "%EC%83%81%EB%8B%B4%EC%9B%90%2001~_.-");
  EXPECT_EQ(PercentEncode(""), "");
}

}  // namespace
}  // namespace aicc::ari
