#pragma once
// Consumer-group families in danielqsj/kafka_exporter's form, emitted by the group's coordinator
// only (each group is owned by exactly one broker, so sums across brokers stay right):
//   kafka_consumergroup_current_offset{consumergroup,topic,partition}
//   kafka_consumergroup_current_offset_sum{consumergroup,topic}
//   kafka_consumergroup_lag{consumergroup,topic,partition}
//   kafka_consumergroup_lag_sum{consumergroup,topic}
//   kafka_consumergroup_members{consumergroup}
// plus what no exporter can compute exactly, the age of the first unconsumed record:
//   samsa_consumergroup_lag_seconds{consumergroup,topic,partition}
#include <prometheus/metric_family.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samsa::metrics {

struct GroupPartitionSample {
  std::string topic;
  int32_t partition = 0;
  // -1 when the group has no commit for this partition but has for others of the topic
  // (kafka_exporter then reports a lag of -1, so it can be alerted on).
  int64_t committed = -1;
  // The partition's high watermark; nullopt when this broker does not lead the partition.
  std::optional<int64_t> end_offset;
  // Seconds since the first unconsumed record was written; 0 without lag; nullopt if unknown.
  std::optional<double> lag_seconds;
};

struct GroupSample {
  std::string group;
  int64_t members = 0;
  std::vector<GroupPartitionSample> partitions;  // grouped by topic
};

void collect_groups(const std::vector<GroupSample>& groups,
                    std::vector<prometheus::MetricFamily>& out);

}  // namespace samsa::metrics
