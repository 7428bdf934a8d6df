#include "events/event.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "events/call_progress.h"

namespace aicc::events {
namespace {

Event Base(Event::Body body) {
  Event e;
  e.event_id = "0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a10";
  e.call_id = "6f1c2b7a-3d4e-4f5a-8b6c-7d8e9f0a1b2c";
  e.seq = 3;
  e.timestamp = std::chrono::system_clock::time_point(std::chrono::microseconds(1795480593712345));
  e.body = std::move(body);
  return e;
}

Event Turn() {
  TurnComplete t;
  t.speaker = core::Speaker::kAgent;
  t.start_time = 1.23456;
  t.end_time = 4.5;
  t.transcript = "카드 분실 신고 접수되었습니다.";
  t.complete = true;
  t.fusion_score = 0.87654;
  t.morpheme_score = 0.95;
  t.duration_score = 0.8;
  t.silence_score = 0.7;
  t.silence_ms = 820;
  t.stt_confidence = 0.91;
  t.stt_final = true;
  return Base(t);
}

TEST(EventTest, TurnCompleteJsonKeepsOldFieldsInOrderAndKoreanReadable) {
  EXPECT_EQ(
      ToJson(Turn()),
      R"({"type":"turn_complete","call_id":"6f1c2b7a-3d4e-4f5a-8b6c-7d8e9f0a1b2c","speaker":"agent",)"
      R"("start_time":1.235,"end_time":4.5,"transcript":"카드 분실 신고 접수되었습니다.","decision":"complete",)"
      R"("fusion_score":0.877,"timestamp":"2026-11-24T00:36:33.712345Z","morpheme_score":0.95,)"
      R"("duration_score":0.8,"silence_score":0.7,"silence_ms":820,"stt_confidence":0.91,"stt_final":true,)"
      R"("pii_masked":0,"early":false,"agent_id":null,"event_id":"0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a10",)"
      R"("seq":3})");
}

// Issue 17: an early turn, the turn continuing it, and the two opt-in
// update events; each round-trips and validates against the schema.
Event Resumed() {
  return Base(TurnResumed{core::Speaker::kCustomer, "0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a11", 3.25});
}
Event Corrected() {
  return Base(TurnCorrected{core::Speaker::kAgent, "0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a11",
                            "네 알겠습니다", 0.9, true, 0});
}
Event Continuing() {
  Event e = Turn();
  auto& t = std::get<TurnComplete>(e.body);
  t.continues_event_id = "0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a11";
  return e;
}

TEST(EventTest, EarlyTurnAndUpdateEvents) {
  Event early = Turn();
  std::get<TurnComplete>(early.body).early = true;
  EXPECT_NE(ToJson(early).find(R"("early":true,"agent_id":null,"event_id")"), std::string::npos)
      << ToJson(early);
  EXPECT_EQ(ToJson(Turn()).find("continues_event_id"), std::string::npos);
  EXPECT_NE(
      ToJson(Continuing()).find(R"("continues_event_id":"0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a11")"),
      std::string::npos);
  EXPECT_EQ(
      ToJson(Resumed()),
      R"({"type":"turn_resumed","call_id":"6f1c2b7a-3d4e-4f5a-8b6c-7d8e9f0a1b2c","speaker":"customer",)"
      R"("resumed_event_id":"0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a11","resume_time":3.25,)"
      R"("timestamp":"2026-11-24T00:36:33.712345Z","event_id":"0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a10","seq":3})");
  for (const Event& e : {early, Continuing(), Resumed(), Corrected()}) {
    auto back = FromJson(ToJson(e));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(ToJson(*back), ToJson(e));
  }
  // An older journal's turn_complete (no "early") parses as not early.
  std::string old = ToJson(Turn());
  old.erase(old.find(R"("early":false,)"), 14);
  auto back = FromJson(old);
  ASSERT_TRUE(back);
  EXPECT_FALSE(std::get<TurnComplete>(back->body).early);
  // The update events neither count as turns nor close the call.
  CallProgress p;
  Apply(p, Resumed());
  Apply(p, Corrected());
  EXPECT_EQ(p.turn_count, 0);
  EXPECT_FALSE(p.ended);
}

TEST(EventTest, MetadataEvents) {
  MetadataStart s;
  s.customer_number = "01012345678";
  s.channel_id = "1795480593.0";
  EXPECT_EQ(
      ToJson(Base(s)),
      R"({"type":"metadata_start","call_id":"6f1c2b7a-3d4e-4f5a-8b6c-7d8e9f0a1b2c","customer_number":"01012345678",)"
      R"("agent_id":null,"timestamp":"2026-11-24T00:36:33.712345Z","channel_id":"1795480593.0",)"
      R"("event_id":"0b3f7d6e-8c1a-4f6e-9a51-2f0c8d3b4a10","seq":3})");
  MetadataEnd m{61.2, 10, 7, 3, 0.4567, "hangup", std::nullopt};
  const std::string j = ToJson(Base(m));
  EXPECT_NE(
      j.find(R"("total_duration":61.2,"turn_count":10,"complete_turns":7,"incomplete_turns":3,)"),
      std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("speech_ratio":0.457,"end_reason":"hangup","agent_id":null)"),
            std::string::npos)
      << j;
}

// The agent learned after metadata_start (dialplan routing, a transfer)
// reaches the backend on every later turn and on metadata_end.
TEST(EventTest, TurnsAndTheEndCarryTheAgent) {
  Event turn = Turn();
  EXPECT_NE(ToJson(turn).find(R"("agent_id":null)"), std::string::npos) << ToJson(turn);
  std::get<TurnComplete>(turn.body).agent_id = "agent07";
  MetadataEnd m{61.2, 10, 7, 3, 0.4567, "hangup", std::nullopt};
  m.agent_id = "agent07";
  for (const Event& e : {turn, Base(m)}) {
    const std::string j = ToJson(e);
    EXPECT_NE(j.find(R"("agent_id":"agent07")"), std::string::npos) << j;
    auto back = FromJson(j);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(ToJson(*back), j);
  }
  // An older journal's events (no agent_id) parse, with no agent.
  std::string old = ToJson(Turn());
  old.erase(old.find(R"(,"agent_id":null)"), 16);
  auto back = FromJson(old);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(std::get<TurnComplete>(back->body).agent_id);
}

TEST(EventTest, RoundTripsThroughJson) {
  for (const Event& e :
       {Turn(), Base(MetadataStart{"unknown", std::string("agent01"), "", std::nullopt}),
        Base(MetadataEnd{3, 1, 1, 0, 0.5, "shutdown", std::nullopt})}) {
    auto back = FromJson(ToJson(e));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(ToJson(*back), ToJson(e));
  }
}

TEST(EventTest, InvalidUtf8InTranscriptIsReplacedNotThrown) {
  Event e = Turn();
  std::get<TurnComplete>(e.body).transcript = std::string("ok\xff\xfe", 4);
  std::string j;
  EXPECT_NO_THROW(j = ToJson(e));
  EXPECT_NE(j.find("ok\xEF\xBF\xBD"), std::string::npos);
}

TEST(EventTest, BadJsonIsAnErrorValue) {
  for (
      const char* bad :
      {"", "[]", "{", R"({"type":"x"})",
       R"({"type":"nope","call_id":"a","event_id":"b","seq":0,"timestamp":"2026-11-24T00:36:33.712345Z"})",
       R"({"type":"metadata_end","call_id":"a","event_id":"b","seq":-1,"timestamp":"x"})"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(FromJson(bad));
  }
}

// Real output against the published JSON Schema (python3-jsonschema).
TEST(EventTest, OutputValidatesAgainstTheSchema) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("aicc_events_" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(path);
    Event start = Base(MetadataStart{});
    start.call_id = core::NewUuid();
    start.event_id = core::NewUuid();
    out << ToJson(start) << "\n" << ToJson(Turn()) << "\n";
    Event no_stt = Turn();
    auto& t = std::get<TurnComplete>(no_stt.body);
    t.stt_confidence.reset();
    t.stt_final = false;
    t.transcript.clear();
    out << ToJson(no_stt) << "\n"
        << ToJson(Base(MetadataEnd{3, 1, 1, 0, 0.5, "shutdown", std::nullopt})) << "\n";
    t.transcript_missing = "stt_unavailable";
    out << ToJson(no_stt) << "\n";
    MetadataStart with_origin;
    with_origin.call_start = start.timestamp;
    out << ToJson(Base(with_origin)) << "\n"
        << ToJson(Base(MetadataEnd{3, 1, 1, 0, 0.5, "recovered", std::nullopt})) << "\n";
    out << ToJson(Continuing()) << "\n" << ToJson(Resumed()) << "\n" << ToJson(Corrected()) << "\n";
  }
  const std::string cmd = std::string("/usr/bin/python3 ") + AICC_SOURCE_DIR +
                          "/tests/validate_events.py " + AICC_SOURCE_DIR +
                          "/docs/events.schema.json " + path.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // And the schema rejects a broken event (the check can fail).
  {
    std::ofstream out(path);
    std::string j = ToJson(Turn());
    j.replace(j.find("\"complete\""), 10, "\"maybe\"");
    out << j << "\n";
  }
  EXPECT_NE(std::system((cmd + " >/dev/null").c_str()), 0);
  {
    std::ofstream out(path);
    std::string j = ToJson(Resumed());
    j.replace(j.find("\"resumed_event_id\""), 18, "\"resumed_id\"");
    out << j << "\n";
  }
  EXPECT_NE(std::system((cmd + " >/dev/null").c_str()), 0);
  std::filesystem::remove(path);
}

// transcript_missing is only added (after stt_final), only when set, and
// survives the journal's round trip.
TEST(EventTest, TranscriptMissingIsAddedOnlyWhenSet) {
  EXPECT_EQ(ToJson(Turn()).find("transcript_missing"), std::string::npos);
  Event e = Turn();
  auto& t = std::get<TurnComplete>(e.body);
  t.transcript.clear();
  t.stt_final = false;
  t.transcript_missing = "stt_error";
  const std::string json = ToJson(e);
  EXPECT_NE(json.find(R"("stt_final":false,"transcript_missing":"stt_error")"), std::string::npos)
      << json;
  auto back = FromJson(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<TurnComplete>(back->body).transcript_missing, "stt_error");
}

TEST(EventTest, MetadataStartCarriesTheTimelineOrigin) {
  MetadataStart s;
  s.call_start = std::chrono::system_clock::time_point(std::chrono::microseconds(1795480580000000));
  const std::string json = ToJson(Base(s));
  EXPECT_NE(json.find(R"("channel_id":"","call_start":"2026-11-24T00:36:20.000000Z","event_id")"),
            std::string::npos)
      << json;
  auto back = FromJson(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(std::get<MetadataStart>(back->body).call_start, s.call_start);
  std::string bad = json;
  bad.replace(bad.find("2026-11-24T00:36:20"), 4, "xxxx");
  EXPECT_FALSE(FromJson(bad));
}

// What the journal keeps per call, folded from the call's events.
TEST(CallProgressTest, FoldsACallAndClosesItFromWhatWasSent) {
  using std::chrono::seconds;
  const auto t0 = std::chrono::system_clock::time_point(seconds(1795480000));
  CallProgress p;
  EXPECT_FALSE(p.Open());
  MetadataStart s;
  s.call_start = t0 - seconds(5);  // answered 5 s before the analysis began
  Event e = Base(s);
  e.seq = 0;
  e.timestamp = t0;
  Apply(p, e);
  EXPECT_TRUE(p.Open());
  EXPECT_EQ(p.origin, t0 - seconds(5));
  EXPECT_EQ(p.call_id, e.call_id);
  // Turns: counts and speech; seq out of order keeps the highest.
  const struct {
    std::uint64_t seq;
    double start, end;
    bool complete;
  } turns[] = {{1, 6.0, 8.0, true}, {3, 12.0, 13.5, false}, {2, 9.0, 10.0, true}};
  for (const auto& row : turns) {
    Event t = Turn();
    t.seq = row.seq;
    auto& body = std::get<TurnComplete>(t.body);
    body.start_time = row.start;
    body.end_time = row.end;
    body.complete = row.complete;
    t.timestamp = t0 + seconds(static_cast<int>(row.end));
    Apply(p, t);
  }
  EXPECT_EQ(p.next_seq, 4u);
  EXPECT_EQ(p.turn_count, 3);
  EXPECT_EQ(p.complete_turns, 2);
  EXPECT_EQ(p.incomplete_turns, 1);
  EXPECT_DOUBLE_EQ(p.speech_seconds, 4.5);
  // Closed from the record: the origin to the newest event (t0 + 13 s).
  const MetadataEnd end = EndFrom(p, "recovered");
  EXPECT_DOUBLE_EQ(end.total_duration, 18.0);
  EXPECT_EQ(end.turn_count, 3);
  EXPECT_EQ(end.complete_turns, 2);
  EXPECT_EQ(end.incomplete_turns, 1);
  EXPECT_DOUBLE_EQ(end.speech_ratio, 4.5 / 18.0);
  EXPECT_EQ(end.end_reason, "recovered");
  // Stored and read back as is.
  auto back = ProgressFromJson(ToJson(p));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->call_id, p.call_id);
  EXPECT_EQ(back->next_seq, 4u);
  EXPECT_EQ(back->origin, p.origin);
  EXPECT_EQ(back->last_event, p.last_event);
  EXPECT_EQ(back->turn_count, 3);
  EXPECT_DOUBLE_EQ(back->speech_seconds, 4.5);
  EXPECT_TRUE(back->Open());
  EXPECT_FALSE(ProgressFromJson("{}"));
  EXPECT_FALSE(ProgressFromJson("not json"));
  // metadata_end closes it.
  Event m = Base(MetadataEnd{18, 3, 2, 1, 0.25, "hangup", std::nullopt});
  m.seq = 4;
  Apply(p, m);
  EXPECT_FALSE(p.Open());
  EXPECT_EQ(p.next_seq, 5u);
  // A start without call_start (an older aicc) takes its timestamp.
  CallProgress q;
  Apply(q, e = Base(MetadataStart{}));
  EXPECT_EQ(q.origin, e.timestamp);
  // Zero-length calls do not divide by zero.
  EXPECT_EQ(EndFrom(q, "recovered").speech_ratio, 0.0);
}

}  // namespace
}  // namespace aicc::events
