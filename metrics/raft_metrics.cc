#include "metrics/raft_metrics.h"

#include "metrics/families.h"

namespace samsa::metrics {

using prometheus::MetricType;

void collect_raft(const RaftSample& s, std::vector<prometheus::MetricFamily>& out) {
  // Kafka exposes current-state as a string; jmx_exporter turns it into a label on a 1-valued
  // series, and the KRaft dashboard reads it that way.
  add_gauge(add_family(out, "kafka_server_raftmetrics_current_state",
                       "This node's metadata-quorum state (label current_state), value 1",
                       MetricType::Gauge),
            {{"current_state", s.state}}, 1);
  add_single_gauge(out, "kafka_server_raftmetrics_current_leader",
                   "Id of the metadata quorum's current leader, -1 if unknown", s.leader);
  add_single_gauge(out, "kafka_server_raftmetrics_current_vote",
                   "Id this node voted for in the current epoch, -1 if none", s.voted_for);
  add_single_gauge(out, "kafka_server_raftmetrics_current_epoch",
                   "The metadata quorum's current epoch (raft term)", static_cast<double>(s.epoch));
  add_single_gauge(out, "kafka_server_raftmetrics_high_watermark",
                   "Committed offset (raft commit index) of the metadata log",
                   static_cast<double>(s.high_watermark));
  add_single_gauge(out, "kafka_server_raftmetrics_log_end_offset",
                   "Last offset (raft index) in this node's metadata log",
                   static_cast<double>(s.log_end_offset));
  add_single_gauge(out, "kafka_server_raftmetrics_commit_latency_avg",
                   "Average ms from proposing a metadata write to its commit, last 30 s",
                   s.commit_latency_avg_ms);
  add_single_gauge(out, "kafka_server_raftmetrics_commit_latency_max",
                   "Maximum ms from proposing a metadata write to its commit, last 30 s",
                   s.commit_latency_max_ms);
  add_single_gauge(out, "kafka_server_raftmetrics_append_records_rate",
                   "Metadata records appended by this node as leader per second, last 30 s",
                   s.append_records_rate);
  add_single_gauge(out, "kafka_server_raftmetrics_fetch_records_rate",
                   "Metadata records replicated to this node as follower per second, last 30 s",
                   s.fetch_records_rate);

  const struct {
    const char* name;
    const char* help;
    uint64_t value;
  } channel[] = {
      {"kafka_server_raftchannelmetrics_incoming_byte_total",
       "Bytes of raft messages received by the metadata quorum", s.incoming_bytes},
      {"kafka_server_raftchannelmetrics_outgoing_byte_total",
       "Bytes of raft messages sent by the metadata quorum", s.outgoing_bytes},
      {"kafka_server_raftchannelmetrics_request_total",
       "Raft requests (append, vote, snapshot, timeout-now) sent", s.requests},
      {"kafka_server_raftchannelmetrics_response_total", "Raft responses received", s.responses},
  };
  for (const auto& c : channel) {
    add_counter(add_family(out, c.name, c.help, MetricType::Counter), {},
                static_cast<double>(c.value));
  }
}

}  // namespace samsa::metrics
