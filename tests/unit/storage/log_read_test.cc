// Log::read and Log::locate: whole batches, limits, and reads that run outside the log's lock
// while the log changes (appends, retention, truncation).
#include <gtest/gtest.h>

#include <numeric>

#include "storage/log.h"
#include "storage/segment.h"
#include "test_util.h"

namespace samsa::storage {
namespace {
using test::headers_of;
using test::make_batch;
using test::small_segments;
namespace fs = std::filesystem;

constexpr int64_t kTs = 1'700'000'000'000;

std::shared_ptr<Log> open_log(const fs::path& dir, const LogConfig& cfg) {
  return Log::open({"t", 0}, dir / "t-0", cfg, true, 0, 0);
}

// Appends `count` 2-record batches; returns the bytes of each as stored (offsets assigned).
std::vector<std::vector<uint8_t>> fill(Log& log, int count, size_t value_size = 40) {
  std::vector<std::vector<uint8_t>> stored;
  for (int i = 0; i < count; ++i) {
    auto b = make_batch(2, kTs + 10 * i, value_size);
    log.append(b, 1);  // rewrites b in place: offsets and leader epoch
    stored.push_back(b);
  }
  return stored;
}

std::vector<uint8_t> concat(const std::vector<std::vector<uint8_t>>& batches, size_t from,
                            size_t to) {
  std::vector<uint8_t> out;
  for (size_t i = from; i < to; ++i) out.insert(out.end(), batches[i].begin(), batches[i].end());
  return out;
}

TEST(LogRead, SpansSegmentsWithOneRegionEach) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), small_segments());
  auto batches = fill(*log, 40);
  ASSERT_GT(log->segment_count(), 3u);
  auto slice = log->locate(0, INT32_MAX, INT64_MAX, true);
  EXPECT_FALSE(slice.out_of_range);
  EXPECT_EQ(slice.regions.size(), log->segment_count());
  int64_t sum = 0;
  for (const auto& r : slice.regions) sum += r.length;
  EXPECT_EQ(sum, slice.size);
  // Every byte of every batch, in order, exactly as appended.
  auto read = log->read(0, INT32_MAX, INT64_MAX, true);
  EXPECT_EQ(read.data.to_vector(), concat(batches, 0, batches.size()));
  EXPECT_EQ(Log::read_regions(slice).data, read.data);
}

TEST(LogRead, StopsAtMaxOffsetInsideASegment) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), LogConfig{});
  auto batches = fill(*log, 10);
  // Batches whose base offset is below max_offset 9 go out: 0..1 up to 8..9.
  auto read = log->read(0, INT32_MAX, 9, true);
  EXPECT_EQ(read.data.to_vector(), concat(batches, 0, 5));
  EXPECT_TRUE(log->read(9, INT32_MAX, 9, true).data.empty());
  EXPECT_TRUE(log->locate(9, INT32_MAX, 9, true).regions.empty());
}

TEST(LogRead, FirstBatchWholeOnlyWithMinOneBatch) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), LogConfig{});
  auto batches = fill(*log, 3, 500);
  const auto one = static_cast<int32_t>(batches[0].size());
  EXPECT_TRUE(log->read(0, one - 1, INT64_MAX, false).data.empty());
  EXPECT_EQ(log->read(0, one - 1, INT64_MAX, true).data.to_vector(), batches[0]);
  EXPECT_EQ(log->read(0, 0, INT64_MAX, true).data.to_vector(), batches[0]);
  // A limit between batch boundaries keeps only the batches that fit whole.
  EXPECT_EQ(log->read(0, 2 * one + 10, INT64_MAX, false).data.to_vector(), concat(batches, 0, 2));
  // Reading from inside a batch returns the whole batch holding the offset.
  EXPECT_EQ(log->read(3, INT32_MAX, INT64_MAX, true).data.to_vector(), concat(batches, 1, 3));
}

TEST(LogRead, OutOfRangeAndEmptyAtEnd) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), LogConfig{});
  fill(*log, 2);
  EXPECT_TRUE(log->read(5, 100, INT64_MAX, true).out_of_range);
  EXPECT_TRUE(log->locate(-1, 100, INT64_MAX, true).out_of_range);
  auto at_end = log->locate(4, 100, INT64_MAX, true);
  EXPECT_FALSE(at_end.out_of_range);
  EXPECT_EQ(at_end.size, 0);
  EXPECT_TRUE(Log::read_regions(at_end).data.empty());
}

TEST(LogRead, LocatedSliceIgnoresLaterAppends) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), LogConfig{});
  auto batches = fill(*log, 4);
  auto slice = log->locate(0, INT32_MAX, INT64_MAX, true);
  auto more = fill(*log, 4);  // the active segment grows after the size snapshot
  EXPECT_EQ(Log::read_regions(slice).data.to_vector(), concat(batches, 0, 4));
  EXPECT_EQ(headers_of(log->read(0, INT32_MAX, INT64_MAX, true).data).size(), 8u);
}

TEST(LogRead, RegionsStayReadableAfterRetentionDeletesTheirSegment) {
  test::TempDir tmp;
  auto cfg = small_segments();
  cfg.retention_bytes = 1;  // everything but the active segment goes
  auto log = open_log(tmp.path(), cfg);
  auto batches = fill(*log, 40);
  auto slice = log->locate(0, INT32_MAX, INT64_MAX, true);
  auto expected = Log::read_regions(slice).data.to_vector();
  ASSERT_EQ(expected, concat(batches, 0, batches.size()));
  auto r = log->apply_retention(kTs + 1000, log->log_end_offset());
  ASSERT_GT(r.segments_deleted, 0u);
  for (const auto& f : r.files) fs::remove(f);  // even unlinked, the open descriptor reads
  EXPECT_TRUE(log->read(0, INT32_MAX, INT64_MAX, true).out_of_range);
  EXPECT_EQ(Log::read_regions(slice).data.to_vector(), expected);
}

TEST(LogRead, TruncationAfterLocateEndsAtTheLastWholeBatch) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), LogConfig{});
  auto batches = fill(*log, 6);
  auto slice = log->locate(0, INT32_MAX, INT64_MAX, true);
  log->truncate_to(6);  // batches 0..5 stay (three of them)
  auto read = Log::read_regions(slice);
  EXPECT_EQ(read.data.to_vector(), concat(batches, 0, 3));
}

}  // namespace
}  // namespace samsa::storage
