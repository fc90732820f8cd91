#pragma once
// The Prometheus text exposition format (0.0.4), written straight into one string. It replaces
// prometheus-cpp's TextSerializer on the /metrics path: that one goes through std::ostream and
// printf-style float formatting per sample, which dominated a scrape of 1,000 partitions.
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace samsa::metrics {

// Same output as prometheus::TextSerializer, except that numbers use the shortest form that
// reads back exactly (std::to_chars) and timestamps are never written.
std::string serialize_text(const std::vector<prometheus::MetricFamily>& families);

}  // namespace samsa::metrics
