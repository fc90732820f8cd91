#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/file_util.h"
#include "storage/log.h"
#include "storage/types.h"

namespace samsa::storage {

// One log dir as DescribeLogDirs reports it.
struct LogDirDescription {
  std::filesystem::path dir;
  int64_t total_bytes = -1;  // of the file system holding it; -1 if unknown
  int64_t usable_bytes = -1;
  std::string offline_error;  // non-empty: the dir is offline (KAFKA_STORAGE_ERROR)
  std::vector<std::pair<TopicPartition, int64_t>> partitions;  // with their size in bytes
};

// Owns every partition log across the broker's log dirs, and the per-dir files Kafka keeps:
// meta.properties, the offset checkpoints and the clean-shutdown marker.
class LogManager {
 public:
  // Opens (or initialises) every log dir and loads and recovers its partitions. Throws StorageError
  // if a dir belongs to another cluster or node, or is locked by another process.
  // `flush_threads` > 0 runs roll and flush.ms fsyncs and producer snapshots on that many
  // background threads (background.threads); 0 runs them inline. A dir whose loading fails with an
  // I/O error starts offline; if every dir does, this throws.
  // `progress` (optional) hears how loading goes, every 100 partitions (systemd STATUS=).
  using LoadProgress = std::function<void(const std::string&)>;
  LogManager(std::vector<std::filesystem::path> log_dirs, std::string cluster_id, int32_t node_id,
             LogConfig defaults, int flush_threads = 0, LoadProgress progress = nullptr);
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // cluster.id from <log_dir>/meta.properties, if the dir has been formatted.
  static std::optional<std::string> read_cluster_id(const std::filesystem::path& log_dir);

  // Creates the partition dir and partition.metadata if needed; new partitions go to the online
  // log dir holding the fewest (LogDirOfflineError if none is online). Throws StorageError if an
  // existing partition has another topic id.
  std::shared_ptr<Log> get_or_create(const TopicPartition& tp, const Uuid16& topic_id,
                                     const LogConfig& cfg);
  std::shared_ptr<Log> get(const TopicPartition& tp) const;
  std::vector<TopicPartition> partitions() const;
  // Renames the dir to "<topic>-<n>.<uuid>-delete" and deletes it in the background.
  void remove(const TopicPartition& tp);

  // Writes recovery-point, log-start and replication (high watermark) checkpoints in every online
  // dir; a failure takes that dir offline (the others are still written).
  void checkpoint(const std::map<TopicPartition, int64_t>& high_watermarks);
  // Flushes and closes every log, checkpoints, then writes the clean-shutdown marker in every dir
  // still online (an offline dir gets full recovery at the next start).
  void shutdown(const std::map<TopicPartition, int64_t>& high_watermarks);
  std::map<TopicPartition, int64_t> read_high_watermarks() const;

  // Periodic maintenance: segment.ms rolls and flush.ms for every log.
  void roll_if_due(int64_t now_ms);
  const std::vector<std::filesystem::path>& log_dirs() const { return dirs_; }
  std::vector<LogDirDescription> describe_dirs() const;
  // The offline dirs and what took each offline (LogDirHealth::error), in log.dirs order.
  std::vector<std::pair<std::filesystem::path, std::string>> offline_dirs() const;

  // Retention's *.deleted files: removed by delete_due_files once `due_ms` has passed (a restart
  // removes them at once).
  void schedule_deletion(std::vector<std::filesystem::path> files, int64_t due_ms);
  // Returns the number of files removed.
  size_t delete_due_files(int64_t now_ms);

 private:
  void init_dir(size_t index, const std::string& cluster_id, int32_t node_id);
  void load_dir(size_t index);
  void delete_in_background(std::filesystem::path dir);

  std::vector<std::filesystem::path> dirs_;
  std::vector<Fd> locks_;
  std::vector<std::shared_ptr<LogDirHealth>> health_;  // one per dir, same order
  std::shared_ptr<FlushPool> flusher_;
  LogConfig defaults_;
  LoadProgress progress_;  // only called while the constructor loads
  mutable std::mutex mu_;
  std::map<TopicPartition, std::shared_ptr<Log>> logs_;
  std::map<TopicPartition, size_t> dir_of_;
  std::mutex delete_mu_;
  std::vector<std::thread> deleters_;
  bool shut_down_ = false;
  std::mutex pending_mu_;
  std::vector<std::pair<int64_t, std::filesystem::path>> pending_deletions_;  // (due_ms, file)
};

}  // namespace samsa::storage
