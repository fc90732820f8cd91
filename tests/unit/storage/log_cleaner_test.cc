#include "storage/log_cleaner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "protocol/records/compression.h"
#include "storage/batch_filter.h"
#include "storage/log_manager.h"
#include "test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;

struct Rec {
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool operator==(const Rec&) const = default;
};
using Contents = std::map<int64_t, Rec>;  // offset -> record

constexpr int64_t kNow = 1'000'000'000;

LogConfig small_segments() {
  LogConfig c;
  c.segment_bytes = 1500;
  c.index_interval_bytes = 256;
  return c;
}

Contents read_all(const Log& log) {
  Contents out;
  auto slice = log.read(log.log_start_offset(), INT32_MAX, INT64_MAX, true);
  int64_t last = -1;
  for (const auto& h : test::headers_of(slice.data)) {
    EXPECT_GT(h.base_offset, last);
    last = h.last_offset();
  }
  size_t pos = 0;
  std::vector<FilterRecord> recs;
  std::vector<uint8_t> scratch;
  while (pos < slice.data.size()) {
    auto h = *records::parse_header(std::span<const uint8_t>(slice.data).subspan(pos));
    auto batch = std::span<const uint8_t>(slice.data).subspan(pos, h.total_size());
    EXPECT_EQ(records::check_batch_integrity(batch), "");
    EXPECT_EQ(load_batch_records(batch, h, 1 << 24, &scratch, &recs), "");
    for (const auto& r : recs)
      out[r.offset] = Rec{r.key ? std::optional<std::string>(*r.key) : std::nullopt,
                          r.value ? std::optional<std::string>(*r.value) : std::nullopt};
    pos += h.total_size();
  }
  return out;
}

// Recompresses an uncompressed batch with `codec`, as a producer would send it.
std::vector<uint8_t> compressed(const std::vector<uint8_t>& plain, records::Compression codec) {
  auto packed =
      records::compress(codec, std::span<const uint8_t>(plain).subspan(records::kRecordsOffset));
  std::vector<uint8_t> out(plain.begin(), plain.begin() + records::kRecordsOffset);
  out.insert(out.end(), packed.begin(), packed.end());
  records::write_be32(out.data() + records::kLengthOffset,
                      static_cast<int32_t>(out.size() - records::kLogOverhead));
  int16_t attrs = records::read_be16(out.data() + records::kAttributesOffset);
  records::write_be16(out.data() + records::kAttributesOffset,
                      static_cast<int16_t>(attrs | static_cast<int16_t>(codec)));
  records::write_be32(out.data() + records::kCrcOffset,
                      static_cast<int32_t>(records::compute_batch_crc(out)));
  return out;
}

// Appends `batches` random batches of 1-5 records over `keys` keys (10% tombstones); a third of
// the batches are compressed with a random codec.
void fill(Log& log, Contents* model, std::mt19937& rng, int batches, int keys) {
  // Keys beyond `keys` keep their last record, so tombstones among them can expire.
  for (int b = 0; b < batches; ++b) {
    std::vector<records::Record> recs(1 + rng() % 5);
    for (auto& r : recs) {
      r.key = "key" + std::to_string(rng() % keys);
      if (rng() % 10 != 0) r.value = "v" + std::to_string(rng());
    }
    auto bytes = records::build_batch(recs, 1000 + b);
    if (rng() % 3 == 0) bytes = compressed(bytes, static_cast<records::Compression>(1 + rng() % 4));
    auto info = log.append(bytes, 0);
    for (size_t i = 0; i < recs.size(); ++i)
      (*model)[info.base_offset + static_cast<int64_t>(i)] = Rec{recs[i].key, recs[i].value};
  }
}

// Latest record per key in the model, optionally dropping keys whose latest is a tombstone.
std::map<std::string, std::pair<int64_t, Rec>> latest_of(const Contents& c) {
  std::map<std::string, std::pair<int64_t, Rec>> out;
  for (const auto& [off, r] : c) out[*r.key] = {off, r};
  return out;
}

// What a log must hold after cleaning up to `end` with tombstones before `expired_below` gone:
// the latest record per key below `end`, and everything from `end` on.
Contents expected_after(const Contents& model, int64_t end, int64_t expired_below) {
  Contents out;
  std::map<std::string, int64_t> last_below_end;
  for (const auto& [off, r] : model)
    if (off < end) last_below_end[*r.key] = off;
  for (const auto& [off, r] : model) {
    if (off >= end) {
      out[off] = r;
    } else if (last_below_end[*r.key] == off && (r.value || off >= expired_below)) {
      out[off] = r;
    }
  }
  return out;
}

std::shared_ptr<Log> open_log(const fs::path& dir, bool clean = false) {
  return Log::open({"t", 0}, dir, small_segments(), clean, 0, 0);
}

TEST(LogCleaner, MatchesReferenceModelAndPreservesOffsets) {
  size_t expired = 0;  // tombstones the seeds exercised removing
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    test::TempDir dir;
    std::mt19937 rng(seed);
    auto log = open_log(dir.path());
    Contents model;
    fill(*log, &model, rng, 120, 15);
    ASSERT_GT(log->segment_count(), 3u);
    CleanOptions opts;
    opts.now_ms = kNow;
    opts.policy.delete_retention_ms = 1000;
    auto st = clean_log(*log, 0, opts);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->first_dirty, 0);
    EXPECT_EQ(st->end_offset, log->sealed_segments().back()->next_offset());
    auto after = read_all(*log);
    // First pass: tombstones get a horizon but stay.
    EXPECT_EQ(after, expected_after(model, st->end_offset, 0)) << "seed " << seed;
    EXPECT_EQ(log->log_end_offset(), model.rbegin()->first + 1);

    // More updates, then a second pass after the delete horizon: tombstones cleaned in the first
    // pass go; the new dirty section is deduplicated against the whole log.
    fill(*log, &model, rng, 60, 8);
    const int64_t end1 = st->end_offset;
    opts.now_ms = kNow + 5000;
    auto st2 = clean_log(*log, end1, opts);
    ASSERT_TRUE(st2);
    EXPECT_EQ(st2->first_dirty, end1);
    Contents exp = expected_after(model, st2->end_offset, end1);
    expired += expected_after(model, st2->end_offset, 0).size() - exp.size();
    EXPECT_EQ(read_all(*log), exp) << "seed " << seed;

    // Survives a restart after an unclean shutdown (full re-validation of the cleaned batches).
    log.reset();
    log = open_log(dir.path());
    EXPECT_EQ(read_all(*log), exp) << "seed " << seed;
    // Latest value per key is what the model says (ignoring expired tombstones).
    auto want = latest_of(model);
    auto got = latest_of(read_all(*log));
    for (const auto& [k, v] : want) {
      if (!v.second.value && v.first < end1) continue;
      EXPECT_EQ(got[k], v) << k;
    }
  }
  EXPECT_GT(expired, 0u);
}

TEST(LogCleaner, CrashDuringSwapLeavesReadableLog) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    test::TempDir dir;
    std::mt19937 rng(seed * 7919);
    auto log = open_log(dir.path());
    Contents model;
    fill(*log, &model, rng, 150, 10);
    CleanOptions opts;
    opts.now_ms = kNow;
    opts.leave_swap = true;
    auto sealed = log->sealed_segments();
    const auto before = read_all(*log);
    auto st = clean_log(*log, 0, opts);
    ASSERT_TRUE(st);
    log.reset();
    // The first group's swap file is on disk; crash at a random step of the swap.
    const int64_t base = sealed.front()->base_offset();
    const fs::path swap = dir.path() / segment_file_name(base, ".log.swap");
    ASSERT_TRUE(fs::exists(swap));
    const int point = static_cast<int>(rng() % 3);
    if (point == 0) {
      fs::rename(swap, dir.path() / segment_file_name(base, ".log.cleaned"));
    } else if (point == 1) {
      // Some of the old segments were already deleted.
      // The cleaner's group: the leading segments that fit in one segment.bytes.
      int64_t group_bytes = 0;
      for (const auto& s : sealed) {
        group_bytes += s->size();
        if (s != sealed.front() && group_bytes > small_segments().segment_bytes) break;
        if (rng() % 2) fs::remove(s->log_path());
      }
    }
    sealed.clear();
    log = open_log(dir.path());
    auto after = read_all(*log);
    if (point == 0) {
      EXPECT_EQ(after, before) << "seed " << seed;
    } else {
      // Every record read is the original at that offset, and the latest value of every key
      // is still there.
      for (const auto& [off, r] : after) EXPECT_EQ(model.at(off), r) << "seed " << seed;
      auto want = latest_of(model);
      auto got = latest_of(after);
      EXPECT_EQ(got, want) << "seed " << seed;
    }
    EXPECT_FALSE(fs::exists(swap));
    EXPECT_EQ(log->log_end_offset(), model.rbegin()->first + 1);
  }
}

TEST(LogCleaner, ActiveSegmentAndMinLagAreNotCleaned) {
  test::TempDir dir;
  std::mt19937 rng(3);
  auto log = open_log(dir.path());
  Contents model;
  fill(*log, &model, rng, 80, 5);
  CleanOptions opts;
  opts.now_ms = kNow;
  opts.policy.min_compaction_lag_ms = kNow;  // every record is younger than the lag
  EXPECT_FALSE(clean_log(*log, 0, opts));
  EXPECT_EQ(read_all(*log), model);
  opts.policy.min_compaction_lag_ms = 0;
  auto st = clean_log(*log, 0, opts);
  ASSERT_TRUE(st);
  // Records of the active segment are all still there.
  auto after = read_all(*log);
  for (auto it = model.lower_bound(st->end_offset); it != model.end(); ++it)
    EXPECT_EQ(after.at(it->first), it->second);
  EXPECT_LT(after.size(), model.size());
}

TEST(LogCleaner, RatioSelection) {
  test::TempDir dir;
  std::mt19937 rng(5);
  auto log = open_log(dir.path());
  Contents model;
  fill(*log, &model, rng, 80, 5);
  CompactionPolicy p;
  auto r = cleanable_range(*log, 0, p, kNow);
  EXPECT_EQ(r.clean_bytes, 0);
  EXPECT_GT(r.dirty_bytes, 0);
  EXPECT_TRUE(r.worth_cleaning(p));
  auto end = log->sealed_segments().back()->next_offset();
  auto r2 = cleanable_range(*log, end, p, kNow);
  EXPECT_EQ(r2.dirty_bytes, 0);
  EXPECT_FALSE(r2.worth_cleaning(p));
}

TEST(LogCleaner, IdempotentProducerKeepsLastBatchForDedupe) {
  test::TempDir dir;
  auto log = open_log(dir.path());
  records::BuildOptions bo;
  bo.producer_id = 42;
  bo.producer_epoch = 0;
  bo.base_sequence = 0;
  std::vector<records::Record> one(1);
  one[0].key = "k";
  one[0].value = "old";
  // A current timestamp: producers idle past producer.id.expiration.ms are forgotten on load.
  const int64_t wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  auto first = records::build_batch(one, wall, bo);
  auto copy = first;
  auto res = log->append_idempotent(first, 0);
  ASSERT_EQ(res.error, 0);
  // Supersede it with non-idempotent records until it sits in a sealed segment.
  one[0].value = std::string(200, 'x');
  while (log->segment_count() < 3) {
    auto b = records::build_batch(one, wall);
    log->append(b, 0);
  }
  CleanOptions opts;
  opts.now_ms = wall + 1000;
  ASSERT_TRUE(clean_log(*log, 0, opts));
  // The emptied batch stays as a header, so the state rebuilds from the log alone.
  auto slice = log->read(0, INT32_MAX, INT64_MAX, true);
  auto headers = test::headers_of(slice.data);
  ASSERT_FALSE(headers.empty());
  EXPECT_EQ(headers.front().base_offset, 0);
  EXPECT_EQ(headers.front().records_count, 0);
  EXPECT_EQ(headers.front().producer_id, 42);
  log.reset();
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().extension() == ".snapshot") fs::remove(e.path());
  log = open_log(dir.path());
  auto retry = log->append_idempotent(copy, 0);
  EXPECT_EQ(retry.error, 0);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.info.base_offset, 0);
  EXPECT_EQ(read_all(*log).count(0), 0u);  // the record itself is gone
}

// Polls `cond` until it holds or a generous deadline passes.
template <typename F>
bool eventually(F cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

CleanerConfig cleaner_config(int threads, double io_max, int64_t backoff_ms) {
  CleanerConfig c;
  c.threads = threads;
  c.dedupe_buffer_bytes = 1 << 20;
  c.io_max_bytes_per_second = io_max;
  c.backoff_ms = backoff_ms;
  return c;
}

// A LogManager holding one filled, compactable log, and a cleaner over it that only sees the log
// once `enabled` is set.
struct CleanerFixture {
  CleanerFixture() : logs({dir.path()}, "cleaner-test", 1, small_segments()) {
    std::mt19937 rng(11);
    log = logs.get_or_create(tp, Uuid16{1}, small_segments());
    fill(*log, &model, rng, 150, 10);
  }
  LogCleaner::PolicyFn policy() {
    return [this](const TopicPartition&) -> std::optional<CompactionPolicy> {
      ++asked;
      if (!enabled) return std::nullopt;
      CompactionPolicy p;
      p.min_cleanable_dirty_ratio = 0.01;
      return p;
    };
  }
  test::TempDir dir;
  LogManager logs;
  const TopicPartition tp{"t", 0};
  std::shared_ptr<Log> log;
  Contents model;
  std::atomic<bool> enabled{false};
  std::atomic<int> asked{0};
};

TEST(LogCleaner, ReconfigureResizesThreadsAndWakesOnShorterBackoff) {
  CleanerFixture f;
  LogCleaner cleaner(f.logs, cleaner_config(1, 1e308, 600000), f.policy());
  cleaner.start();
  // The first pass finds nothing to clean and backs off for ten minutes.
  ASSERT_TRUE(eventually([&] { return f.asked > 0; }));
  EXPECT_EQ(cleaner.running_threads(), 1);
  f.enabled = true;
  cleaner.reconfigure(cleaner_config(3, 1e308, 20));
  EXPECT_EQ(cleaner.running_threads(), 3);
  EXPECT_EQ(cleaner.config().backoff_ms, 20);
  // Woken by the reconfiguration rather than by the end of its ten-minute backoff.
  ASSERT_TRUE(eventually([&] { return cleaner.checkpoint_of(f.tp) > 0; }));
  EXPECT_LT(read_all(*f.log).size(), f.model.size());
  // What the metrics report: the pass, its bytes and the records it dropped.
  const CleanerTotals totals = cleaner.totals();
  EXPECT_GE(totals.passes, 1u);
  EXPECT_GT(totals.bytes_read, 0);
  EXPECT_GT(totals.bytes_written, 0);
  EXPECT_GT(totals.records_read, totals.records_kept);
  EXPECT_GT(totals.last_pass_end_ms, 0);
  EXPECT_GT(totals.last_recopy_percent, 0.0);
  EXPECT_LT(totals.last_recopy_percent, 100.0);

  // Surplus threads exit after their current pass; a freed slot gets a new thread later.
  cleaner.reconfigure(cleaner_config(1, 1e308, 20));
  EXPECT_TRUE(eventually([&] { return cleaner.running_threads() == 1; }));
  cleaner.reconfigure(cleaner_config(2, 1e308, 20));
  EXPECT_EQ(cleaner.running_threads(), 2);
  cleaner.stop();
  EXPECT_EQ(cleaner.running_threads(), 0);
}

TEST(LogCleaner, RaisingTheIoLimitReleasesAThrottledPass) {
  CleanerFixture f;
  f.enabled = true;
  // One byte per second: the pass would take hours.
  LogCleaner cleaner(f.logs, cleaner_config(1, 1.0, 20), f.policy());
  cleaner.start();
  ASSERT_TRUE(eventually([&] { return f.asked > 0; }));
  cleaner.reconfigure(cleaner_config(1, 1.7976931348623157e308, 20));
  ASSERT_TRUE(eventually([&] { return cleaner.checkpoint_of(f.tp) > 0; }));
  const auto after = read_all(*f.log);
  for (const auto& [key, latest] : latest_of(f.model))
    EXPECT_EQ(after.at(latest.first), latest.second) << key;
}

TEST(LogCleaner, SwappedSegmentKeepsItsIndexes) {
  // The cleaned segment's indexes are built before the swap and renamed with it.
  test::TempDir dir;
  std::mt19937 rng(21);
  auto log = open_log(dir.path());
  Contents model;
  fill(*log, &model, rng, 150, 40);
  CleanOptions opts;
  opts.now_ms = kNow;
  ASSERT_TRUE(clean_log(*log, 0, opts));
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const auto ext = e.path().extension();
    EXPECT_TRUE(ext != ".swap" && ext != ".cleaned" && ext != ".deleted") << e.path();
  }
  for (const auto& s : log->sealed_segments()) {
    EXPECT_TRUE(fs::exists(dir.path() / segment_file_name(s->base_offset(), ".index")));
    EXPECT_TRUE(fs::exists(dir.path() / segment_file_name(s->base_offset(), ".timeindex")));
  }
  // Every surviving record is found from its own offset, through the rebuilt index.
  const auto after = read_all(*log);
  for (const auto& [off, rec] : after) {
    auto slice = log->read(off, 1, INT64_MAX, true);
    auto headers = test::headers_of(slice.data);
    ASSERT_FALSE(headers.empty()) << off;
    EXPECT_LE(headers.front().base_offset, off);
    EXPECT_GE(headers.front().last_offset(), off);
  }
  // A restart loads those index files instead of rebuilding them.
  log.reset();
  log = open_log(dir.path(), true);
  EXPECT_EQ(read_all(*log), after);
}

}  // namespace
}  // namespace samsa::storage
