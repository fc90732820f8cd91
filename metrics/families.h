#pragma once
// Helpers for scrape-time collectors that build prometheus-cpp metric families by hand (values read
// from services when Prometheus asks, rather than kept in registry objects).
#include <prometheus/metric_family.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace samsa::metrics {

using Labels = std::vector<prometheus::ClientMetric::Label>;

// A family to fill and then move into the output. Prefer this to add_family when several
// families are filled at once: add_family's reference dies with the next push_back.
inline prometheus::MetricFamily make_family(std::string name, std::string help,
                                            prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

// Appends an empty family to `out` and returns it; the reference is valid until the next
// append to `out`. A family with no series is still rendered
// with its HELP/TYPE lines, which is harmless, but callers normally add at least one series.
inline prometheus::MetricFamily& add_family(std::vector<prometheus::MetricFamily>& out,
                                            std::string name, std::string help,
                                            prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  out.push_back(std::move(f));
  return out.back();
}

inline void add_gauge(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

// For gauges whose established names end in _sum or _count (kafka_exporter's
// kafka_consumergroup_lag_sum, Kafka's connection_count): Prometheus's linter reserves those
// suffixes for summaries and histograms except on untyped families, and queries do not care about
// the type, so they keep their names as untyped.
inline void add_untyped(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.untyped.value = value;
  family.metric.push_back(std::move(m));
}

inline void add_counter(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  family.metric.push_back(std::move(m));
}

// One unlabelled gauge family with a single series.
inline void add_single_gauge(std::vector<prometheus::MetricFamily>& out, std::string name,
                             std::string help, double value) {
  add_gauge(add_family(out, std::move(name), std::move(help), prometheus::MetricType::Gauge), {},
            value);
}

}  // namespace samsa::metrics
