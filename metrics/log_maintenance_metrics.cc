#include "metrics/log_maintenance_metrics.h"

#include "metrics/families.h"

namespace samsa::metrics {

using prometheus::MetricType;

namespace {

void counter(std::vector<prometheus::MetricFamily>& out, const char* name, const char* help,
             double value) {
  add_counter(add_family(out, name, help, MetricType::Counter), {}, value);
}

}  // namespace

void collect_log_maintenance(const LogMaintenanceSample& s,
                             std::vector<prometheus::MetricFamily>& out) {
  add_single_gauge(out, "samsa_log_cleaner_threads", "Log cleaner threads running",
                   s.cleaner_threads);
  add_single_gauge(out, "kafka_log_logcleaner_max_clean_time_secs",
                   "Seconds the last cleaning pass took", s.cleaner_last_pass_seconds);
  add_single_gauge(out, "kafka_log_logcleaner_cleaner_recopy_percent",
                   "Bytes written as a percentage of bytes read by the last cleaning pass",
                   s.cleaner_last_recopy_percent);
  // Kafka's LogCleanerManager time-since-last-run-ms, in seconds: promtool refuses "_ms".
  add_single_gauge(out, "samsa_log_cleaner_since_last_run_seconds",
                   "Seconds since the last cleaning pass ended (since start before one)",
                   s.cleaner_ms_since_last_run / 1000.0);
  counter(out, "samsa_log_cleaner_passes_total", "Cleaning passes that compacted a log",
          static_cast<double>(s.cleaner_passes));
  counter(out, "samsa_log_cleaner_read_bytes_total", "Bytes read by the log cleaner",
          static_cast<double>(s.cleaner_bytes_read));
  counter(out, "samsa_log_cleaner_written_bytes_total", "Bytes written by the log cleaner",
          static_cast<double>(s.cleaner_bytes_written));
  counter(out, "samsa_log_cleaner_removed_records_total",
          "Records the log cleaner dropped (superseded keys and expired tombstones)",
          static_cast<double>(s.cleaner_records_read - s.cleaner_records_kept));
  counter(out, "samsa_log_retention_passes_total", "Retention passes over the local logs",
          static_cast<double>(s.retention_passes));
  counter(out, "samsa_log_retention_deleted_segments_total",
          "Segments deleted by retention (time, size or log start offset)",
          static_cast<double>(s.retention_segments_deleted));
  counter(out, "samsa_log_retention_deleted_bytes_total", "Bytes of segments deleted by retention",
          static_cast<double>(s.retention_bytes_deleted));
}

}  // namespace samsa::metrics
