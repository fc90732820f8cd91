// The broker's metric collectors: the process and the Kafka data path at construction, the metadata
// quorum and the log cleaner and retention once they run (each needs its service to exist).
#include <chrono>

#include "broker/broker_app.h"
#include "metrics/families.h"
#include "metrics/log_maintenance_metrics.h"
#include "metrics/raft_metrics.h"
#include "protocol/error_codes.h"
#include "protocol/messages/api_registry.h"
#include "server/api_table.h"
#include "server/metrics_sources.h"

namespace samsa::broker {

void BrokerApp::register_process_metrics() {
  process_metrics_ = std::make_shared<metrics::ProcessMetrics>(SAMSA_VERSION, node_id_, log_dirs_);
  metrics_.add_collector(process_metrics_);
  metrics_.add_collector(std::make_shared<metrics::FunctionCollector>(
      [this](std::vector<prometheus::MetricFamily>& out) {
        // Kafka's BrokerState: STARTING 1, RUNNING 3, SHUTTING_DOWN 7.
        const bool ready = readiness_.ready();
        const bool stopping = !ready && readiness_.reason() == "broker is shutting down";
        metrics::add_single_gauge(out, "kafka_server_kafkaserver_brokerstate",
                                  "Broker state (1 starting, 3 running, 7 shutting down)",
                                  ready      ? 3
                                  : stopping ? 7
                                             : 1);
        auto& malformed = metrics::add_family(
            out, "samsa_kafka_malformed_requests_total",
            "Kafka requests refused as malformed (bad size, unknown API or version, undecodable "
            "body); each closes its connection",
            prometheus::MetricType::Counter);
        metrics::add_counter(malformed, {}, static_cast<double>(stats_.malformed_requests.load()));
        auto& fetched = metrics::add_family(
            out, "samsa_kafka_fetch_record_bytes_total",
            "Record bytes sent in fetch responses, by path: sendfile from the segment file, or "
            "copied through memory (small slices, or a listener that must see the bytes)",
            prometheus::MetricType::Counter);
        metrics::add_counter(fetched, {{"path", "sendfile"}},
                             static_cast<double>(stats_.fetch_bytes_sendfile.load()));
        metrics::add_counter(fetched, {{"path", "copy"}},
                             static_cast<double>(stats_.fetch_bytes_copied.load()));
      }));
}

void BrokerApp::register_service_metrics() {
  kafka_metrics_ = std::make_unique<metrics::KafkaMetrics>(
      metrics_,
      [](int16_t key) {
        // Only APIs we serve, so a client sending arbitrary keys cannot add series.
        const protocol::ApiInfo* api = server::find_api(key) ? protocol::find_api(key) : nullptr;
        return api ? std::string(api->name) : std::string();
      },
      [](int16_t code) { return std::string(protocol::error_name(code)); });
  kafka_metrics_->topics->set_topic_list([this] {
    auto image = controller_->image();
    std::vector<std::string> names;
    names.reserve(image->topics().size());
    for (const auto& [name, topic] : image->topics()) names.push_back(name);
    return names;
  });
  services_->metrics = kafka_metrics_.get();
  produce_->set_metrics(kafka_metrics_->topics.get());
  server::MetricsSources sources;
  sources.node_id = node_id_;
  sources.topics = topics_.get();
  sources.partitions = partitions_.get();
  sources.groups = groups_.get();
  server::register_metrics_collectors(metrics_, sources);
}

void BrokerApp::register_quorum_metrics() {
  // Registered once the quorum exists; the admin HTTP server (which scrapes) stops before it.
  cluster::MetadataQuorum* quorum = &controller_->quorum();
  metrics_.add_collector(std::make_shared<metrics::FunctionCollector>(
      [quorum](std::vector<prometheus::MetricFamily>& out) {
        const cluster::QuorumStatus q = quorum->status();
        metrics::RaftSample s;
        s.state = q.state;
        s.leader = q.leader;
        s.voted_for = q.voted_for;
        s.epoch = q.epoch;
        s.high_watermark = q.high_watermark;
        s.log_end_offset = q.log_end_offset;
        s.commit_latency_avg_ms = q.commit_latency_avg_ms;
        s.commit_latency_max_ms = q.commit_latency_max_ms;
        s.append_records_rate = q.append_records_rate;
        s.fetch_records_rate = q.fetch_records_rate;
        s.incoming_bytes = q.incoming_bytes;
        s.outgoing_bytes = q.outgoing_bytes;
        s.requests = q.requests_sent;
        s.responses = q.responses_received;
        metrics::collect_raft(s, out);
      }));
}

void BrokerApp::register_log_maintenance_metrics() {
  storage::LogCleaner* cleaner = cleaner_.get();
  server::PartitionManager* partitions = partitions_.get();
  const auto started = std::chrono::system_clock::now();
  metrics_.add_collector(std::make_shared<metrics::FunctionCollector>(
      [cleaner, partitions, started](std::vector<prometheus::MetricFamily>& out) {
        const auto c = cleaner->totals();
        const auto r = partitions->retention_totals();
        const auto now = std::chrono::system_clock::now();
        const double since_start = std::chrono::duration<double, std::milli>(now - started).count();
        const double now_ms =
            std::chrono::duration<double, std::milli>(now.time_since_epoch()).count();
        metrics::LogMaintenanceSample s;
        s.cleaner_threads = cleaner->running_threads();
        s.cleaner_passes = c.passes;
        s.cleaner_bytes_read = c.bytes_read;
        s.cleaner_bytes_written = c.bytes_written;
        s.cleaner_records_read = c.records_read;
        s.cleaner_records_kept = c.records_kept;
        s.cleaner_last_pass_seconds = c.last_pass_seconds;
        s.cleaner_last_recopy_percent = c.last_recopy_percent;
        s.cleaner_ms_since_last_run =
            c.last_pass_end_ms > 0 ? now_ms - static_cast<double>(c.last_pass_end_ms) : since_start;
        s.retention_passes = r.passes;
        s.retention_segments_deleted = r.segments_deleted;
        s.retention_bytes_deleted = r.bytes_deleted;
        metrics::collect_log_maintenance(s, out);
      }));
}

}  // namespace samsa::broker
