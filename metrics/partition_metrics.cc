#include "metrics/partition_metrics.h"

#include "metrics/families.h"

namespace samsa::metrics {
namespace {

using prometheus::MetricType;

Labels tp_labels(const PartitionSample& p) {
  return {{"partition", std::to_string(p.partition)}, {"topic", p.topic}};
}

// A per-partition gauge family over `parts`, with the value from `value`.
template <class Fn>
void partition_family(std::vector<prometheus::MetricFamily>& out, const char* name,
                      const char* help, const std::vector<const PartitionSample*>& parts,
                      Fn value) {
  auto& family = add_family(out, name, help, MetricType::Gauge);
  family.metric.reserve(parts.size());
  for (const PartitionSample* p : parts) {
    add_gauge(family, tp_labels(*p), static_cast<double>(value(*p)));
  }
}

}  // namespace

void collect_replica_manager(const ReplicaManagerSample& sample,
                             std::vector<prometheus::MetricFamily>& out) {
  std::vector<const PartitionSample*> local;
  std::vector<const PartitionSample*> led;
  int64_t under_replicated = 0;
  int64_t under_min_isr = 0;
  int64_t at_min_isr = 0;
  for (const auto& p : sample.partitions) {
    local.push_back(&p);
    if (!p.leader) continue;
    led.push_back(&p);
    under_replicated += p.isr < p.replicas;
    under_min_isr += p.isr < p.min_isr;
    at_min_isr += p.isr == p.min_isr;
  }

  add_single_gauge(out, "kafka_server_replicamanager_partitioncount",
                   "Partition replicas hosted on this broker", static_cast<double>(local.size()));
  add_single_gauge(out, "kafka_server_replicamanager_leadercount", "Partitions led by this broker",
                   static_cast<double>(led.size()));
  add_single_gauge(out, "kafka_server_replicamanager_underreplicatedpartitions",
                   "Partitions led by this broker whose ISR is smaller than their replica set",
                   static_cast<double>(under_replicated));
  add_single_gauge(out, "kafka_server_replicamanager_underminisrpartitioncount",
                   "Partitions led by this broker whose ISR is below min.insync.replicas",
                   static_cast<double>(under_min_isr));
  add_single_gauge(out, "kafka_server_replicamanager_atminisrpartitioncount",
                   "Partitions led by this broker whose ISR equals min.insync.replicas",
                   static_cast<double>(at_min_isr));
  add_single_gauge(out, "kafka_server_replicamanager_offlinereplicacount",
                   "Replicas on offline log directories",
                   static_cast<double>(sample.offline_replicas));
  add_counter(add_family(out, "kafka_server_replicamanager_isrshrinks_total",
                         "ISR shrink events on partitions led by this broker", MetricType::Counter),
              {}, static_cast<double>(sample.isr_shrinks));
  add_counter(add_family(out, "kafka_server_replicamanager_isrexpands_total",
                         "ISR expand events on partitions led by this broker", MetricType::Counter),
              {}, static_cast<double>(sample.isr_expands));

  partition_family(out, "kafka_log_log_size", "Bytes of the partition's log on this broker", local,
                   [](const PartitionSample& p) { return p.log_size; });
  partition_family(out, "kafka_log_log_logstartoffset", "The partition log's start offset", local,
                   [](const PartitionSample& p) { return p.log_start_offset; });
  partition_family(out, "kafka_log_log_logendoffset", "The partition log's end offset", local,
                   [](const PartitionSample& p) { return p.log_end_offset; });
  partition_family(out, "kafka_log_log_numlogsegments", "Segments in the partition's log", local,
                   [](const PartitionSample& p) { return p.segments; });

  partition_family(out, "kafka_cluster_partition_underreplicated",
                   "1 if the partition's ISR is smaller than its replica set (leader only)", led,
                   [](const PartitionSample& p) { return p.isr < p.replicas ? 1 : 0; });
  partition_family(out, "kafka_cluster_partition_underminisr",
                   "1 if the partition's ISR is below min.insync.replicas (leader only)", led,
                   [](const PartitionSample& p) { return p.isr < p.min_isr ? 1 : 0; });
  partition_family(out, "kafka_cluster_partition_atminisr",
                   "1 if the partition's ISR equals min.insync.replicas (leader only)", led,
                   [](const PartitionSample& p) { return p.isr == p.min_isr ? 1 : 0; });
  partition_family(out, "kafka_cluster_partition_replicascount",
                   "Replicas of the partition (leader only)", led,
                   [](const PartitionSample& p) { return p.replicas; });
  partition_family(out, "kafka_cluster_partition_insyncreplicascount",
                   "In-sync replicas of the partition (leader only)", led,
                   [](const PartitionSample& p) { return p.isr; });

  // kafka_exporter's partition series, from the leader.
  partition_family(out, "kafka_topic_partition_current_offset",
                   "Newest offset (high watermark) of the partition", led,
                   [](const PartitionSample& p) { return p.high_watermark; });
  partition_family(out, "kafka_topic_partition_oldest_offset",
                   "Oldest offset (log start offset) of the partition", led,
                   [](const PartitionSample& p) { return p.log_start_offset; });
  partition_family(out, "kafka_topic_partition_leader", "Leader broker id of the partition", led,
                   [](const PartitionSample& p) { return p.leader_id; });
  partition_family(out, "kafka_topic_partition_replicas", "Replicas of the partition", led,
                   [](const PartitionSample& p) { return p.replicas; });
  partition_family(out, "kafka_topic_partition_in_sync_replica",
                   "In-sync replicas of the partition", led,
                   [](const PartitionSample& p) { return p.isr; });
  partition_family(out, "kafka_topic_partition_leader_is_preferred",
                   "1 if the partition is led by its preferred replica", led,
                   [](const PartitionSample& p) { return p.leader_id == p.preferred_leader; });
  partition_family(out, "kafka_topic_partition_under_replicated_partition",
                   "1 if the partition is under-replicated", led,
                   [](const PartitionSample& p) { return p.isr < p.replicas ? 1 : 0; });
}

void collect_controller(const ControllerSample& sample,
                        std::vector<prometheus::MetricFamily>& out) {
  // Kafka reports the global counts only on the active controller (0 elsewhere), so a sum over
  // the cluster's brokers gives the cluster's figure.
  const bool a = sample.active;
  int64_t partitions = 0;
  for (const auto& [topic, n] : sample.partitions_per_topic) partitions += n;
  add_single_gauge(out, "kafka_controller_kafkacontroller_activecontrollercount",
                   "1 on the active controller, else 0", a ? 1 : 0);
  add_single_gauge(out, "kafka_controller_kafkacontroller_offlinepartitionscount",
                   "Partitions without a leader (active controller only)",
                   a ? static_cast<double>(sample.offline_partitions) : 0);
  add_single_gauge(out, "kafka_controller_kafkacontroller_globaltopiccount",
                   "Topics in the cluster (active controller only)",
                   a ? static_cast<double>(sample.partitions_per_topic.size()) : 0);
  add_single_gauge(out, "kafka_controller_kafkacontroller_globalpartitioncount",
                   "Partitions in the cluster (active controller only)",
                   a ? static_cast<double>(partitions) : 0);
  add_counter(add_family(out, "kafka_controller_controllerstats_uncleanleaderelections_total",
                         "Leaders elected from outside the in-sync replicas", MetricType::Counter),
              {}, static_cast<double>(sample.unclean_leader_elections));
  if (!a) return;
  add_single_gauge(out, "kafka_brokers", "Brokers in the cluster metadata",
                   static_cast<double>(sample.brokers));
  auto& per_topic =
      add_family(out, "kafka_topic_partitions", "Partitions of the topic", MetricType::Gauge);
  for (const auto& [topic, n] : sample.partitions_per_topic) {
    add_gauge(per_topic, {{"topic", topic}}, n);
  }
}

}  // namespace samsa::metrics
