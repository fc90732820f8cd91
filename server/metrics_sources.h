#pragma once
// The scrape-time metric collectors that read the broker's services: partitions and logs
// (ReplicaManager, Log, Partition and kafka_exporter partition series), the controller's view of
// the cluster, and consumer groups with their lag. metrics/ turns the samples built here into
// families; this file only knows where the numbers live.
#include <chrono>
#include <cstdint>
#include <vector>

#include "metrics/group_metrics.h"
#include "metrics/metrics_registry.h"
#include "metrics/partition_metrics.h"
#include "server/group/group_coordinator.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::server {

struct MetricsSources {
  int32_t node_id = -1;
  TopicService* topics = nullptr;
  PartitionManager* partitions = nullptr;
  group::GroupCoordinator* groups = nullptr;  // null: no group families
  // How long a scrape waits for the coordinator thread's snapshot before leaving groups out.
  std::chrono::milliseconds group_wait{2000};
};

// Registers the collectors; the services must outlive every later scrape (the composition root
// stops the admin HTTP server before tearing them down).
void register_metrics_collectors(metrics::MetricsRegistry& registry, MetricsSources sources);

// The samples behind the families (exposed for tests and the benchmark).
metrics::ReplicaManagerSample replica_manager_sample(const MetricsSources& sources,
                                                     const cluster::MetadataImage& image);
metrics::ControllerSample controller_sample(const MetricsSources& sources,
                                            const cluster::MetadataImage& image);
// Empty when the coordinator does not answer within sources.group_wait.
std::vector<metrics::GroupSample> group_samples(const MetricsSources& sources,
                                                const cluster::MetadataImage& image);

}  // namespace samsa::server
