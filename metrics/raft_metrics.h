#pragma once
// Scrape-time families about the metadata quorum under Kafka's KRaft names, as the Strimzi
// jmx_exporter rules render RaftMetrics and the raft channel's network metrics:
// kafka_server_raftmetrics_{current_state{current_state},current_leader,current_vote,
// current_epoch,high_watermark,log_end_offset,commit_latency_avg,commit_latency_max,
// append_records_rate,fetch_records_rate} and kafka_server_raftchannelmetrics_{incoming_byte,
// outgoing_byte,request,response}_total. The broker fills the sample from the quorum.
#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

namespace samsa::metrics {

struct RaftSample {
  std::string state;  // leader, candidate, voted, follower, unattached
  int32_t leader = -1;
  int32_t voted_for = -1;
  int64_t epoch = 0;
  int64_t high_watermark = 0;
  int64_t log_end_offset = 0;
  double commit_latency_avg_ms = 0;
  double commit_latency_max_ms = 0;
  double append_records_rate = 0;
  double fetch_records_rate = 0;
  uint64_t incoming_bytes = 0;
  uint64_t outgoing_bytes = 0;
  uint64_t requests = 0;
  uint64_t responses = 0;
};

void collect_raft(const RaftSample& sample, std::vector<prometheus::MetricFamily>& out);

}  // namespace samsa::metrics
