// Retention (time, size, log start), DeleteRecords' log start movement, and the log start
// checkpoint across a restart.
#include <gtest/gtest.h>

#include "storage/file_util.h"
#include "storage/log.h"
#include "storage/log_manager.h"
#include "test_util.h"

namespace samsa::storage {
namespace {
using test::make_batch;
namespace fs = std::filesystem;

constexpr int64_t kTs = 1'700'000'000'000;
constexpr int64_t kHour = 3600 * 1000;

LogConfig small_config() {
  LogConfig c;
  c.segment_bytes = 1000;
  c.index_interval_bytes = 300;
  c.segment_index_bytes = 4096;
  c.retention_ms = -1;
  return c;
}

std::shared_ptr<Log> open_log(const fs::path& dir, const LogConfig& cfg) {
  return Log::open({"t", 0}, dir / "t-0", cfg, true, 0, 0);
}

// Appends `count` 2-record batches with timestamps `ts`.
void fill(Log& log, int count, int64_t ts) {
  for (int i = 0; i < count; ++i) {
    auto b = make_batch(2, ts);
    log.append(b, 0);
  }
}

// Base offsets of the segment files in the partition dir.
std::vector<std::string> files_with_suffix(const fs::path& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().ends_with(suffix)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Retention, TimeDeletesOldSegmentsOnlyUpToFirstYoungOne) {
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_ms = kHour;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 20, kTs);               // old
  fill(*log, 20, kTs + 10 * kHour);  // young
  const size_t before = log->segment_count();
  ASSERT_GT(before, 6u);
  const int64_t end = log->log_end_offset();

  auto r = log->apply_retention(kTs + 10 * kHour + 1, end);
  EXPECT_GT(r.segments_deleted, 0u);
  EXPECT_EQ(log->segment_count(), before - r.segments_deleted);
  // Every remaining record is young; the first young batch is at offset 40.
  EXPECT_LE(r.log_start_offset, 40);
  EXPECT_EQ(log->log_start_offset(), r.log_start_offset);
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_TRUE(log->read(0, 1 << 20, INT64_MAX, true).out_of_range);
  EXPECT_FALSE(log->read(r.log_start_offset, 1 << 20, INT64_MAX, true).out_of_range);
  EXPECT_EQ(log->log_end_offset(), end);
  // A segment holding a young record is not touched: the next pass deletes nothing more.
  EXPECT_EQ(log->apply_retention(kTs + 10 * kHour + 1, end).segments_deleted, 0u);

  // Files are renamed, not removed, and reported for later removal.
  EXPECT_EQ(r.files.size(), 3 * r.segments_deleted);
  for (const auto& f : r.files) {
    EXPECT_TRUE(fs::exists(f)) << f;
    EXPECT_EQ(f.extension(), ".deleted");
  }
  EXPECT_EQ(files_with_suffix(tmp.path() / "t-0", ".log").size(), log->segment_count());
}

TEST(Retention, ActiveSegmentIsNeverDeleted) {
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_ms = 0;
  cfg.retention_bytes = 0;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 40, kTs);
  auto r = log->apply_retention(kTs + 100 * kHour, log->log_end_offset());
  EXPECT_GT(r.segments_deleted, 0u);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_LT(log->log_start_offset(), log->log_end_offset());
  // Only the active segment is left, and it stays even though it is over every limit.
  EXPECT_EQ(log->apply_retention(kTs + 100 * kHour, log->log_end_offset()).segments_deleted, 0u);
  EXPECT_EQ(log->segment_count(), 1u);
  // Appends continue after the deletion.
  auto b = make_batch(2, kTs);
  auto info = log->append(b, 0);
  EXPECT_EQ(info.base_offset, 80);
}

TEST(Retention, SizeDeletesOldestWhileTheRestStaysAtOrAboveTheLimit) {
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_bytes = 3000;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 60, kTs);
  const int64_t before = static_cast<int64_t>(log->size_bytes());
  ASSERT_GT(before, 3 * cfg.retention_bytes);
  auto r = log->apply_retention(kTs, log->log_end_offset());
  const int64_t after = static_cast<int64_t>(log->size_bytes());
  EXPECT_EQ(before - after, r.bytes_deleted);
  EXPECT_GE(after, cfg.retention_bytes);
  // Deleting one more (full, ~1000-byte) segment would have gone below the limit.
  EXPECT_LT(after - 1000, cfg.retention_bytes);
}

TEST(Retention, NothingAtOrAboveTheHighWatermarkIsDeleted) {
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_ms = 0;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 40, kTs);
  EXPECT_EQ(log->apply_retention(kTs + kHour, 0).segments_deleted, 0u);
  EXPECT_EQ(log->log_start_offset(), 0);
  // With the high watermark at 10, only segments wholly below 10 go.
  auto r = log->apply_retention(kTs + kHour, 10);
  EXPECT_LE(r.log_start_offset, 10);
}

TEST(Retention, ForeverKeepsEverything) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), small_config());  // retention.ms -1, retention.bytes -1
  fill(*log, 40, 0);
  EXPECT_EQ(log->apply_retention(kTs * 2, log->log_end_offset()).segments_deleted, 0u);
  EXPECT_EQ(log->log_start_offset(), 0);
}

TEST(Retention, CompactOnlyLogKeepsOldSegmentsUntilBelowLogStart) {
  // cleanup.policy=compact (e.g. __consumer_offsets): retention.ms and retention.bytes do not
  // apply, as in Kafka; only segments below the log start offset go.
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_ms = 0;
  cfg.retention_bytes = 0;
  cfg.delete_enabled = false;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 40, kTs);
  const size_t segments = log->segment_count();
  EXPECT_EQ(log->apply_retention(kTs + 10 * kHour, log->log_end_offset()).segments_deleted, 0u);
  EXPECT_EQ(log->segment_count(), segments);
  log->advance_log_start(30);
  auto r = log->apply_retention(kTs + 10 * kHour, log->log_end_offset());
  EXPECT_GT(r.segments_deleted, 0u);
  EXPECT_EQ(log->log_start_offset(), 30);
  // The policy can change at runtime (AlterConfigs): with delete, time retention applies again.
  cfg.delete_enabled = true;
  log->update_config(cfg);
  EXPECT_GT(log->apply_retention(kTs + 10 * kHour, log->log_end_offset()).segments_deleted, 0u);
}

TEST(Retention, ProducerSnapshotsOfDeletedSegmentsAreRemoved) {
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_ms = kHour;
  auto log = open_log(tmp.path(), cfg);
  fill(*log, 40, kTs);
  fill(*log, 2, kTs + 10 * kHour);
  ASSERT_FALSE(files_with_suffix(tmp.path() / "t-0", ".snapshot").empty());
  auto r = log->apply_retention(kTs + 10 * kHour, log->log_end_offset());
  ASSERT_GT(r.segments_deleted, 0u);
  for (const auto& name : files_with_suffix(tmp.path() / "t-0", ".snapshot"))
    EXPECT_GE(std::stoll(name.substr(0, 20)), r.log_start_offset) << name;
}

TEST(DeleteRecords, MovesLogStartForwardOnlyAndWithinTheLog) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), small_config());
  fill(*log, 40, kTs);
  EXPECT_EQ(log->advance_log_start(17), 17);
  EXPECT_EQ(log->log_start_offset(), 17);
  EXPECT_EQ(log->advance_log_start(5), 17);  // never backwards
  EXPECT_TRUE(log->read(16, 1 << 20, INT64_MAX, true).out_of_range);
  auto slice = log->read(17, 1 << 20, INT64_MAX, true);
  ASSERT_FALSE(slice.out_of_range);
  auto hs = test::headers_of(slice.data);
  ASSERT_FALSE(hs.empty());
  EXPECT_LE(hs.front().base_offset, 17);
  EXPECT_GE(hs.front().last_offset(), 17);
  EXPECT_EQ(log->advance_log_start(1000), 80);  // clamped at the log end

  // The next retention pass removes the segments wholly below the start, even with infinite
  // retention; the active segment stays.
  auto r = log->apply_retention(kTs, log->log_end_offset());
  EXPECT_GT(r.segments_deleted, 0u);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->log_start_offset(), 80);
}

TEST(DeleteRecords, LogStartSurvivesRestartThroughTheCheckpoint) {
  test::TempDir tmp;
  const Uuid16 id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const TopicPartition tp{"orders", 0};
  int64_t start = 0;
  {
    LogManager mgr({tmp.path()}, "cluster", 1, small_config());
    auto log = mgr.get_or_create(tp, id, small_config());
    fill(*log, 40, kTs);
    log->apply_retention(kTs, log->log_end_offset());
    EXPECT_EQ(log->advance_log_start(33), 33);  // mid-segment
    auto r = log->apply_retention(kTs, log->log_end_offset());
    EXPECT_GT(r.segments_deleted, 0u);
    mgr.schedule_deletion(r.files, 0);
    EXPECT_EQ(mgr.delete_due_files(1), r.files.size());
    for (const auto& f : r.files) EXPECT_FALSE(fs::exists(f));
    start = log->log_start_offset();
    mgr.checkpoint({{tp, log->log_end_offset()}});
  }  // no clean shutdown: the checkpoint alone must carry the start
  ASSERT_EQ(start, 33);
  LogManager mgr({tmp.path()}, "cluster", 1, small_config());
  auto log = mgr.get(tp);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_start_offset(), 33);
  EXPECT_TRUE(log->read(32, 1 << 20, INT64_MAX, true).out_of_range);
  EXPECT_FALSE(log->read(33, 1 << 20, INT64_MAX, true).out_of_range);
  EXPECT_EQ(log->log_end_offset(), 80);
}

TEST(DeleteRecords, DelayedDeletionWaitsForItsTime) {
  test::TempDir tmp;
  auto cfg = small_config();
  cfg.retention_ms = 0;
  LogManager mgr({tmp.path()}, "cluster", 1, cfg);
  auto log = mgr.get_or_create({"t", 0}, Uuid16{}, cfg);
  fill(*log, 40, kTs);
  auto r = log->apply_retention(kTs + kHour, log->log_end_offset());
  ASSERT_FALSE(r.files.empty());
  mgr.schedule_deletion(r.files, 5000);
  EXPECT_EQ(mgr.delete_due_files(4999), 0u);
  for (const auto& f : r.files) EXPECT_TRUE(fs::exists(f));
  EXPECT_EQ(mgr.delete_due_files(5000), r.files.size());
  for (const auto& f : r.files) EXPECT_FALSE(fs::exists(f));
  // Describe reports the partition with its remaining size.
  auto dirs = mgr.describe_dirs();
  ASSERT_EQ(dirs.size(), 1u);
  ASSERT_EQ(dirs[0].partitions.size(), 1u);
  EXPECT_EQ(dirs[0].partitions[0].second, static_cast<int64_t>(log->size_bytes()));
  EXPECT_GT(dirs[0].total_bytes, 0);
}

}  // namespace
}  // namespace samsa::storage
