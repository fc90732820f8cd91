#include "server/partition_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "server/config_service.h"

namespace samsa::server {

Partition::Partition(storage::TopicPartition tp, std::shared_ptr<storage::Log> log, int32_t node_id)
    : tp_(std::move(tp)), log_(std::move(log)), node_id_(node_id) {}

void Partition::update_state(const cluster::PartitionState& state) {
  leader_.store(state.leader);
  leader_epoch_.store(state.leader_epoch);
  {
    std::lock_guard lock(isr_mutex_);
    isr_ = state.isr;
  }
  advance_high_watermark();
}

void Partition::advance_high_watermark() {
  std::lock_guard lock(isr_mutex_);
  bool only_local = isr_.size() == 1 && isr_[0] == node_id_;
  if (!only_local)
    return;  // followers' positions are not tracked yet: never move past what they have
  int64_t end = log_->log_end_offset();
  int64_t current = high_watermark_.load();
  while (current < end && !high_watermark_.compare_exchange_weak(current, end)) {
  }
}

void Partition::restore_high_watermark(int64_t hw) {
  int64_t bounded = std::clamp(hw, log_->log_start_offset(), log_->log_end_offset());
  high_watermark_.store(bounded);
}

PartitionManager::PartitionManager(storage::LogManager& logs, const config::BrokerConfig& config,
                                   int32_t node_id)
    : logs_(logs), config_(config), node_id_(node_id), restored_hw_(logs.read_high_watermarks()) {}

storage::LogConfig PartitionManager::log_config_for(const cluster::MetadataImage& image,
                                                    const cluster::TopicState& topic) const {
  // Dynamic broker configs in the image count as well as the topic's own overrides.
  auto text = [&](const char* key) {
    return resolve_topic_config(config_, image, node_id_, &topic, key);
  };
  auto value = [&](const char* key) { return std::stoll(text(key)); };
  storage::LogConfig c;
  c.segment_bytes = value("segment.bytes");
  c.segment_ms = value("segment.ms");
  c.index_interval_bytes = static_cast<int32_t>(value("index.interval.bytes"));
  c.segment_index_bytes = static_cast<int32_t>(value("segment.index.bytes"));
  c.flush_messages = value("flush.messages");
  c.flush_ms = value("flush.ms");
  c.producer_id_expiration_ms =
      effective_config(config_, image, node_id_).get_long("producer.id.expiration.ms");
  c.retention_ms = value("retention.ms");
  c.retention_bytes = value("retention.bytes");
  c.file_delete_delay_ms = value("file.delete.delay.ms");
  c.delete_enabled = text("cleanup.policy").find("delete") != std::string::npos;
  return c;
}

void PartitionManager::apply_image(const cluster::MetadataImage& image) {
  std::unique_lock lock(mutex_);
  // Images are applied in offset order only: an older one would recreate deleted topics' logs
  // and remove partitions created since (review finding H1).
  if (image.offset() < applied_offset_) {
    spdlog::warn("event=stale_metadata_image_ignored offset={} applied_offset={}", image.offset(),
                 applied_offset_);
    return;
  }
  // Waiters in get_or_sync must not hang on an image whose apply failed half-way.
  struct MarkApplied {
    PartitionManager& self;
    int64_t offset;
    ~MarkApplied() {
      self.applied_offset_ = std::max(self.applied_offset_, offset);
      self.applied_cv_.notify_all();
    }
  } mark{*this, image.offset()};
  std::set<storage::TopicPartition> wanted;
  for (const auto& [name, topic] : image.topics()) {
    for (const auto& p : topic->partitions) {
      if (std::find(p.replicas.begin(), p.replicas.end(), node_id_) == p.replicas.end()) continue;
      storage::TopicPartition tp{name, p.partition};
      wanted.insert(tp);
      auto it = partitions_.find(tp);
      if (it == partitions_.end()) {
        const auto cfg = log_config_for(image, *topic);
        auto log = logs_.get_or_create(tp, topic->id, cfg);
        // A log loaded at startup was opened with the broker defaults: give it its topic's.
        log->update_config(cfg);
        auto partition = std::make_shared<Partition>(tp, std::move(log), node_id_);
        auto hw = restored_hw_.find(tp);
        if (hw != restored_hw_.end()) partition->restore_high_watermark(hw->second);
        it = partitions_.emplace(tp, std::move(partition)).first;
      } else {
        // Topic configs and dynamic broker defaults can change.
        it->second->log().update_config(log_config_for(image, *topic));
      }
      it->second->update_state(p);
    }
  }
  for (auto it = partitions_.begin(); it != partitions_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    spdlog::info("event=partition_removed topic={} partition={}", it->first.topic,
                 it->first.partition);
    logs_.remove(it->first);
    it = partitions_.erase(it);
  }
}

std::shared_ptr<Partition> PartitionManager::get(const std::string& topic,
                                                 int32_t partition) const {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(storage::TopicPartition{topic, partition});
  return it == partitions_.end() ? nullptr : it->second;
}

std::shared_ptr<Partition> PartitionManager::get_or_sync(const cluster::MetadataImage& image,
                                                         const std::string& topic,
                                                         int32_t partition) {
  if (auto p = get(topic, partition)) return p;
  const auto* t = image.topic(topic);
  if (t == nullptr || partition < 0 || partition >= static_cast<int32_t>(t->partitions.size())) {
    return nullptr;
  }
  const auto& replicas = t->partitions[partition].replicas;
  if (std::find(replicas.begin(), replicas.end(), node_id_) == replicas.end()) return nullptr;
  // Only the metadata publisher applies images. A caller holding an image the publisher has not
  // reached yet waits a little for it; an older image (or a timeout) answers "not here".
  std::unique_lock lock(mutex_);
  applied_cv_.wait_for(lock, kPublisherWait, [&] { return applied_offset_ >= image.offset(); });
  auto it = partitions_.find(storage::TopicPartition{topic, partition});
  return it == partitions_.end() ? nullptr : it->second;
}

int64_t PartitionManager::applied_offset() const {
  std::lock_guard lock(mutex_);
  return applied_offset_;
}

uint64_t PartitionManager::add_data_waiter(const std::vector<storage::TopicPartition>& partitions,
                                           std::function<void()> wake) {
  std::lock_guard lock(waiters_mutex_);
  uint64_t id = ++next_waiter_id_;
  for (const auto& tp : partitions) watchers_[tp].insert(id);
  waiters_.emplace(id, DataWaiter{partitions, std::move(wake)});
  return id;
}

std::function<void()> PartitionManager::take_waiter_locked(uint64_t id) {
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return nullptr;
  for (const auto& tp : it->second.partitions) {
    auto w = watchers_.find(tp);
    if (w == watchers_.end()) continue;
    w->second.erase(id);
    if (w->second.empty()) watchers_.erase(w);
  }
  auto wake = std::move(it->second.wake);
  waiters_.erase(it);
  return wake;
}

void PartitionManager::remove_data_waiter(uint64_t id) {
  std::lock_guard lock(waiters_mutex_);
  take_waiter_locked(id);
}

void PartitionManager::notify_data_arrived(const std::vector<storage::TopicPartition>& partitions) {
  std::vector<std::function<void()>> woken;
  {
    std::lock_guard lock(waiters_mutex_);
    if (waiters_.empty()) return;
    for (const auto& tp : partitions) {
      auto w = watchers_.find(tp);
      if (w == watchers_.end()) continue;
      const std::vector<uint64_t> ids(w->second.begin(), w->second.end());
      for (uint64_t id : ids)
        if (auto wake = take_waiter_locked(id)) woken.push_back(std::move(wake));
    }
  }
  for (auto& wake : woken) wake();
}

void PartitionManager::notify_data_arrived(const storage::TopicPartition& partition) {
  notify_data_arrived(std::vector<storage::TopicPartition>{partition});
}

size_t PartitionManager::data_waiter_count() const {
  std::lock_guard lock(waiters_mutex_);
  return waiters_.size();
}

void PartitionManager::remove_orphans(const cluster::MetadataImage& image) {
  std::lock_guard lock(mutex_);
  for (const auto& tp : logs_.partitions()) {
    if (partitions_.count(tp)) continue;
    const auto* topic = image.topic(tp.topic);
    if (topic != nullptr && tp.partition < static_cast<int32_t>(topic->partitions.size())) continue;
    spdlog::info("event=orphan_log_removed topic={} partition={}", tp.topic, tp.partition);
    logs_.remove(tp);
  }
}

void PartitionManager::roll_due_segments() {
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, p] : partitions_) all.push_back(p);
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& p : all) {
    try {
      p->log().roll_if_due(now);
    } catch (const storage::LogDirOfflineError&) {
      // That dir is offline (logged once by its LogDirHealth); the other partitions still roll.
    }
  }
}

size_t PartitionManager::enforce_retention() {
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, p] : partitions_) all.push_back(p);
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  size_t deleted = 0;
  bool moved = false;
  for (const auto& p : all) {
    storage::RetentionResult result;
    try {
      result = p->log().apply_retention(now, p->high_watermark());
    } catch (const storage::LogDirOfflineError&) {
      continue;  // a rename failed and took the dir offline; the other dirs go on
    }
    deleted += result.segments_deleted;
    retention_segments_ += result.segments_deleted;
    retention_bytes_ += static_cast<uint64_t>(result.bytes_deleted);
    if (!result.files.empty())
      logs_.schedule_deletion(std::move(result.files),
                              now + p->log().config().file_delete_delay_ms);
    // A start first seen above 0 may come from a DeleteRecords not checkpointed yet.
    auto [it, inserted] = checkpointed_starts_.try_emplace(p->tp(), result.log_start_offset);
    if (inserted ? result.log_start_offset > 0 : it->second != result.log_start_offset) {
      it->second = result.log_start_offset;
      moved = true;
    }
  }
  ++retention_passes_;
  // DeleteRecords and retention move log starts; a restart must not bring those records back.
  if (moved || deleted > 0) checkpoint();
  return deleted;
}

PartitionManager::RetentionTotals PartitionManager::retention_totals() const {
  return {retention_passes_.load(), retention_segments_.load(), retention_bytes_.load()};
}

void PartitionManager::delete_due_files() {
  logs_.delete_due_files(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
}

std::vector<storage::LogDirDescription> PartitionManager::describe_log_dirs() const {
  return logs_.describe_dirs();
}

std::map<storage::TopicPartition, int64_t> PartitionManager::high_watermarks() const {
  std::lock_guard lock(mutex_);
  std::map<storage::TopicPartition, int64_t> out;
  for (const auto& [tp, p] : partitions_) out[tp] = p->high_watermark();
  return out;
}

std::vector<std::shared_ptr<Partition>> PartitionManager::local_partitions() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Partition>> out;
  out.reserve(partitions_.size());
  for (const auto& [tp, partition] : partitions_) out.push_back(partition);
  return out;
}

size_t PartitionManager::partition_count() const {
  std::lock_guard lock(mutex_);
  return partitions_.size();
}

void PartitionManager::checkpoint() {
  logs_.checkpoint(high_watermarks());
}

void PartitionManager::shutdown() {
  // Fetches still parked at shutdown hold timers of the network threads' io_contexts; they are
  // dropped here, while those contexts still exist (the Kafka server is stopped, not destroyed).
  std::map<uint64_t, DataWaiter> waiters;
  {
    std::lock_guard lock(waiters_mutex_);
    waiters.swap(waiters_);
    watchers_.clear();
  }
  waiters.clear();
  logs_.shutdown(high_watermarks());
}

}  // namespace samsa::server
