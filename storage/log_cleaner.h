#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "storage/log.h"
#include "storage/types.h"

namespace samsa::storage {

class LogManager;

inline constexpr const char* kCleanerCheckpoint = "cleaner-offset-checkpoint";

// A compacted topic's settings, resolved (topic override, else broker default).
struct CompactionPolicy {
  double min_cleanable_dirty_ratio = 0.5;
  int64_t min_compaction_lag_ms = 0;
  int64_t max_compaction_lag_ms = INT64_MAX;
  int64_t delete_retention_ms = 86400000;
};

struct CleanOptions {
  CompactionPolicy policy;
  int64_t now_ms = 0;
  size_t dedupe_buffer_bytes = 128 << 20;
  // Called with the bytes read so far in this pass; may sleep
  // (log.cleaner.io.max.bytes.per.second).
  std::function<void(int64_t)> throttle;
  // Test hook: stop with <base>.log.swap on disk instead of swapping it in, as a crash would.
  bool leave_swap = false;
};

struct CleanStats {
  int64_t first_dirty = 0;
  int64_t end_offset = 0;  // the new cleaner checkpoint
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t records_read = 0;
  int64_t records_kept = 0;
  int segments = 0;
};

// Where cleaning of a log stands: [first_dirty, first_uncleanable) is the dirty section.
struct CleanableRange {
  int64_t first_dirty = 0;
  int64_t first_uncleanable = 0;
  int64_t clean_bytes = 0;
  int64_t dirty_bytes = 0;
  bool forced = false;  // max.compaction.lag.ms has passed for the oldest dirty record
  double dirty_ratio() const {
    int64_t total = clean_bytes + dirty_bytes;
    return total > 0 ? static_cast<double>(dirty_bytes) / static_cast<double>(total) : 0;
  }
  bool worth_cleaning(const CompactionPolicy& p) const {
    return dirty_bytes > 0 && (forced || dirty_ratio() >= p.min_cleanable_dirty_ratio);
  }
};

CleanableRange cleanable_range(const Log& log, int64_t checkpoint, const CompactionPolicy& p,
                               int64_t now_ms);

// One cleaning pass: keeps the latest record per key in the sealed segments before the first
// uncleanable offset, drops tombstones past their delete horizon, and swaps each cleaned group of
// segments in atomically. nullopt if nothing was cleaned (nothing dirty, or the log changed).
// An I/O failure (writing, fsyncing or renaming its files, or reading a segment) takes the log's
// dir offline, as Kafka's cleaner does, and throws LogDirOfflineError; the old segments stay.
std::optional<CleanStats> clean_log(Log& log, int64_t checkpoint, const CleanOptions& opts);

// Called by Log::open before loading segments: drops *.log.cleaned (an unfinished clean) and
// completes every *.log.swap (deletes the segments it replaces, then renames it to .log).
void recover_cleaner_files(const std::filesystem::path& partition_dir);

// The broker keys log.cleaner.threads, .dedupe.buffer.size, .io.max.bytes.per.second and
// .backoff.ms, all of which Kafka lets change at runtime.
struct CleanerConfig {
  int threads = 1;
  size_t dedupe_buffer_bytes = 128 << 20;
  double io_max_bytes_per_second = 1.7976931348623157e308;
  int64_t backoff_ms = 15000;
  bool operator==(const CleanerConfig&) const = default;
};

// What the cleaner has done since start, for metrics.
struct CleanerTotals {
  uint64_t passes = 0;  // cleaning passes that cleaned something
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t records_read = 0;
  int64_t records_kept = 0;
  double last_pass_seconds = 0;
  double last_recopy_percent = 0;  // bytes written / bytes read of the last pass
  // When the last pass finished, 0 before the first (ms since the epoch).
  int64_t last_pass_end_ms = 0;
};

// Background cleaner threads over every log of a LogManager. `policy_for` answers nullopt for
// logs whose cleanup.policy does not contain "compact".
class LogCleaner {
 public:
  using PolicyFn = std::function<std::optional<CompactionPolicy>(const TopicPartition&)>;
  LogCleaner(LogManager& logs, CleanerConfig cfg, PolicyFn policy_for);
  ~LogCleaner();
  LogCleaner(const LogCleaner&) = delete;
  LogCleaner& operator=(const LogCleaner&) = delete;

  void start();
  void stop();
  // Applies new settings without a restart. Extra threads are started at once; surplus ones
  // finish the log they are cleaning and exit, so this never waits for a pass (it runs on the
  // metadata thread). A throttled or backing-off thread picks up new limits immediately.
  void reconfigure(const CleanerConfig& cfg);
  CleanerConfig config() const;
  // Threads currently running a cleaning loop (surplus ones count until they have exited).
  int running_threads() const;
  // Cleans the dirtiest eligible log once; returns whether one was cleaned.
  bool clean_one(int64_t now_ms);
  int64_t checkpoint_of(const TopicPartition& tp) const;
  CleanerTotals totals() const;

 private:
  struct Worker {
    std::thread thread;
    bool running = false;  // guarded by mu_; false once its loop has returned
  };
  void run(size_t id);
  void spawn_locked(size_t id);
  void throttle(int64_t total_bytes, std::chrono::steady_clock::time_point started);
  void write_checkpoint(const std::filesystem::path& log_dir);

  LogManager& logs_;
  const PolicyFn policy_for_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  CleanerConfig cfg_;  // guarded by mu_
  bool started_ = false;
  bool stopping_ = false;
  std::map<TopicPartition, int64_t> checkpoints_;
  std::map<TopicPartition, std::filesystem::path> dir_of_;  // log dir of each checkpointed log
  std::set<TopicPartition> in_progress_;
  CleanerTotals totals_;
  std::vector<Worker> workers_;  // index = thread id; thread i runs while i < cfg_.threads
};

}  // namespace samsa::storage
