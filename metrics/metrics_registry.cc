#include "metrics/metrics_registry.h"

#include "metrics/text_format.h"

namespace samsa::metrics {

MetricsRegistry::MetricsRegistry(std::map<std::string, std::string> constant_labels)
    : registry_(std::make_shared<prometheus::Registry>()) {
  for (auto& [name, value] : constant_labels) constant_labels_.push_back({name, value});
}

void MetricsRegistry::add_collector(std::shared_ptr<prometheus::Collectable> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::vector<prometheus::MetricFamily> MetricsRegistry::collect() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  std::vector<std::shared_ptr<prometheus::Collectable>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  for (const auto& c : collectors) {
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  // Applied here rather than per family so scrape-time collectors cannot forget them.
  if (!constant_labels_.empty()) {
    for (auto& family : families) {
      for (auto& metric : family.metric) {
        metric.label.insert(metric.label.begin(), constant_labels_.begin(), constant_labels_.end());
      }
    }
  }
  return families;
}

std::string MetricsRegistry::render() const {
  return serialize_text(collect());
}

}  // namespace samsa::metrics
