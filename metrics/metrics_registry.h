#pragma once
// The broker's one metric registry (DESIGN §8). Subsystems register prometheus-cpp families for
// what they count as it happens, and scrape-time collectors for what is cheaper to read when
// Prometheus asks (log sizes, offsets, group lag). The admin HTTP server renders it at /metrics.
#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace samsa::metrics {

class MetricsRegistry {
 public:
  // `constant_labels` (metrics.constant.labels, e.g. cluster="prod") are added to every series.
  explicit MetricsRegistry(std::map<std::string, std::string> constant_labels = {});

  // Families updated on the hot path (counters, histograms, summaries) live here.
  prometheus::Registry& registry() { return *registry_; }

  // A collector is called on every scrape, on the scraping thread; it must be thread-safe and
  // must not block on the Kafka data path. The registry keeps it alive.
  void add_collector(std::shared_ptr<prometheus::Collectable> collector);

  // Every family in the Prometheus text exposition format (version 0.0.4).
  std::string render() const;
  std::vector<prometheus::MetricFamily> collect() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<prometheus::ClientMetric::Label> constant_labels_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectors_;
};

// A collector from a function, for subsystems that build their families ad hoc.
class FunctionCollector : public prometheus::Collectable {
 public:
  using Fn = std::function<void(std::vector<prometheus::MetricFamily>&)>;
  explicit FunctionCollector(Fn fn) : fn_(std::move(fn)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    fn_(out);
    return out;
  }

 private:
  Fn fn_;
};

}  // namespace samsa::metrics
