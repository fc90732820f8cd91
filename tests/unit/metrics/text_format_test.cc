#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "metrics/families.h"

namespace samsa::metrics {
namespace {

TEST(TextFormat, EscapesAndFormatsNumbersAsPrometheusExpects) {
  std::vector<prometheus::MetricFamily> families;
  auto& g = add_family(families, "g", "help with \\ and\nnewline", prometheus::MetricType::Gauge);
  add_gauge(g, {{"a", "x\"y\\z\nw"}}, 12.5);
  add_gauge(g, {}, std::numeric_limits<double>::quiet_NaN());
  add_gauge(g, {{"b", "1"}}, -std::numeric_limits<double>::infinity());
  add_gauge(g, {{"c", "2"}}, 1e21);
  const std::string text = serialize_text(families);
  EXPECT_EQ(text,
            "# HELP g help with \\\\ and\\nnewline\n"
            "# TYPE g gauge\n"
            "g{a=\"x\\\"y\\\\z\\nw\"} 12.5\n"
            "g NaN\n"
            "g{b=\"1\"} -Inf\n"
            "g{c=\"2\"} 1e+21\n");
}

TEST(TextFormat, SummariesAndHistogramsExpandToTheirSeries) {
  std::vector<prometheus::MetricFamily> families;
  auto s = make_family("t_ms", "h", prometheus::MetricType::Summary);
  prometheus::ClientMetric m;
  m.label = {{"request", "Produce"}};
  m.summary.sample_count = 2;
  m.summary.sample_sum = 3.5;
  m.summary.quantile = {{0.5, 1}, {0.99, 2.5}};
  s.metric.push_back(m);
  families.push_back(std::move(s));
  auto h = make_family("d_seconds", "h", prometheus::MetricType::Histogram);
  prometheus::ClientMetric hm;
  hm.histogram.sample_count = 3;
  hm.histogram.sample_sum = 0.75;
  hm.histogram.bucket = {{1, 0.1}, {3, std::numeric_limits<double>::infinity()}};
  h.metric.push_back(hm);
  families.push_back(std::move(h));
  auto u = make_family("u_count", "h", prometheus::MetricType::Untyped);
  prometheus::ClientMetric um;
  um.untyped.value = 4;
  u.metric.push_back(um);
  families.push_back(std::move(u));
  EXPECT_EQ(serialize_text(families),
            "# HELP t_ms h\n# TYPE t_ms summary\n"
            "t_ms{request=\"Produce\",quantile=\"0.5\"} 1\n"
            "t_ms{request=\"Produce\",quantile=\"0.99\"} 2.5\n"
            "t_ms_sum{request=\"Produce\"} 3.5\n"
            "t_ms_count{request=\"Produce\"} 2\n"
            "# HELP d_seconds h\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{le=\"0.1\"} 1\n"
            "d_seconds_bucket{le=\"+Inf\"} 3\n"
            "d_seconds_sum 0.75\n"
            "d_seconds_count 3\n"
            "# HELP u_count h\n# TYPE u_count untyped\n"
            "u_count 4\n");
}

}  // namespace
}  // namespace samsa::metrics
