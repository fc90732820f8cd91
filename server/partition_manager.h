#pragma once
// Owns the partitions this broker hosts: their logs, leader epochs and high watermarks. It follows
// the metadata image: partitions with a local replica get a log, partitions of deleted topics lose
// theirs.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cluster/metadata_image.h"
#include "config/broker_config.h"
#include "storage/log_manager.h"

namespace samsa::server {

class Partition {
 public:
  Partition(storage::TopicPartition tp, std::shared_ptr<storage::Log> log, int32_t node_id);

  const storage::TopicPartition& tp() const { return tp_; }
  storage::Log& log() { return *log_; }
  const storage::Log& log() const { return *log_; }
  bool is_leader() const { return leader_.load() == node_id_; }
  int32_t leader() const { return leader_.load(); }
  int32_t leader_epoch() const { return leader_epoch_.load(); }
  int64_t high_watermark() const { return high_watermark_.load(); }

  void update_state(const cluster::PartitionState& state);
  // The high watermark is the smallest log end offset over the ISR. Only the leader's own end is
  // known until follower replication lands, so with an ISR of one this is the local log end.
  void advance_high_watermark();
  void restore_high_watermark(int64_t hw);

 private:
  storage::TopicPartition tp_;
  std::shared_ptr<storage::Log> log_;
  int32_t node_id_;
  std::atomic<int32_t> leader_{-1};
  std::atomic<int32_t> leader_epoch_{0};
  std::atomic<int64_t> high_watermark_{0};
  std::mutex isr_mutex_;
  std::vector<int32_t> isr_;
};

class PartitionManager {
 public:
  PartitionManager(storage::LogManager& logs, const config::BrokerConfig& config, int32_t node_id);

  // Brings local partitions in line with the image. Called by the metadata publisher thread (and
  // once at startup, before it runs); an image older than one already applied is ignored.
  void apply_image(const cluster::MetadataImage& image);
  // Offset of the newest image applied (-1 before the first).
  int64_t applied_offset() const;

  std::shared_ptr<Partition> get(const std::string& topic, int32_t partition) const;
  // Like get(), for a caller holding `image`: when that image has a local replica of the partition
  // but the publisher has not applied it yet, waits up to kPublisherWait for it. Never applies an
  // image itself, so a stale capture cannot recreate or remove logs.
  static constexpr std::chrono::milliseconds kPublisherWait{1000};
  std::shared_ptr<Partition> get_or_sync(const cluster::MetadataImage& image,
                                         const std::string& topic, int32_t partition);

  // Fetch requests waiting for data register a wake-up watching their partitions (Kafka's
  // DelayedOperationPurgatory watch keys). An append to one of them fires it once and removes it
  // from every key; appends elsewhere do not touch it. A fetch that ends by timeout removes its
  // own, so idle consumers do not accumulate entries.
  uint64_t add_data_waiter(const std::vector<storage::TopicPartition>& partitions,
                           std::function<void()> wake);
  void remove_data_waiter(uint64_t id);
  // Called after appends that moved these partitions' high watermarks.
  void notify_data_arrived(const std::vector<storage::TopicPartition>& partitions);
  void notify_data_arrived(const storage::TopicPartition& partition);
  // Waiters registered now (for tests and metrics: Kafka's purgatory size).
  size_t data_waiter_count() const;

  // Deletes local logs of partitions the image no longer has (topics deleted while we were down).
  void remove_orphans(const cluster::MetadataImage& image);
  void roll_due_segments();
  // One retention pass over the local partitions (log.retention.check.interval.ms); checkpoints
  // the log start offsets when any moved. Returns the number of segments deleted.
  size_t enforce_retention();
  // What retention has removed since start (every pass over all logs counts once).
  struct RetentionTotals {
    uint64_t passes = 0;
    uint64_t segments_deleted = 0;
    uint64_t bytes_deleted = 0;
  };
  RetentionTotals retention_totals() const;
  // Removes retention's *.deleted files whose file.delete.delay.ms has passed.
  void delete_due_files();
  std::vector<storage::LogDirDescription> describe_log_dirs() const;

  std::map<storage::TopicPartition, int64_t> high_watermarks() const;
  size_t partition_count() const;
  // Every partition with a local replica, in topic-partition order (a snapshot, for metrics).
  std::vector<std::shared_ptr<Partition>> local_partitions() const;
  void checkpoint();
  void shutdown();

 private:
  storage::LogConfig log_config_for(const cluster::MetadataImage& image,
                                    const cluster::TopicState& topic) const;

  storage::LogManager& logs_;
  const config::BrokerConfig& config_;
  int32_t node_id_;
  mutable std::mutex mutex_;
  std::condition_variable applied_cv_;  // with mutex_: applied_offset_ moved
  int64_t applied_offset_ = -1;
  std::map<storage::TopicPartition, std::shared_ptr<Partition>> partitions_;
  std::map<storage::TopicPartition, int64_t> restored_hw_;
  struct DataWaiter {
    std::vector<storage::TopicPartition> partitions;
    std::function<void()> wake;
  };
  // Fires and forgets waiter `id`; the caller holds waiters_mutex_ and runs the wake-up after
  // releasing it.
  std::function<void()> take_waiter_locked(uint64_t id);
  mutable std::mutex waiters_mutex_;
  uint64_t next_waiter_id_ = 0;
  std::map<uint64_t, DataWaiter> waiters_;
  std::map<storage::TopicPartition, std::set<uint64_t>> watchers_;  // partition -> waiter ids
  std::map<storage::TopicPartition, int64_t> checkpointed_starts_;  // housekeeping thread only
  std::atomic<uint64_t> retention_passes_{0}, retention_segments_{0}, retention_bytes_{0};
};

}  // namespace samsa::server
