#pragma once
// The metrics the Kafka data path updates as it works (per-topic throughput, per-API requests,
// connections and network threads), created together by the composition root and handed to the
// server through server::Services. Scrape-time families (partitions, groups, process) are
// collectors registered separately.
#include <memory>

#include "metrics/broker_topic_metrics.h"
#include "metrics/metrics_registry.h"
#include "metrics/network_metrics.h"
#include "metrics/request_metrics.h"

namespace samsa::metrics {

struct KafkaMetrics {
  KafkaMetrics(MetricsRegistry& registry, RequestMetrics::NameFn api_name,
               RequestMetrics::NameFn error_name)
      : topics(std::make_shared<BrokerTopicMetrics>()),
        requests(std::make_shared<RequestMetrics>(registry.registry(), std::move(api_name),
                                                  std::move(error_name))),
        network(std::make_shared<NetworkMetrics>()) {
    registry.add_collector(topics);
    registry.add_collector(requests);
    registry.add_collector(network);
  }

  std::shared_ptr<BrokerTopicMetrics> topics;
  std::shared_ptr<RequestMetrics> requests;
  std::shared_ptr<NetworkMetrics> network;
};

}  // namespace samsa::metrics
