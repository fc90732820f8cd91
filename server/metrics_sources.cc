#include "server/metrics_sources.h"

#include <spdlog/spdlog.h>

#include <future>
#include <map>
#include <memory>
#include <set>

#include "protocol/records/record_batch.h"

namespace samsa::server {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Seconds since the first record at or after `committed` was written: the batch holding it
// gives its timestamp (the batch's first timestamp, or the append time under LogAppendTime). A
// commit in the middle of a batch is dated by the batch's first record, a few milliseconds early
// at most for a producer's linger.
std::optional<double> lag_seconds(const Partition& partition, int64_t committed, int64_t hw) {
  if (committed >= hw) return 0.0;
  const auto& log = partition.log();
  auto header = log.batch_header_at(std::max(committed, log.log_start_offset()));
  if (!header) return std::nullopt;
  const int64_t ts = header->timestamp_type() == records::TimestampType::kLogAppendTime
                         ? header->max_timestamp
                         : header->base_timestamp;
  if (ts < 0) return std::nullopt;  // pre-0.10 style records without timestamps
  return static_cast<double>(std::max<int64_t>(0, now_ms() - ts)) / 1000.0;
}

}  // namespace

metrics::ReplicaManagerSample replica_manager_sample(const MetricsSources& sources,
                                                     const cluster::MetadataImage& image) {
  metrics::ReplicaManagerSample out;
  // min.insync.replicas resolves per topic; partitions come in topic order, so cache the last.
  const cluster::TopicState* last_topic = nullptr;
  int32_t min_isr = 1;
  for (const auto& partition : sources.partitions->local_partitions()) {
    const auto& tp = partition->tp();
    const cluster::TopicState* topic = image.topic(tp.topic);
    if (topic == nullptr || tp.partition < 0 ||
        static_cast<size_t>(tp.partition) >= topic->partitions.size()) {
      continue;  // being deleted; the manager catches up with the image shortly
    }
    if (topic != last_topic) {
      last_topic = topic;
      min_isr = static_cast<int32_t>(
          sources.topics->effective_config_long(*topic, "min.insync.replicas"));
    }
    const auto& state = topic->partitions[static_cast<size_t>(tp.partition)];
    metrics::PartitionSample p;
    p.topic = tp.topic;
    p.partition = tp.partition;
    p.leader = partition->is_leader();
    p.leader_id = state.leader;
    p.preferred_leader = state.replicas.empty() ? -1 : state.replicas.front();
    p.replicas = static_cast<int32_t>(state.replicas.size());
    p.isr = static_cast<int32_t>(state.isr.size());
    p.min_isr = min_isr;
    const auto& log = partition->log();
    p.log_size = static_cast<int64_t>(log.size_bytes());
    p.log_start_offset = log.log_start_offset();
    p.log_end_offset = log.log_end_offset();
    p.high_watermark = partition->high_watermark();
    p.segments = static_cast<int64_t>(log.segment_count());
    if (log.dir_offline()) ++out.offline_replicas;
    out.partitions.push_back(std::move(p));
  }
  // No follower replication yet, so no ISR changes to count.
  return out;
}

metrics::ControllerSample controller_sample(const MetricsSources& sources,
                                            const cluster::MetadataImage& image) {
  metrics::ControllerSample out;
  out.active = image.controller_id() == sources.node_id;
  out.brokers = static_cast<int64_t>(image.brokers().size());
  for (const auto& [name, topic] : image.topics()) {
    out.partitions_per_topic[name] = static_cast<int32_t>(topic->partitions.size());
    for (const auto& p : topic->partitions) out.offline_partitions += p.leader < 0;
  }
  return out;
}

std::vector<metrics::GroupSample> group_samples(const MetricsSources& sources,
                                                const cluster::MetadataImage& image) {
  std::vector<metrics::GroupSample> out;
  if (sources.groups == nullptr) return out;
  // The coordinator owns its groups on its own thread; ask it for a copy and wait a bounded time
  // on this (HTTP) thread. The promise is shared so a late answer after a timeout is harmless.
  auto promise = std::make_shared<std::promise<std::vector<group::GroupSnapshot>>>();
  auto future = promise->get_future();
  sources.groups->snapshot_groups([promise](std::vector<group::GroupSnapshot> groups) {
    promise->set_value(std::move(groups));
  });
  if (future.wait_for(sources.group_wait) != std::future_status::ready) {
    spdlog::warn("event=metrics_groups_timeout wait_ms={}", sources.group_wait.count());
    return out;
  }
  for (auto& g : future.get()) {
    metrics::GroupSample sample;
    sample.group = g.group_id;
    sample.members = static_cast<int64_t>(g.members);
    // kafka_exporter reports every partition of each topic the group has committed to, with -1
    // for the partitions it has no commit for.
    // Partition numbers come from the metadata, plus any committed ones it does not have (a
    // deleted topic), never from a range a client chose.
    std::map<std::string, std::set<int32_t>> topics;
    for (const auto& [tp, offset] : g.offsets) topics[tp.first].insert(tp.second);
    for (auto& [name, partitions] : topics) {
      if (const cluster::TopicState* topic = image.topic(name)) {
        for (size_t p = 0; p < topic->partitions.size(); ++p) {
          partitions.insert(static_cast<int32_t>(p));
        }
      }
      for (int32_t p : partitions) {
        metrics::GroupPartitionSample s;
        s.topic = name;
        s.partition = p;
        auto it = g.offsets.find({name, p});
        s.committed = it == g.offsets.end() ? -1 : it->second;
        auto partition = sources.partitions->get(name, p);
        if (partition && partition->is_leader()) {
          const int64_t hw = partition->high_watermark();
          s.end_offset = hw;
          if (s.committed >= 0) s.lag_seconds = lag_seconds(*partition, s.committed, hw);
        }
        sample.partitions.push_back(std::move(s));
      }
    }
    out.push_back(std::move(sample));
  }
  return out;
}

void register_metrics_collectors(metrics::MetricsRegistry& registry, MetricsSources sources) {
  registry.add_collector(std::make_shared<metrics::FunctionCollector>(
      [sources](std::vector<prometheus::MetricFamily>& out) {
        auto image = sources.topics->image();
        metrics::collect_replica_manager(replica_manager_sample(sources, *image), out);
        metrics::collect_controller(controller_sample(sources, *image), out);
        metrics::collect_groups(group_samples(sources, *image), out);
      }));
}

}  // namespace samsa::server
