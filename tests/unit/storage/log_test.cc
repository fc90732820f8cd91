#include "storage/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "storage/file_util.h"
#include "test_util.h"

namespace samsa::storage {
namespace {
using test::headers_of;
using test::make_batch;
using test::small_segments;
namespace fs = std::filesystem;

constexpr int64_t kTs = 1'700'000'000'000;

std::shared_ptr<Log> open_log(const fs::path& dir, const LogConfig& cfg, bool clean = true,
                              int64_t rp = 0) {
  return Log::open({"t", 0}, dir / "t-0", cfg, clean, rp, 0);
}

// Appends `count` 2-record batches; batch i has timestamps kTs + 10*i, +1.
void fill(Log& log, int count) {
  for (int i = 0; i < count; ++i) {
    auto b = make_batch(2, kTs + 10 * i);
    auto info = log.append(b, 3);
    ASSERT_EQ(info.base_offset, 2 * i);
    ASSERT_EQ(info.last_offset, 2 * i + 1);
  }
}

TEST(Log, AppendAssignsOffsetsAndRolls) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), small_segments());
  fill(*log, 60);
  EXPECT_EQ(log->log_end_offset(), 120);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_GT(log->segment_count(), 3u);
  // Segment files are named by 20-digit base offset.
  EXPECT_TRUE(fs::exists(tmp.path() / "t-0" / "00000000000000000000.log"));
  // Every offset is served by the batch containing it.
  for (int64_t off = 0; off < 120; ++off) {
    auto slice = log->read(off, 1 << 20, INT64_MAX, true);
    auto hs = headers_of(slice.data);
    ASSERT_FALSE(hs.empty()) << off;
    EXPECT_LE(hs.front().base_offset, off);
    EXPECT_GE(hs.front().last_offset(), off);
    EXPECT_EQ(hs.front().partition_leader_epoch, 3);
    EXPECT_TRUE(records::check_batch_integrity(
                    std::span<const uint8_t>(slice.data).first(hs.front().total_size()))
                    .empty());
  }
  // A big read crosses segments and returns every batch in order.
  auto all = log->read(0, 1 << 20, INT64_MAX, true);
  auto hs = headers_of(all.data);
  ASSERT_EQ(hs.size(), 60u);
  for (size_t i = 0; i < hs.size(); ++i) EXPECT_EQ(hs[i].base_offset, static_cast<int64_t>(2 * i));
}

TEST(Log, ReadHonoursLimits) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), LogConfig{});
  fill(*log, 10);
  int32_t one = static_cast<int32_t>(make_batch(2, kTs).size());
  EXPECT_TRUE(log->read(0, one - 1, INT64_MAX, false).data.empty());
  EXPECT_EQ(headers_of(log->read(0, one - 1, INT64_MAX, true).data).size(), 1u);
  EXPECT_EQ(headers_of(log->read(0, 3 * one + 5, INT64_MAX, false).data).size(), 3u);
  // max_offset is exclusive: offset 6 starts batch 3, so batches 0..2 are returned.
  EXPECT_EQ(headers_of(log->read(0, 1 << 20, 6, true).data).size(), 3u);
  EXPECT_EQ(headers_of(log->read(0, 1 << 20, 7, true).data).size(), 4u);
  EXPECT_TRUE(log->read(6, 1 << 20, 6, true).data.empty());
  // Reading from the middle of a batch starts at that batch.
  EXPECT_EQ(headers_of(log->read(5, 1 << 20, INT64_MAX, true).data).front().base_offset, 4);
  auto at_end = log->read(20, 1000, INT64_MAX, true);
  EXPECT_TRUE(at_end.data.empty());
  EXPECT_FALSE(at_end.out_of_range);
  EXPECT_TRUE(log->read(21, 1000, INT64_MAX, true).out_of_range);
  EXPECT_TRUE(log->read(-1, 1000, INT64_MAX, true).out_of_range);
}

TEST(Log, SparseIndexIsWrittenAndTrimmed) {
  test::TempDir tmp;
  auto cfg = small_segments();
  cfg.segment_bytes = 1 << 20;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 100);
  fs::path idx = tmp.path() / "t-0" / "00000000000000000000.index";
  EXPECT_EQ(fs::file_size(idx), 4096u);  // preallocated (sparse) while active
  log->close();
  auto size = fs::file_size(idx);
  auto batch = make_batch(2, kTs).size();
  EXPECT_EQ(size % 8, 0u);
  EXPECT_GT(size, 0u);
  EXPECT_LT(size / 8, 100u);  // sparse: far fewer entries than batches
  // Kafka's rule: an entry for a batch once more than index.interval.bytes preceded it unindexed.
  size_t expected = 0, since = 0;
  for (int i = 0; i < 100; ++i) {
    if (since > static_cast<size_t>(cfg.index_interval_bytes)) {
      ++expected;
      since = 0;
    }
    since += batch;
  }
  EXPECT_EQ(size / 8, expected);
  EXPECT_EQ(fs::file_size(tmp.path() / "t-0" / "00000000000000000000.timeindex") % 12, 0u);
}

TEST(Log, OffsetForTimestamp) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), small_segments());
  fill(*log, 60);
  // Batch i holds offsets 2i (ts kTs+10i) and 2i+1 (ts kTs+10i+1).
  auto r = log->offset_for_timestamp(kTs + 10 * 25 + 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 51);
  EXPECT_EQ(r->second, kTs + 251);
  r = log->offset_for_timestamp(kTs + 10 * 25 + 2);  // between batches: next batch's first record
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 52);
  r = log->offset_for_timestamp(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0);
  EXPECT_FALSE(log->offset_for_timestamp(kTs + 10 * 60));
  auto m = log->max_timestamp_offset();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first, 119);
  EXPECT_EQ(m->second, kTs + 591);
}

TEST(Log, ReopenAfterCloseKeepsOffsetsAndIndexes) {
  test::TempDir tmp;
  {
    auto log = open_log(tmp.path(), small_segments());
    fill(*log, 60);
    log->close();
  }
  auto log = open_log(tmp.path(), small_segments());
  EXPECT_EQ(log->log_end_offset(), 120);
  auto info = log->append(*std::make_unique<std::vector<uint8_t>>(make_batch(1, kTs + 5000)), 4);
  EXPECT_EQ(info.base_offset, 120);
  EXPECT_EQ(headers_of(log->read(77, 1 << 20, INT64_MAX, true).data).front().base_offset, 76);
  EXPECT_EQ(log->offset_for_timestamp(kTs + 300)->first, 60);
  EXPECT_EQ(log->end_offset_for_epoch(3)->second, 120);
  EXPECT_EQ(log->latest_epoch(), 4);
}

TEST(Log, RecoveryRebuildsDeletedOrCorruptIndexes) {
  test::TempDir tmp;
  {
    auto log = open_log(tmp.path(), small_segments());
    fill(*log, 60);
    log->close();
  }
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(tmp.path() / "t-0")) {
    if (e.path().extension() == ".index" && n++ % 2 == 0) {
      fs::remove(e.path());
    } else if (e.path().extension() == ".index" || e.path().extension() == ".timeindex") {
      // Increasing but wrong entries: positions that are not batch starts.
      std::vector<uint8_t> junk(e.path().extension() == ".index" ? 24 : 36);
      for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 7 + 1);
      Fd fd = open_file(e.path(), O_WRONLY | O_TRUNC);
      pwrite_full(fd.get(), junk.data(), junk.size(), 0);
    }
  }
  auto log = open_log(tmp.path(), small_segments());
  EXPECT_EQ(log->log_end_offset(), 120);
  for (int64_t off = 0; off < 120; off += 7) {
    auto hs = headers_of(log->read(off, 1 << 20, INT64_MAX, true).data);
    ASSERT_FALSE(hs.empty());
    EXPECT_EQ(hs.front().base_offset, off / 2 * 2);
  }
  EXPECT_EQ(log->offset_for_timestamp(kTs + 421)->first, 85);
}

TEST(Log, FollowerAppendAndTruncate) {
  test::TempDir tmp;
  auto leader = open_log(tmp.path(), small_segments());
  fill(*leader, 30);
  auto data = leader->read(0, 1 << 20, INT64_MAX, true).data;
  auto follower = Log::open({"t", 1}, tmp.path() / "t-1", small_segments(), true, 0, 0);
  follower->append_as_follower(data);
  EXPECT_EQ(follower->log_end_offset(), 60);
  EXPECT_EQ(follower->read(0, 1 << 20, INT64_MAX, true).data, data);
  EXPECT_THROW(follower->append_as_follower(data), StorageError);  // below the log end
  follower->truncate_to(33);  // offset 33 is in batch 32..33, which goes entirely
  EXPECT_EQ(follower->log_end_offset(), 32);
  auto b = make_batch(2, kTs);
  EXPECT_EQ(follower->append(b, 5).base_offset, 32);
  EXPECT_EQ(follower->end_offset_for_epoch(3)->second, 32);
}

}  // namespace
}  // namespace samsa::storage
