#include "metrics/group_metrics.h"

#include <map>

#include "metrics/families.h"

namespace samsa::metrics {

void collect_groups(const std::vector<GroupSample>& groups,
                    std::vector<prometheus::MetricFamily>& out) {
  using prometheus::MetricType;
  auto members = make_family("kafka_consumergroup_members", "Members of the consumer group",
                             MetricType::Gauge);
  auto current = make_family("kafka_consumergroup_current_offset",
                             "Committed offset of the group on the partition", MetricType::Gauge);
  auto current_sum =
      make_family("kafka_consumergroup_current_offset_sum",
                  "Sum of the group's committed offsets over the topic", MetricType::Untyped);
  auto lag = make_family("kafka_consumergroup_lag",
                         "High watermark minus the group's committed offset (-1: no commit for "
                         "this partition)",
                         MetricType::Gauge);
  auto lag_sum =
      make_family("kafka_consumergroup_lag_sum",
                  "Sum of the group's lag over the topic's partitions", MetricType::Untyped);
  auto lag_seconds = make_family("samsa_consumergroup_lag_seconds",
                                 "Age of the first record the group has not consumed (0 without "
                                 "lag), from record timestamps",
                                 MetricType::Gauge);
  for (const auto& g : groups) {
    add_gauge(members, {{"consumergroup", g.group}}, static_cast<double>(g.members));
    struct Sums {
      int64_t current = 0;
      int64_t lag = 0;
      bool has_lag = false;
    };
    std::map<std::string, Sums> sums;
    for (const auto& p : g.partitions) {
      Labels labels{{"consumergroup", g.group},
                    {"partition", std::to_string(p.partition)},
                    {"topic", p.topic}};
      auto& s = sums[p.topic];
      add_gauge(current, labels, static_cast<double>(p.committed));
      s.current += p.committed;  // kafka_exporter sums the -1s too
      if (p.end_offset) {
        int64_t l = p.committed < 0 ? -1 : std::max<int64_t>(0, *p.end_offset - p.committed);
        add_gauge(lag, labels, static_cast<double>(l));
        if (l >= 0) s.lag += l;
        s.has_lag = true;
      }
      if (p.lag_seconds) add_gauge(lag_seconds, labels, *p.lag_seconds);
    }
    for (const auto& [topic, s] : sums) {
      Labels labels{{"consumergroup", g.group}, {"topic", topic}};
      add_untyped(current_sum, labels, static_cast<double>(s.current));
      if (s.has_lag) add_untyped(lag_sum, labels, static_cast<double>(s.lag));
    }
  }
  out.push_back(std::move(members));
  out.push_back(std::move(current));
  out.push_back(std::move(current_sum));
  out.push_back(std::move(lag));
  out.push_back(std::move(lag_sum));
  out.push_back(std::move(lag_seconds));
}

}  // namespace samsa::metrics
