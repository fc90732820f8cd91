#pragma once
// Kafka's BrokerTopicMetrics (messages, bytes and requests in and out, per topic plus the
// all-topics series without a topic label), named as the Strimzi/jmx_exporter rules name them:
// kafka_server_brokertopicmetrics_<meter>_total{topic}.
//
// The produce and fetch paths update these for every partition they touch, so they are plain
// relaxed atomics rather than prometheus-cpp counters, and a topic's counters are looked up once
// per partition under a shared (reader) lock. Counters are never freed: a handle stays valid for
// the life of the registry, and a deleted-then-recreated topic continues its counters (Prometheus
// handles a counter that stops and resumes; rate() never sees a reset).
#include <prometheus/collectable.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace samsa::metrics {

struct TopicCounters {
  std::atomic<uint64_t> messages_in{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> total_produce_requests{0};
  std::atomic<uint64_t> failed_produce_requests{0};
  std::atomic<uint64_t> total_fetch_requests{0};
  std::atomic<uint64_t> failed_fetch_requests{0};
};

class BrokerTopicMetrics : public prometheus::Collectable {
 public:
  // The topics that exist now. When set, exactly these are exported, at 0 until they see traffic
  // (so rate() has a baseline before the first record), and deleted topics drop out of the
  // exposition (Kafka removes their meters on deletion). Unset: every topic with counters.
  using TopicList = std::function<std::vector<std::string>()>;
  void set_topic_list(TopicList topics);

  // The counters of `topic`, created on first use. Only call it for topics that exist in the
  // metadata: the set of topics must stay bounded, and request topic names come from clients.
  TopicCounters& topic(const std::string& topic);
  TopicCounters& all_topics() { return all_; }

  // Adds `n` to both the topic's and the all-topics counter.
  static void add(TopicCounters& topic, TopicCounters& all,
                  std::atomic<uint64_t> TopicCounters::*field, uint64_t n) {
    (topic.*field).fetch_add(n, std::memory_order_relaxed);
    (all.*field).fetch_add(n, std::memory_order_relaxed);
  }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<TopicCounters>> topics_;
  TopicList topic_list_;
  TopicCounters all_;
};

}  // namespace samsa::metrics
