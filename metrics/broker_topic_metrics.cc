#include "metrics/broker_topic_metrics.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "metrics/families.h"

namespace samsa::metrics {
namespace {

struct Meter {
  const char* name;
  const char* help;
  std::atomic<uint64_t> TopicCounters::*field;
};

constexpr Meter kMeters[] = {
    {"kafka_server_brokertopicmetrics_messagesin_total",
     "Records appended by producers (MessagesInPerSec)", &TopicCounters::messages_in},
    {"kafka_server_brokertopicmetrics_bytesin_total",
     "Record batch bytes received from producers (BytesInPerSec)", &TopicCounters::bytes_in},
    {"kafka_server_brokertopicmetrics_bytesout_total",
     "Record batch bytes sent to consumers (BytesOutPerSec)", &TopicCounters::bytes_out},
    {"kafka_server_brokertopicmetrics_totalproducerequests_total",
     "Partition appends requested by produce requests (TotalProduceRequestsPerSec)",
     &TopicCounters::total_produce_requests},
    {"kafka_server_brokertopicmetrics_failedproducerequests_total",
     "Partition appends that failed validation or storage (FailedProduceRequestsPerSec)",
     &TopicCounters::failed_produce_requests},
    {"kafka_server_brokertopicmetrics_totalfetchrequests_total",
     "Partition reads requested by fetch requests (TotalFetchRequestsPerSec)",
     &TopicCounters::total_fetch_requests},
    {"kafka_server_brokertopicmetrics_failedfetchrequests_total",
     "Partition reads that failed unexpectedly (FailedFetchRequestsPerSec)",
     &TopicCounters::failed_fetch_requests},
};

}  // namespace

void BrokerTopicMetrics::set_topic_list(TopicList topics) {
  std::unique_lock lock(mutex_);
  topic_list_ = std::move(topics);
}

TopicCounters& BrokerTopicMetrics::topic(const std::string& topic) {
  {
    std::shared_lock lock(mutex_);
    auto it = topics_.find(topic);
    if (it != topics_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = topics_[topic];
  if (!slot) slot = std::make_unique<TopicCounters>();
  return *slot;
}

std::vector<prometheus::MetricFamily> BrokerTopicMetrics::Collect() const {
  TopicList list;
  {
    std::shared_lock lock(mutex_);
    list = topic_list_;
  }
  // The topic list (which reads the metadata image) is taken without our lock; the hot path's
  // shared locks are then held only for the look-ups.
  std::vector<std::string> names;
  if (list) names = list();
  static const TopicCounters kZero;
  std::vector<std::pair<std::string, const TopicCounters*>> topics;
  {
    std::shared_lock lock(mutex_);
    if (list) {
      topics.reserve(names.size());
      for (auto& name : names) {
        auto it = topics_.find(name);
        topics.emplace_back(std::move(name), it == topics_.end() ? &kZero : it->second.get());
      }
    } else {
      for (const auto& [name, counters] : topics_) topics.emplace_back(name, counters.get());
    }
  }
  std::sort(topics.begin(), topics.end());
  std::vector<prometheus::MetricFamily> out;
  for (const auto& meter : kMeters) {
    auto& family = add_family(out, meter.name, meter.help, prometheus::MetricType::Counter);
    family.metric.reserve(topics.size() + 1);
    add_counter(family, {}, static_cast<double>((all_.*meter.field).load()));
    for (const auto& [name, counters] : topics) {
      add_counter(family, {{"topic", name}}, static_cast<double>((counters->*meter.field).load()));
    }
  }
  return out;
}

}  // namespace samsa::metrics
