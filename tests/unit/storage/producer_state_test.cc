#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "protocol/records/crc32c.h"
#include "storage/file_util.h"
#include "storage/log.h"
#include "test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using records::BatchHeader;

constexpr int64_t kTs = 1'700'000'000'000;
constexpr int16_t kOutOfOrder = 45;
constexpr int16_t kInvalidEpoch = 47;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An idempotent batch of `n` records with sequences seq..seq+n-1, stamped now unless `ts` is given
// (state loaded at startup drops producers whose last batch is older than the expiration).
std::vector<uint8_t> pbatch(int64_t pid, int16_t epoch, int32_t seq, int n = 3, int64_t ts = -1) {
  if (ts < 0) ts = now_ms();
  std::vector<records::Record> recs(n);
  for (int i = 0; i < n; ++i) {
    recs[i].key = "k" + std::to_string(int64_t{seq} + i);
    recs[i].value = std::string(30, 'v');
    recs[i].timestamp_delta = i;
  }
  records::BuildOptions o;
  o.producer_id = pid;
  o.producer_epoch = epoch;
  o.base_sequence = seq;
  return records::build_batch(recs, ts, o);
}

BatchHeader header_of(const std::vector<uint8_t>& b) {
  return *records::parse_header(b);
}

LogConfig config(int64_t segment_bytes = 1 << 20) {
  LogConfig c;
  c.segment_bytes = segment_bytes;
  c.segment_index_bytes = 4096;
  c.producer_id_expiration_ms = 3600 * 1000;
  return c;
}

std::shared_ptr<Log> open_log(const fs::path& root, const LogConfig& cfg, bool clean = true) {
  return Log::open({"t", 0}, root / "t-0", cfg, clean, 0, 0);
}

IdempotentAppendResult append(Log& log, std::vector<uint8_t> b) {
  return log.append_idempotent(b, 1);
}

TEST(ProducerState, BatchLastSequenceWraps) {
  EXPECT_EQ(batch_last_sequence(header_of(pbatch(1, 0, 5, 3))), 7);
  EXPECT_EQ(batch_last_sequence(header_of(pbatch(1, 0, INT32_MAX - 1, 3))), 0);
  EXPECT_EQ(batch_last_sequence(header_of(pbatch(1, 0, INT32_MAX, 1))), INT32_MAX);
}

TEST(ProducerState, DuplicateAnswersOriginalOffsetsWithoutAppending) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  auto plain = test::make_batch(2, kTs);
  ASSERT_EQ(log->append(plain, 1).base_offset, 0);
  auto first = append(*log, pbatch(7, 0, 0));
  ASSERT_EQ(first.error, 0);
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(first.info.base_offset, 2);
  ASSERT_EQ(append(*log, pbatch(7, 0, 3)).info.base_offset, 5);
  const int64_t end = log->log_end_offset();

  auto retry = append(*log, pbatch(7, 0, 0));
  EXPECT_EQ(retry.error, 0);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.info.base_offset, 2);
  EXPECT_EQ(retry.info.last_offset, 4);
  EXPECT_EQ(log->log_end_offset(), end);

  auto entry = log->producer_entry(7);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->epoch, 0);
  ASSERT_EQ(entry->batches.size(), 2u);
  EXPECT_EQ(entry->batches.back(), (ProducerBatch{3, 5, 5, 7}));
}

TEST(ProducerState, OnlyTheLastFiveBatchesAreDeduplicated) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  for (int i = 0; i < 6; ++i) ASSERT_EQ(append(*log, pbatch(7, 0, 3 * i)).error, 0);
  EXPECT_EQ(log->producer_entry(7)->batches.size(), kProducerBatchesRetained);
  EXPECT_TRUE(append(*log, pbatch(7, 0, 3)).duplicate);  // second batch: still retained
  auto old = append(*log, pbatch(7, 0, 0));              // first batch: out of the window
  EXPECT_EQ(old.error, kOutOfOrder);
  EXPECT_EQ(log->log_end_offset(), 18);
}

TEST(ProducerState, SequenceGapIsOutOfOrder) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  ASSERT_EQ(append(*log, pbatch(7, 0, 0)).error, 0);
  auto gap = append(*log, pbatch(7, 0, 4));
  EXPECT_EQ(gap.error, kOutOfOrder);
  EXPECT_FALSE(gap.message.empty());
  // A partial overlap is not a duplicate either.
  EXPECT_EQ(append(*log, pbatch(7, 0, 1)).error, kOutOfOrder);
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_EQ(append(*log, pbatch(7, 0, 3)).error, 0);
}

TEST(ProducerState, EpochFencing) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  ASSERT_EQ(append(*log, pbatch(7, 2, 0)).error, 0);
  EXPECT_EQ(append(*log, pbatch(7, 1, 3)).error, kInvalidEpoch);
  EXPECT_EQ(append(*log, pbatch(7, 1, 0)).error, kInvalidEpoch);
  // A newer epoch must restart at sequence 0.
  EXPECT_EQ(append(*log, pbatch(7, 3, 3)).error, kOutOfOrder);
  auto bumped = append(*log, pbatch(7, 3, 0));
  EXPECT_EQ(bumped.error, 0);
  EXPECT_FALSE(bumped.duplicate);
  EXPECT_EQ(log->producer_entry(7)->epoch, 3);
  EXPECT_EQ(log->producer_entry(7)->batches.size(), 1u);
  EXPECT_EQ(append(*log, pbatch(7, 2, 3)).error, kInvalidEpoch);
  EXPECT_EQ(log->log_end_offset(), 6);
}

TEST(ProducerState, UnknownProducerMayStartAnywhereAndProducersAreIndependent) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  EXPECT_EQ(append(*log, pbatch(7, 0, 42)).error, 0);
  EXPECT_EQ(append(*log, pbatch(8, 5, 0)).error, 0);
  EXPECT_EQ(append(*log, pbatch(7, 0, 45)).error, 0);
  EXPECT_EQ(append(*log, pbatch(8, 5, 3)).error, 0);
  EXPECT_EQ(log->producer_count(), 2u);
  // Batches without a producer id bypass the checks.
  auto plain = test::make_batch(2, kTs);
  EXPECT_EQ(log->append_idempotent(plain, 1).error, 0);
  EXPECT_EQ(log->log_end_offset(), 14);
}

TEST(ProducerState, SequenceWrapsAroundInt32Max) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  ASSERT_EQ(append(*log, pbatch(7, 0, INT32_MAX - 1, 3)).error, 0);  // ..., INT32_MAX, 0
  EXPECT_EQ(append(*log, pbatch(7, 0, 2)).error, kOutOfOrder);
  EXPECT_EQ(append(*log, pbatch(7, 0, 1)).error, 0);
}

TEST(ProducerState, ConcurrentRetriesAppendOnce) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> appended{0}, duplicates{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        auto r = append(*log, pbatch(7, 0, 3 * round));
        if (r.error == 0 && !r.duplicate) ++appended;
        if (r.duplicate) ++duplicates;
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(appended.load(), 1);
    ASSERT_EQ(duplicates.load(), 3);
  }
  EXPECT_EQ(log->log_end_offset(), 150);
}

TEST(ProducerState, SnapshotCodecMatchesKafkaLayout) {
  ProducerMap m;
  ProducerEntry e;
  e.epoch = 3;
  e.batches.push_back({10, 14, 100, 104});
  e.batches.push_back({15, 19, 200, 204});
  e.last_timestamp = kTs;
  m[42] = e;
  m[43] = ProducerEntry{};  // no batches
  auto bytes = ProducerStateManager::encode_snapshot(m);
  ASSERT_EQ(bytes.size(), 10u + 2 * 46u);
  EXPECT_EQ(records::read_be16(bytes.data()), 1);  // version
  EXPECT_EQ(static_cast<uint32_t>(records::read_be32(bytes.data() + 2)),
            records::crc32c(bytes.data() + 6, bytes.size() - 6));
  EXPECT_EQ(records::read_be32(bytes.data() + 6), 2);  // entry count
  const uint8_t* p = bytes.data() + 10;
  EXPECT_EQ(records::read_be64(p), 42);        // producer id
  EXPECT_EQ(records::read_be16(p + 8), 3);     // epoch
  EXPECT_EQ(records::read_be32(p + 10), 19);   // last sequence
  EXPECT_EQ(records::read_be64(p + 14), 204);  // last offset
  EXPECT_EQ(records::read_be32(p + 22), 4);    // offset delta
  EXPECT_EQ(records::read_be64(p + 26), kTs);  // timestamp
  EXPECT_EQ(records::read_be32(p + 34), -1);   // coordinator epoch
  EXPECT_EQ(records::read_be64(p + 38), -1);   // current txn first offset

  auto decoded = ProducerStateManager::decode_snapshot(bytes);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 2u);
  // Only the last batch survives, as in Kafka's format.
  ASSERT_EQ(decoded->at(42).batches.size(), 1u);
  EXPECT_EQ(decoded->at(42).batches.front(), (ProducerBatch{15, 19, 200, 204}));
  EXPECT_EQ(decoded->at(42).epoch, 3);
  EXPECT_TRUE(decoded->at(43).batches.empty());

  auto corrupt = bytes;
  corrupt[20] ^= 1;
  EXPECT_FALSE(ProducerStateManager::decode_snapshot(corrupt));
  auto truncated = bytes;
  truncated.pop_back();
  EXPECT_FALSE(ProducerStateManager::decode_snapshot(truncated));
  auto bad_version = bytes;
  bad_version[1] = 2;
  EXPECT_FALSE(ProducerStateManager::decode_snapshot(bad_version));
  // A count that disagrees with the size is refused before anything is allocated for it.
  auto huge = ProducerStateManager::encode_snapshot({});
  records::write_be32(huge.data() + 6, INT32_MAX);
  records::write_be32(huge.data() + 2,
                      static_cast<int32_t>(records::crc32c(huge.data() + 6, huge.size() - 6)));
  EXPECT_FALSE(ProducerStateManager::decode_snapshot(huge));
  EXPECT_FALSE(ProducerStateManager::decode_snapshot(std::span<const uint8_t>()));
}

TEST(ProducerState, CleanShutdownWritesSnapshotThatIsLoadedOnReopen) {
  test::TempDir tmp;
  {
    auto log = open_log(tmp.path(), config());
    ASSERT_EQ(append(*log, pbatch(7, 0, 0)).error, 0);
    ASSERT_EQ(append(*log, pbatch(7, 0, 3)).error, 0);
    log->close();
  }
  EXPECT_TRUE(fs::exists(tmp.path() / "t-0" / "00000000000000000006.snapshot"));
  auto log = open_log(tmp.path(), config());
  auto entry = log->producer_entry(7);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->batches.back(), (ProducerBatch{3, 5, 3, 5}));
  auto dup = append(*log, pbatch(7, 0, 3));
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.info.base_offset, 3);
  EXPECT_EQ(append(*log, pbatch(7, 0, 7)).error, kOutOfOrder);
  EXPECT_EQ(append(*log, pbatch(7, 0, 6)).error, 0);
}

TEST(ProducerState, UncleanRestartReplaysTheLogAfterTheLatestSnapshot) {
  test::TempDir tmp;
  // Small segments: rolls write snapshots, and replay covers the segments after the newest one.
  const auto cfg = config(600);
  {
    auto log = open_log(tmp.path(), cfg);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(append(*log, pbatch(7, 0, 3 * i)).error, 0);
    ASSERT_EQ(append(*log, pbatch(9, 4, 0)).error, 0);
    ASSERT_GT(log->segment_count(), 3u);
    // No close(): the process dies with the data in the page cache.
  }
  auto snaps = ProducerStateManager(tmp.path() / "t-0", 1).snapshot_offsets();
  ASSERT_EQ(snaps.size(), kProducerSnapshotsRetained);  // older roll snapshots were pruned
  EXPECT_LT(snaps.back(), 63);
  auto log = open_log(tmp.path(), cfg, /*clean=*/false);
  ASSERT_EQ(log->log_end_offset(), 63);
  auto entry = log->producer_entry(7);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->batches.back(), (ProducerBatch{57, 59, 57, 59}));
  EXPECT_TRUE(append(*log, pbatch(7, 0, 57)).duplicate);
  EXPECT_EQ(log->producer_entry(9)->epoch, 4);
  EXPECT_EQ(append(*log, pbatch(7, 0, 60)).info.base_offset, 63);
}

TEST(ProducerState, ReplayWithoutAnySnapshotRebuildsFiveBatches) {
  test::TempDir tmp;
  {
    auto log = open_log(tmp.path(), config());
    for (int i = 0; i < 8; ++i) ASSERT_EQ(append(*log, pbatch(7, 1, 3 * i)).error, 0);
  }
  for (auto off : ProducerStateManager(tmp.path() / "t-0", 1).snapshot_offsets())
    fs::remove(tmp.path() / "t-0" / segment_file_name(off, ".snapshot"));
  auto log = open_log(tmp.path(), config(), false);
  auto entry = log->producer_entry(7);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->batches.size(), kProducerBatchesRetained);
  for (int i = 3; i < 8; ++i) EXPECT_TRUE(append(*log, pbatch(7, 1, 3 * i)).duplicate) << i;
  EXPECT_EQ(append(*log, pbatch(7, 0, 24)).error, kInvalidEpoch);
}

TEST(ProducerState, CorruptOrStaleSnapshotsAreDiscarded) {
  test::TempDir tmp;
  {
    auto log = open_log(tmp.path(), config());
    ASSERT_EQ(append(*log, pbatch(7, 0, 0)).error, 0);
    log->take_producer_snapshot();  // 3.snapshot
    ASSERT_EQ(append(*log, pbatch(7, 0, 3)).error, 0);
    log->close();  // 6.snapshot
  }
  const fs::path dir = tmp.path() / "t-0";
  // Damage the newest snapshot and plant one beyond the log end.
  write_file_atomic(dir / "00000000000000000006.snapshot", "garbage");
  write_file_atomic(dir / "00000000000000000099.snapshot", "whatever");
  auto log = open_log(tmp.path(), config());
  EXPECT_FALSE(fs::exists(dir / "00000000000000000006.snapshot"));
  EXPECT_FALSE(fs::exists(dir / "00000000000000000099.snapshot"));
  // State came from 3.snapshot plus replay of the batch after it.
  EXPECT_EQ(log->producer_entry(7)->batches.back(), (ProducerBatch{3, 5, 3, 5}));
  EXPECT_TRUE(append(*log, pbatch(7, 0, 3)).duplicate);
}

TEST(ProducerState, TruncationRebuildsState) {
  test::TempDir tmp;
  auto log = open_log(tmp.path(), config());
  for (int i = 0; i < 4; ++i) ASSERT_EQ(append(*log, pbatch(7, 0, 3 * i)).error, 0);
  log->take_producer_snapshot();  // at 12, beyond the truncation point
  log->truncate_to(6);
  ASSERT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(log->producer_entry(7)->batches.back(), (ProducerBatch{3, 5, 3, 5}));
  EXPECT_EQ(append(*log, pbatch(7, 0, 6)).info.base_offset, 6);
}

TEST(ProducerState, IdleProducersExpire) {
  test::TempDir tmp;
  auto cfg = config();
  cfg.producer_id_expiration_ms = 1000;
  {
    auto log = open_log(tmp.path(), cfg);
    ASSERT_EQ(append(*log, pbatch(7, 0, 0, 3, kTs)).error, 0);
    ASSERT_EQ(append(*log, pbatch(8, 0, 0, 3, kTs + 5000)).error, 0);
    log->remove_expired_producers(kTs + 1001);  // last batch max timestamp is kTs + 2
    EXPECT_EQ(log->producer_count(), 2u);
    log->remove_expired_producers(kTs + 1002);
    EXPECT_FALSE(log->producer_entry(7));
    EXPECT_TRUE(log->producer_entry(8));
    // Once forgotten, any sequence is accepted, as for a new producer.
    EXPECT_EQ(append(*log, pbatch(7, 0, 33, 3, kTs + 5000)).error, 0);
    log->close();
  }
  // Entries whose last batch is older than the expiration are dropped on load (now >> kTs).
  auto log = open_log(tmp.path(), cfg);
  EXPECT_EQ(log->producer_count(), 0u);
}

}  // namespace
}  // namespace samsa::storage
