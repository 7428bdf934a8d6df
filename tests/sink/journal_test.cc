#include "sink/journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace aicc::sink {
namespace {
namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aicc_journal_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  JournalOptions Options() {
    JournalOptions o;
    o.directory = dir_.string();
    o.segment_bytes = 1024;
    o.max_bytes = 1 << 20;
    return o;
  }
  fs::path dir_;
};

TEST_F(JournalTest, AppendsReadsAndRecoversAcrossReopen) {
  {
    auto j = Journal::Open(Options());
    ASSERT_TRUE(j) << j.error().message;
    for (int i = 0; i < 100; ++i) {
      auto idx = (*j)->Append("event-" + std::to_string(i));
      ASSERT_TRUE(idx);
      EXPECT_EQ(*idx, static_cast<std::uint64_t>(i));
    }
    auto batch = (*j)->Read(10, 5);
    ASSERT_EQ(batch.size(), 5u);
    EXPECT_EQ(batch[0].first, 10u);
    EXPECT_EQ(batch[4].second, "event-14");
  }
  RecoveryReport report;
  auto j = Journal::Open(Options(), &report);
  ASSERT_TRUE(j);
  EXPECT_EQ(report.records, 100u);
  EXPECT_EQ(report.truncated_bytes, 0u);
  EXPECT_GT(report.segments, 1);  // 1 KiB segments
  EXPECT_EQ((*j)->NextIndex(), 100u);
  auto all = (*j)->Read(0, 1000);  // from disk, not the cache
  ASSERT_EQ(all.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(all[i].second, "event-" + std::to_string(i));
  EXPECT_EQ(*(*j)->Append("next"), 100u);
}

TEST_F(JournalTest, TornTailIsTruncatedAndReported) {
  {
    auto j = Journal::Open(Options());
    ASSERT_TRUE(j);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*j)->Append("record " + std::to_string(i)));
  }
  // Simulate a crash mid-write: half a header, then garbage after a good record.
  fs::path segment;
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().filename().string().rfind("segment-", 0) == 0) segment = e.path();
  }
  const auto good_size = fs::file_size(segment);
  {
    std::ofstream out(segment, std::ios::app | std::ios::binary);
    out.write("\x20\x00\x00\x00\x11\x22", 6);
  }
  RecoveryReport report;
  auto j = Journal::Open(Options(), &report);
  ASSERT_TRUE(j);
  EXPECT_EQ(report.truncated_bytes, 6u);
  EXPECT_EQ(report.records, 5u);
  EXPECT_EQ(fs::file_size(segment), good_size);
  EXPECT_EQ(*(*j)->Append("after"), 5u);
  EXPECT_EQ((*j)->Read(5, 1).at(0).second, "after");
}

TEST_F(JournalTest, CorruptRecordStopsRecoveryThere) {
  {
    auto j = Journal::Open(Options());
    ASSERT_TRUE(j);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*j)->Append("abcdefgh"));
  }
  fs::path segment;
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().filename().string().rfind("segment-", 0) == 0) segment = e.path();
  }
  {
    // Flip a payload byte of the second record: its CRC no longer matches.
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(16 + 8 + 2);
    f.put('X');
  }
  RecoveryReport report;
  auto j = Journal::Open(Options(), &report);
  ASSERT_TRUE(j);
  EXPECT_EQ(report.records, 1u);
  EXPECT_EQ(report.truncated_bytes, 32u);
}

TEST_F(JournalTest, CursorsPersistAndSegmentsGoWhenEveryDestinationPassed) {
  {
    auto j = Journal::Open(Options());
    ASSERT_TRUE(j);
    (*j)->RegisterDestination("a", 0);
    (*j)->RegisterDestination("b", 0);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE((*j)->Append(std::string(40, 'x')));
    const auto bytes = (*j)->Bytes();
    (*j)->SetCursor("a", 150);
    EXPECT_EQ((*j)->Bytes(), bytes) << "b has not passed anything yet";
    (*j)->SetCursor("b", 120);
    EXPECT_LT((*j)->Bytes(), bytes);
    EXPECT_GT((*j)->FirstIndex(), 0u);
    EXPECT_LE((*j)->FirstIndex(), 120u);
  }
  auto j = Journal::Open(Options());
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->Cursor("a"), 150u);
  EXPECT_EQ((*j)->Cursor("b"), 120u);
  EXPECT_EQ((*j)->Read((*j)->Cursor("b"), 1).at(0).first, 120u);
}

// Memory follows the slowest backend's backlog: records every destination
// has confirmed leave the in-memory cache at once (a daemon whose backends
// keep up must not grow by every event it sends, up to the cache's bound).
TEST_F(JournalTest, MemoryHoldsOnlyWhatADestinationStillNeeds) {
  auto j = Journal::Open(Options());
  ASSERT_TRUE(j);
  (*j)->RegisterDestination("a", 0);
  (*j)->RegisterDestination("b", 0);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*j)->Append(std::string(40, 'x')));
  EXPECT_EQ((*j)->CachedBytes(), 100u * 40);
  (*j)->SetCursor("a", 100);
  EXPECT_EQ((*j)->CachedBytes(), 100u * 40) << "b still needs all of them";
  EXPECT_EQ((*j)->MinCursor(), 0u);
  (*j)->SetCursor("b", 60);
  EXPECT_EQ((*j)->CachedBytes(), 40u * 40);
  EXPECT_EQ((*j)->MinCursor(), 60u);
  // What is still needed reads the same, from memory or disk.
  auto rest = (*j)->Read(60, 100);
  ASSERT_EQ(rest.size(), 40u);
  EXPECT_EQ(rest.front().first, 60u);
  (*j)->SetCursor("b", 100);
  EXPECT_EQ((*j)->CachedBytes(), 0u);
  // A destination starting from the retained records reads them from disk.
  (*j)->RegisterDestination("c", 0);
  auto all = (*j)->Read((*j)->Cursor("c"), 1000);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().first, 99u);
  EXPECT_EQ(all.back().second, std::string(40, 'x'));
}

// With no destination at all (stdout or a file only) nothing is cached.
TEST_F(JournalTest, NothingCachedWithoutDestinations) {
  auto j = Journal::Open(Options());
  ASSERT_TRUE(j);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE((*j)->Append(std::string(40, 'x')));
  EXPECT_EQ((*j)->CachedBytes(), 0u);
  EXPECT_EQ((*j)->Read(0, 100).size(), 50u);
}

TEST_F(JournalTest, BoundPolicies) {
  auto o = Options();
  o.max_bytes = 4096;
  o.full_policy = FullPolicy::kBlock;
  {
    auto j = Journal::Open(o);
    ASSERT_TRUE(j);
    (*j)->RegisterDestination("slow", 0);
    int accepted = 0;
    for (int i = 0; i < 200; ++i) accepted += (*j)->Append(std::string(50, 'x')).has_value();
    EXPECT_LT(accepted, 200);
    EXPECT_LE((*j)->Bytes(), 4096u);
    auto refused = (*j)->Append(std::string(50, 'x'));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("journal full"), std::string::npos);
  }
  fs::remove_all(dir_);
  o.full_policy = FullPolicy::kDropOldest;
  auto j = Journal::Open(o);
  ASSERT_TRUE(j);
  (*j)->RegisterDestination("slow", 0);
  std::uint64_t dropped_total = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<Drop> drops;
    ASSERT_TRUE((*j)->Append(std::string(50, 'x'), &drops));
    for (const auto& d : drops) {
      EXPECT_EQ(d.destination, "slow");
      dropped_total += d.records;
    }
  }
  EXPECT_GT(dropped_total, 0u);
  EXPECT_LE((*j)->Bytes(), 4096u);
  EXPECT_EQ((*j)->Cursor("slow"), (*j)->FirstIndex());
  // What was dropped plus what is left is everything.
  EXPECT_EQ(dropped_total + ((*j)->NextIndex() - (*j)->FirstIndex()), 200u);
}

// Issue 18 item 4: at the bound, only the destination holding it loses
// records. A disconnected laggard is skipped ahead one segment at a time; a
// connected destination behind by more than the bound keeps its records up
// to the ceiling (twice the bound), and only past it loses some itself.
TEST_F(JournalTest, TheBoundSkipsOnlyTheDestinationHoldingIt) {
  auto o = Options();
  o.max_bytes = 4096;
  o.segment_bytes = 512;
  auto j = Journal::Open(o);
  ASSERT_TRUE(j);
  (*j)->RegisterDestination("down", 0);
  (*j)->RegisterDestination("live", 0);
  (*j)->SetConnected("live", true);
  std::map<std::string, std::uint64_t> lost;
  auto append = [&](int n) {
    for (int i = 0; i < n; ++i) {
      std::vector<Drop> drops;
      ASSERT_TRUE((*j)->Append(std::string(56, 'x'), &drops));  // 64 bytes a record
      for (const auto& d : drops) lost[d.destination] += d.records;
    }
  };
  // "live" keeps up: the bound costs only "down".
  for (int round = 0; round < 20; ++round) {
    append(10);
    (*j)->SetCursor("live", (*j)->NextIndex());
  }
  EXPECT_GT(lost["down"], 0u);
  EXPECT_EQ(lost.count("live"), 0u);
  EXPECT_LE((*j)->Bytes(), 4096u);
  // A burst of 1.5 times the bound while "live" is behind: it loses nothing,
  // the journal holds it within the ceiling.
  const std::uint64_t burst_start = (*j)->NextIndex();
  append(96);
  EXPECT_EQ(lost.count("live"), 0u);
  EXPECT_EQ((*j)->Cursor("live"), burst_start);
  EXPECT_GT((*j)->Bytes(), 4096u);
  EXPECT_LE((*j)->Bytes(), (*j)->CeilingBytes());
  EXPECT_EQ((*j)->Read(burst_start, 1000).size(), 96u);
  // It catches up: the journal is back under the bound at the next append.
  (*j)->SetCursor("live", (*j)->NextIndex());
  append(1);
  EXPECT_LE((*j)->Bytes(), 4096u);
  // Behind by more than the ceiling, it is the one holding the bound.
  const std::uint64_t before = (*j)->Cursor("live");
  append(200);
  EXPECT_GT(lost["live"], 0u);
  EXPECT_LE((*j)->Bytes(), (*j)->CeilingBytes());
  EXPECT_EQ((*j)->Cursor("live"), (*j)->FirstIndex());
  EXPECT_EQ(lost["live"], (*j)->FirstIndex() - before);
  // Disconnected: back to the plain bound.
  (*j)->SetConnected("live", false);
  append(1);
  EXPECT_LE((*j)->Bytes(), 4096u);
}

// Issue 18 item 5: a destination never seen starts where it is told (now,
// or everything retained); one with a saved cursor keeps it.
TEST_F(JournalTest, NewDestinationStartsWhereToldKnownOneKeepsItsCursor) {
  {
    auto j = Journal::Open(Options());
    ASSERT_TRUE(j);
    (*j)->RegisterDestination("old", 0);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*j)->Append("event-" + std::to_string(i)));
    (*j)->SetCursor("old", 4);
  }
  auto j = Journal::Open(Options());
  ASSERT_TRUE(j);
  (*j)->RegisterDestination("old", (*j)->NextIndex());
  (*j)->RegisterDestination("new-now", (*j)->NextIndex());
  (*j)->RegisterDestination("new-all", (*j)->FirstIndex());
  (*j)->RegisterDestination("new-past-end", 1000000);
  EXPECT_EQ((*j)->Cursor("old"), 4u);
  EXPECT_EQ((*j)->Cursor("new-now"), 10u);
  EXPECT_EQ((*j)->Cursor("new-all"), 0u);
  EXPECT_EQ((*j)->Cursor("new-past-end"), 10u);
}

// An older aicc saved whatever a backend's pong said as its cursor (issue
// 18): a cursor past the end would hold back every new record from it.
TEST_F(JournalTest, CursorPastTheEndIsResetAtOpenAndNeverSet) {
  {
    auto j = Journal::Open(Options());
    ASSERT_TRUE(j);
    (*j)->RegisterDestination("ws-hostile", 0);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*j)->Append("event-" + std::to_string(i)));
  }
  {
    std::ofstream out(dir_ / "cursors" / "ws-hostile", std::ios::trunc);
    out << "1000000\n";
  }
  RecoveryReport report;
  auto j = Journal::Open(Options(), &report);
  ASSERT_TRUE(j);
  EXPECT_EQ(report.cursors_reset, 1);
  EXPECT_EQ((*j)->Cursor("ws-hostile"), (*j)->FirstIndex());
  EXPECT_EQ((*j)->Read((*j)->Cursor("ws-hostile"), 100).size(), 10u);
  // And SetCursor never goes past the end either.
  (*j)->SetCursor("ws-hostile", 1000000);
  EXPECT_EQ((*j)->Cursor("ws-hostile"), (*j)->NextIndex());
}

TEST(RecordTest, ParseRejectsBadRecords) {
  EXPECT_FALSE(ParseRecord({}));
  const std::uint8_t zero_len[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(ParseRecord(zero_len));
  const std::uint8_t too_long[9] = {200, 0, 0, 0, 0, 0, 0, 0, 'x'};
  EXPECT_FALSE(ParseRecord(too_long));
  std::vector<std::uint8_t> good = {1, 0, 0, 0, 0, 0, 0, 0, 'x'};
  const std::uint32_t crc = Crc32(std::span<const std::uint8_t>(good.data() + 8, 1));
  for (int i = 0; i < 4; ++i) good[4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  auto r = ParseRecord(good);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size, 9u);
  good[8] = 'y';
  EXPECT_FALSE(ParseRecord(good));
  // The standard CRC-32 check value.
  const std::string check = "123456789";
  EXPECT_EQ(Crc32(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(check.data()),
                                                check.size())),
            0xCBF43926u);
}

}  // namespace
}  // namespace aicc::sink
