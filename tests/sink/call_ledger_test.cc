// The call ledger: what was sent per call survives a restart (and a torn
// tail), so a restarted aicc can continue or close each open call.
#include "sink/call_ledger.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.h"

namespace aicc::sink {
namespace {
namespace fs = std::filesystem;
using std::chrono::seconds;

class CallLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aicc_ledger_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<CallLedger> Open() {
    auto l = CallLedger::Open(dir_.string(), FsyncPolicy::kNever);
    EXPECT_TRUE(l) << (l ? "" : l.error().message);
    return l ? std::move(*l) : nullptr;
  }
  events::Event Make(const std::string& call_id, std::uint64_t seq, events::Event::Body body) {
    events::Event e;
    e.event_id = core::NewUuid();
    e.call_id = call_id;
    e.seq = seq;
    e.timestamp = t0_ + seconds(seq);
    e.body = std::move(body);
    return e;
  }
  events::Event Start(const std::string& id) {
    events::MetadataStart s;
    s.call_start = t0_ - seconds(3);
    return Make(id, 0, s);
  }
  events::Event Turn(const std::string& id, std::uint64_t seq, bool complete) {
    events::TurnComplete t;
    t.start_time = static_cast<double>(seq);
    t.end_time = static_cast<double>(seq) + 0.5;
    t.complete = complete;
    return Make(id, seq, t);
  }
  fs::path dir_;
  const std::chrono::system_clock::time_point t0_{seconds(1795480000)};
};

TEST_F(CallLedgerTest, OpenCallsSurviveARestartEndedOnesDoNot) {
  const std::string open = core::NewUuid(), ended = core::NewUuid();
  {
    auto l = Open();
    EXPECT_TRUE(l->open_at_start().empty());
    l->Record(Start(open));
    l->Record(Start(ended));
    l->Record(Turn(open, 1, true));
    l->Record(Turn(open, 2, false));
    l->Record(Make(ended, 1, events::MetadataEnd{1, 0, 0, 0, 0, "hangup", std::nullopt}));
  }  // no Sync: a process crash still leaves what was written
  auto l = Open();
  ASSERT_EQ(l->open_at_start().size(), 1u);
  const auto& p = l->open_at_start().front();
  EXPECT_EQ(p.call_id, open);
  EXPECT_EQ(p.next_seq, 3u);
  EXPECT_EQ(p.turn_count, 2);
  EXPECT_EQ(p.complete_turns, 1);
  EXPECT_EQ(p.incomplete_turns, 1);
  EXPECT_EQ(p.origin, t0_ - seconds(3));
  EXPECT_EQ(l->Find(ended), nullptr) << "ended calls are dropped when the file is rewritten";
  // The call continues in this process: its progress goes on from the record.
  l->Record(Turn(open, 3, true));
  EXPECT_EQ(l->Find(open)->next_seq, 4u);
  EXPECT_EQ(l->Find(open)->turn_count, 3);
}

TEST_F(CallLedgerTest, ATornTailIsDroppedAndTheRestKept) {
  const std::string id = core::NewUuid();
  {
    auto l = Open();
    l->Record(Start(id));
    l->Record(Turn(id, 1, true));
  }
  {
    // A crash mid-write: half a record at the end.
    std::ofstream out(dir_ / "calls.log", std::ios::app | std::ios::binary);
    out << std::string("\x40\x00\x00\x00\x01\x02", 6) << "{\"call_id\":";
  }
  auto l = Open();
  EXPECT_GT(l->truncated_bytes(), 0u);
  ASSERT_EQ(l->open_at_start().size(), 1u);
  EXPECT_EQ(l->open_at_start().front().next_seq, 2u);
}

// An event that could not be journaled (journal full) was never sent: the
// call's counts go back, but its seq stays used (a gap, never a seq twice).
TEST_F(CallLedgerTest, RevertKeepsTheSeqUsed) {
  const std::string id = core::NewUuid();
  auto l = Open();
  l->Record(Start(id));
  const auto end = Make(id, 1, events::MetadataEnd{1, 0, 0, 0, 0, "hangup", std::nullopt});
  auto before = l->Record(end);
  EXPECT_FALSE(l->Find(id)->Open());
  l->Revert(before, end);
  EXPECT_TRUE(l->Find(id)->Open());
  EXPECT_EQ(l->Find(id)->next_seq, 2u);
  l.reset();
  auto again = Open();
  ASSERT_EQ(again->open_at_start().size(), 1u);
  EXPECT_EQ(again->open_at_start().front().next_seq, 2u);
}

// Many short calls: the file is rewritten with the open ones only, so it
// stays bounded.
TEST_F(CallLedgerTest, CompactionKeepsTheFileBounded) {
  auto l = Open();
  const std::string keep = core::NewUuid();
  l->Record(Start(keep));
  for (int i = 0; i < 5000; ++i) {
    const std::string id = core::NewUuid();
    l->Record(Start(id));
    l->Record(Turn(id, 1, true));
    l->Record(Make(id, 2, events::MetadataEnd{1, 1, 1, 0, 0.5, "hangup", std::nullopt}));
  }
  EXPECT_LE(fs::file_size(dir_ / "calls.log"), 2u << 20);
  l.reset();
  auto again = Open();
  ASSERT_EQ(again->open_at_start().size(), 1u);
  EXPECT_EQ(again->open_at_start().front().call_id, keep);
}

}  // namespace
}  // namespace aicc::sink
