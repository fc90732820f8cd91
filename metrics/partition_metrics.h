#pragma once
// Scrape-time families about partitions, built from plain samples that server/ fills from the
// metadata image and the local logs (so this module needs neither):
// - this broker's ReplicaManager gauges (kafka_server_replicamanager_*);
// - per local replica, the log gauges (kafka_log_log_{size,logstartoffset,logendoffset,
//   numlogsegments}{topic,partition});
// - per partition this broker leads, Kafka's Partition gauges (kafka_cluster_partition_*) and
//   kafka_exporter's kafka_topic_partition_* series (only the leader emits them, so sums across
//   brokers do not double count);
// - the controller gauges (kafka_controller_kafkacontroller_*) and kafka_exporter's
//   kafka_topic_partitions / kafka_brokers, non-zero only on the active controller.
#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace samsa::metrics {

struct PartitionSample {
  std::string topic;
  int32_t partition = 0;
  bool leader = false;  // this broker leads it
  int32_t leader_id = -1;
  int32_t preferred_leader = -1;  // the first replica
  int32_t replicas = 0;
  int32_t isr = 0;
  int32_t min_isr = 1;
  // This broker's log of the partition.
  int64_t log_size = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t high_watermark = 0;
  int64_t segments = 0;
};

struct ReplicaManagerSample {
  std::vector<PartitionSample> partitions;  // every local replica
  int64_t offline_replicas = 0;
  uint64_t isr_shrinks = 0;
  uint64_t isr_expands = 0;
};

struct ControllerSample {
  bool active = false;  // this broker is the active controller
  int64_t brokers = 0;
  int64_t offline_partitions = 0;  // partitions without a leader
  // Leaders elected from outside the ISR. Samsa's controller does not elect out-of-ISR
  // leaders (unclean.leader.election.enable is not acted on), so this stays 0; the series exists
  // for Kafka's dashboards.
  uint64_t unclean_leader_elections = 0;
  std::map<std::string, int32_t> partitions_per_topic;
};

void collect_replica_manager(const ReplicaManagerSample& sample,
                             std::vector<prometheus::MetricFamily>& out);
void collect_controller(const ControllerSample& sample, std::vector<prometheus::MetricFamily>& out);

}  // namespace samsa::metrics
