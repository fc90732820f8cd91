// Concurrency stress over the real storage objects: producers, fetchers, topic create/delete,
// retention, segment rolls, checkpoints and the log cleaner all run at once on one LogManager in a
// temp dir. Built and run under ThreadSanitizer by `make test` (build-tsan/, label "stress"), where
// any data race aborts the process; the test itself checks what the threads observe:
//   - offsets handed out per partition are dense and never handed out twice;
//   - every fetch returns whole batches with valid CRCs, in offset order, dense where nothing
//     compacts, and every record is the one appended at that offset;
//   - after the run (and after a restart of the LogManager) each log holds exactly what it should:
//     delete-policy logs every offset from their start to their end, compacted logs at least the
//     latest record of every key.
// SAMSA_STRESS_SECONDS sets the duration (default 20 s; `make test-long` runs it far longer).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocol/records/record_builder.h"
#include "storage/batch_filter.h"
#include "storage/log_cleaner.h"
#include "storage/log_manager.h"
#include "tests/unit/storage/test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kKeys = 16;  // per compacted partition: small, so the cleaner has work
constexpr int kProducersPerPartition = 2;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int stress_seconds() {
  const char* s = std::getenv("SAMSA_STRESS_SECONDS");
  int v = s ? std::atoi(s) : 0;
  return v > 0 ? v : 20;
}

// Failures seen by any thread; the first few are kept for the report, the count is asserted.
class Failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lk(mu_);
    if (++count_ <= 20) messages_.push_back(what);
  }
  int count() const {
    std::lock_guard lk(mu_);
    return count_;
  }
  std::string report() const {
    std::lock_guard lk(mu_);
    std::string out;
    for (const auto& m : messages_) out += m + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  int count_ = 0;
  std::vector<std::string> messages_;
};

// The value names its producer and sequence; the key follows from the sequence, so any record can
// be checked on its own, without the model.
std::string value_of(int producer, int64_t seq) {
  return "p" + std::to_string(producer) + "-s" + std::to_string(seq) + "-" + std::string(60, 'x');
}
std::string key_of(int64_t seq) {
  return "k" + std::to_string(seq % kKeys);
}

struct Partition {
  TopicPartition tp;
  bool compacted = false;
  LogConfig cfg;
  // offset -> (key, value) of every record appended, filled by the producers.
  std::mutex mu;
  std::map<int64_t, std::pair<std::string, std::string>> appended;
  std::vector<std::pair<int64_t, int64_t>> ranges;  // (base, last) of every append
};

// Checks one fetched slice: whole valid batches, ascending offsets starting at or before `from`,
// dense when `dense`, and self-consistent records. Returns the offset after the last batch.
int64_t check_slice(std::span<const uint8_t> data, int64_t from, bool dense,
                    const std::string& where, Failures& failures) {
  size_t pos = 0;
  int64_t next = -1;
  std::vector<FilterRecord> recs;
  std::vector<uint8_t> scratch;
  while (pos < data.size()) {
    auto h = records::parse_header(data.subspan(pos));
    if (!h || h->length < 0 || pos + h->total_size() > data.size()) {
      failures.add(where + ": partial batch at byte " + std::to_string(pos));
      return next;
    }
    auto batch = data.subspan(pos, h->total_size());
    if (auto err = records::check_batch_integrity(batch); !err.empty())
      failures.add(where + ": corrupt batch at offset " + std::to_string(h->base_offset) + ": " +
                   err);
    if (next < 0 && h->last_offset() < from)
      failures.add(where + ": first batch ends at " + std::to_string(h->last_offset()) +
                   ", before the requested offset " + std::to_string(from));
    if (next >= 0 && (dense ? h->base_offset != next : h->base_offset < next))
      failures.add(where + ": batch at " + std::to_string(h->base_offset) +
                   " after one ending at " + std::to_string(next - 1));
    if (auto err = load_batch_records(batch, *h, 1 << 24, &scratch, &recs); !err.empty())
      failures.add(where + ": " + err);
    for (const auto& r : recs) {
      if (!r.key || !r.value) {
        failures.add(where + ": null key or value at " + std::to_string(r.offset));
        continue;
      }
      const std::string v(*r.value);
      const auto dash = v.find("-s");
      const int64_t seq = dash == std::string::npos ? -1 : std::atoll(v.c_str() + dash + 2);
      if (seq < 0 || std::string(*r.key) != key_of(seq))
        failures.add(where + ": record at " + std::to_string(r.offset) + " has key " +
                     std::string(*r.key) + " and value " + v.substr(0, 20));
    }
    next = h->last_offset() + 1;
    pos += h->total_size();
  }
  return next;
}

// Every record of the log, offset -> (key, value), with the slice checks applied.
std::map<int64_t, std::pair<std::string, std::string>> read_all(const Log& log, bool dense,
                                                                Failures& failures) {
  std::map<int64_t, std::pair<std::string, std::string>> out;
  auto slice = log.read(log.log_start_offset(), INT32_MAX, INT64_MAX, true);
  check_slice({slice.data.data(), slice.data.size()}, log.log_start_offset(), dense,
              log.tp().dir_name() + " final", failures);
  size_t pos = 0;
  std::vector<FilterRecord> recs;
  std::vector<uint8_t> scratch;
  while (pos < slice.data.size()) {
    auto h = records::parse_header(
        std::span<const uint8_t>(slice.data.data(), slice.data.size()).subspan(pos));
    if (!h || pos + h->total_size() > slice.data.size()) break;
    auto batch = std::span<const uint8_t>(slice.data.data(), slice.data.size())
                     .subspan(pos, h->total_size());
    if (load_batch_records(batch, *h, 1 << 24, &scratch, &recs).empty())
      for (const auto& r : recs)
        if (r.key && r.value) out[r.offset] = {std::string(*r.key), std::string(*r.value)};
    pos += h->total_size();
  }
  return out;
}

void check_final_contents(Partition& p, const Log& log, Failures& failures) {
  std::lock_guard lk(p.mu);
  const std::string name = p.tp.dir_name();
  // Offsets handed out: dense from 0 and disjoint.
  std::sort(p.ranges.begin(), p.ranges.end());
  int64_t expect = 0;
  for (const auto& [base, last] : p.ranges) {
    if (base != expect)
      failures.add(name + ": append got offsets " + std::to_string(base) + ".." +
                   std::to_string(last) + ", expected to start at " + std::to_string(expect));
    expect = last + 1;
  }
  if (log.log_end_offset() != expect)
    failures.add(name + ": log end " + std::to_string(log.log_end_offset()) +
                 " but appends handed out offsets up to " + std::to_string(expect));
  auto contents = read_all(log, !p.compacted, failures);
  for (const auto& [off, kv] : contents) {
    auto it = p.appended.find(off);
    if (it == p.appended.end() || it->second != kv)
      failures.add(name + ": offset " + std::to_string(off) +
                   " holds a record never appended there");
  }
  if (!p.compacted) {
    const int64_t expected_count = log.log_end_offset() - log.log_start_offset();
    if (static_cast<int64_t>(contents.size()) != expected_count)
      failures.add(name + ": " + std::to_string(contents.size()) + " records between " +
                   std::to_string(log.log_start_offset()) + " and " +
                   std::to_string(log.log_end_offset()));
  } else if (!p.cfg.delete_enabled) {
    // Compaction keeps the latest record of every key.
    std::map<std::string, int64_t> latest;
    for (const auto& [off, kv] : p.appended) latest[kv.first] = off;
    for (const auto& [key, off] : latest)
      if (!contents.count(off))
        failures.add(name + ": latest record of " + key + " (offset " + std::to_string(off) +
                     ") is gone");
  }
}

Uuid16 topic_id(uint8_t n) {
  Uuid16 id{};
  id[0] = 0x5a;
  id[15] = n;
  return id;
}

TEST(StorageStress, ProduceFetchCreateDeleteRetentionAndCleanerAtOnce) {
  // spdlog's registry is made on first use, inside the uninstrumented libspdlog: made from two
  // threads at once, TSan cannot see its guard. The broker logs from main() first; so does this.
  spdlog::default_logger();
  test::TempDir tmp;
  const std::vector<fs::path> dirs{tmp.path() / "d0", tmp.path() / "d1"};
  LogConfig base;
  base.segment_bytes = 8 * 1024;  // rolls every few dozen batches
  base.index_interval_bytes = 512;
  base.file_delete_delay_ms = 20;
  auto manager = std::make_unique<LogManager>(dirs, "stress-cluster", 1, base);

  // delete-policy partitions with byte retention, compacted ones, and compacted+delete ones (the
  // cleaner and retention on the same log).
  std::vector<std::unique_ptr<Partition>> parts;
  auto add = [&](const std::string& topic, int n, bool compact, bool del, uint8_t id) {
    for (int i = 0; i < n; ++i) {
      auto p = std::make_unique<Partition>();
      p->tp = {topic, i};
      p->compacted = compact;
      p->cfg = base;
      p->cfg.delete_enabled = del;
      p->cfg.retention_ms = -1;
      p->cfg.retention_bytes = !del ? -1 : compact ? 32 * 1024 : 64 * 1024;
      manager->get_or_create(p->tp, topic_id(id), p->cfg);
      parts.push_back(std::move(p));
    }
  };
  add("events", 3, false, true, 1);
  add("table", 2, true, false, 2);
  add("table-retained", 2, true, true, 3);

  auto policy_for = [](const TopicPartition& tp) -> std::optional<CompactionPolicy> {
    if (tp.topic.rfind("table", 0) != 0) return std::nullopt;
    CompactionPolicy p;
    p.min_cleanable_dirty_ratio = 0.01;
    p.min_compaction_lag_ms = 0;
    return p;
  };
  CleanerConfig ccfg;
  ccfg.threads = 2;
  ccfg.backoff_ms = 5;
  auto cleaner = std::make_unique<LogCleaner>(*manager, ccfg, policy_for);
  cleaner->start();

  Failures failures;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> appends{0}, fetches{0}, churns{0}, retention_deletes{0};
  std::vector<std::thread> threads;

  // Producers: two per partition, so offset assignment is contended.
  for (size_t pi = 0; pi < parts.size(); ++pi) {
    for (int k = 0; k < kProducersPerPartition; ++k) {
      threads.emplace_back([&, pi, k] {
        Partition& p = *parts[pi];
        auto log = manager->get(p.tp);
        const int producer = static_cast<int>(pi) * kProducersPerPartition + k;
        std::mt19937 rng(static_cast<uint32_t>(producer));
        int64_t seq = 0;
        while (!stop) {
          const int n = 1 + static_cast<int>(rng() % 5);
          std::vector<records::Record> recs(n);
          std::vector<std::pair<std::string, std::string>> kvs;
          for (int i = 0; i < n; ++i, ++seq) {
            recs[i].key = key_of(seq);
            recs[i].value = value_of(producer, seq);
            recs[i].timestamp_delta = i;
            kvs.emplace_back(*recs[i].key, *recs[i].value);
          }
          auto batch = records::build_batch(recs, wall_ms());
          AppendInfo info;
          try {
            info = log->append(batch, 0);
          } catch (const std::exception& e) {
            failures.add(p.tp.dir_name() + ": append failed: " + e.what());
            return;
          }
          std::lock_guard lk(p.mu);
          if (info.last_offset - info.base_offset + 1 != n)
            failures.add(p.tp.dir_name() + ": append of " + std::to_string(n) + " records got " +
                         std::to_string(info.base_offset) + ".." +
                         std::to_string(info.last_offset));
          p.ranges.emplace_back(info.base_offset, info.last_offset);
          for (int i = 0; i < n; ++i) p.appended[info.base_offset + i] = kvs[i];
          ++appends;
        }
      });
    }
  }

  // Fetchers: random offsets in random partitions (including ones being deleted), small and large
  // max_bytes; retention may move the start at any time, which is out_of_range, not an error.
  for (int f = 0; f < 2; ++f) {
    threads.emplace_back([&, f] {
      std::mt19937 rng(1000 + f);
      while (!stop) {
        const size_t pi = rng() % (parts.size() + 1);
        const bool churn = pi == parts.size();
        TopicPartition tp = churn ? TopicPartition{"churn", 0} : parts[pi]->tp;
        auto log = manager->get(tp);
        if (!log) continue;
        const int64_t start = log->log_start_offset(), end = log->log_end_offset();
        if (end <= start) continue;
        const int64_t from =
            start + static_cast<int64_t>(rng() % static_cast<uint64_t>(end - start));
        const int32_t max_bytes = (rng() % 2) ? 1 : 64 * 1024;
        FetchSlice slice;
        try {
          slice = log->read(from, max_bytes, INT64_MAX, true);
        } catch (const StorageError&) {
          if (churn) continue;  // a deleted topic's log may refuse reads; it must not crash
          throw;
        }
        if (slice.out_of_range) {
          if (from >= log->log_start_offset() && from < log->log_end_offset() && !churn)
            failures.add(tp.dir_name() + ": offset " + std::to_string(from) +
                         " out of range though inside the log");
          continue;
        }
        if (slice.data.empty() && !churn)
          failures.add(tp.dir_name() + ": empty read at " + std::to_string(from) +
                       " with min_one_batch");
        const bool dense = !churn && !parts[pi]->compacted;
        check_slice({slice.data.data(), slice.data.size()}, from, dense, tp.dir_name() + " fetch",
                    failures);
        ++fetches;
      }
    });
  }

  // Create, fill, read back and delete a topic, again and again.
  threads.emplace_back([&] {
    uint8_t gen = 100;
    while (!stop) {
      const TopicPartition tp{"churn", 0};
      auto log = manager->get_or_create(tp, topic_id(gen++), base);
      for (int64_t i = 0; i < 20; ++i) {
        std::vector<records::Record> recs(3);
        for (int64_t r = 0; r < 3; ++r) {
          recs[r].key = key_of(3 * i + r);
          recs[r].value = value_of(-1, 3 * i + r);
        }
        auto batch = records::build_batch(recs, wall_ms());
        auto info = log->append(batch, 0);
        if (info.base_offset != 3 * i)
          failures.add("churn: append " + std::to_string(i) + " got offset " +
                       std::to_string(info.base_offset) + " in a fresh log");
      }
      auto slice = log->read(0, INT32_MAX, INT64_MAX, true);
      if (test::headers_of(slice.data).size() != 20)
        failures.add("churn: read back " + std::to_string(test::headers_of(slice.data).size()) +
                     " of 20 batches");
      manager->remove(tp);
      ++churns;
    }
  });

  // Retention, delayed file deletion, segment.ms rolls and checkpoints, as the broker's scheduler
  // runs them.
  threads.emplace_back([&] {
    int64_t passes = 0;
    while (!stop) {
      for (auto& p : parts) {
        auto log = manager->get(p->tp);
        auto r = log->apply_retention(wall_ms(), log->log_end_offset());
        retention_deletes += static_cast<int64_t>(r.segments_deleted);
        manager->schedule_deletion(std::move(r.files), wall_ms() + base.file_delete_delay_ms);
        // The model need not remember what retention removed (it keeps long runs bounded).
        std::lock_guard lk(p->mu);
        p->appended.erase(p->appended.begin(), p->appended.lower_bound(r.log_start_offset));
      }
      manager->delete_due_files(wall_ms());
      manager->roll_if_due(wall_ms());
      if (++passes % 20 == 0) {  // checkpoints fsync: not every pass
        std::map<TopicPartition, int64_t> hw;
        for (auto& p : parts) hw[p->tp] = manager->get(p->tp)->log_end_offset();
        manager->checkpoint(hw);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  const auto deadline = Clock::now() + std::chrono::seconds(stress_seconds());
  while (Clock::now() < deadline && failures.count() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  for (auto& t : threads) t.join();
  cleaner->stop();

  EXPECT_EQ(failures.count(), 0) << failures.report();
  // The run must have exercised every path, or it proves nothing.
  EXPECT_GT(appends.load(), 100);
  EXPECT_GT(fetches.load(), 100);
  EXPECT_GT(churns.load(), 2);
  EXPECT_GT(retention_deletes.load(), 0);
  std::cout << "appends=" << appends << " fetches=" << fetches << " churns=" << churns
            << " retention_segments_deleted=" << retention_deletes << "\n";
  for (auto& p : parts) {
    auto log = manager->get(p->tp);
    std::cout << p->tp.dir_name() << ": offsets " << log->log_start_offset() << ".."
              << log->log_end_offset() << " in " << log->segment_count() << " segments, "
              << log->size_bytes() << " bytes\n";
  }

  for (auto& p : parts) check_final_contents(*p, *manager->get(p->tp), failures);
  EXPECT_EQ(failures.count(), 0) << failures.report();

  // A clean restart recovers exactly the same logs.
  std::map<TopicPartition, std::map<int64_t, std::pair<std::string, std::string>>> before;
  std::map<TopicPartition, int64_t> hw;
  for (auto& p : parts) {
    auto log = manager->get(p->tp);
    before[p->tp] = read_all(*log, !p->compacted, failures);
    hw[p->tp] = log->log_end_offset();
  }
  cleaner.reset();
  manager->shutdown(hw);
  manager.reset();
  manager = std::make_unique<LogManager>(dirs, "stress-cluster", 1, base);
  for (auto& p : parts) {
    auto log = manager->get(p->tp);
    ASSERT_NE(log, nullptr) << p->tp.dir_name();
    EXPECT_EQ(log->log_end_offset(), hw[p->tp]) << p->tp.dir_name();
    EXPECT_TRUE(read_all(*log, !p->compacted, failures) == before[p->tp]) << p->tp.dir_name();
  }
  EXPECT_EQ(manager->get({"churn", 0}), nullptr);
  EXPECT_EQ(failures.count(), 0) << failures.report();
}

}  // namespace
}  // namespace samsa::storage
