#pragma once
// Scrape-time families about the log cleaner (compaction) and retention. The cleaner gauges keep
// Kafka's LogCleaner/LogCleanerManager names as jmx_exporter renders them
// (kafka_log_logcleaner_max_clean_time_secs, kafka_log_logcleaner_cleaner_recopy_percent); the
// rest is samsa_log_{cleaner,retention}_*: Kafka has no counters of what the cleaner and retention
// removed, and its time-since-last-run-ms becomes samsa_log_cleaner_since_last_run_seconds.
#include <prometheus/metric_family.h>

#include <cstdint>
#include <vector>

namespace samsa::metrics {

struct LogMaintenanceSample {
  // Cleaner.
  int cleaner_threads = 0;
  uint64_t cleaner_passes = 0;
  int64_t cleaner_bytes_read = 0;
  int64_t cleaner_bytes_written = 0;
  int64_t cleaner_records_read = 0;
  int64_t cleaner_records_kept = 0;
  double cleaner_last_pass_seconds = 0;
  double cleaner_last_recopy_percent = 0;
  double cleaner_ms_since_last_run = 0;
  // Retention.
  uint64_t retention_passes = 0;
  uint64_t retention_segments_deleted = 0;
  uint64_t retention_bytes_deleted = 0;
};

void collect_log_maintenance(const LogMaintenanceSample& sample,
                             std::vector<prometheus::MetricFamily>& out);

}  // namespace samsa::metrics
