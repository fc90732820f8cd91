// The scrape-time families of the metadata quorum (Kafka's RaftMetrics names) and of the log
// cleaner and retention.
#include <gtest/gtest.h>

#include "metrics/log_maintenance_metrics.h"
#include "metrics/raft_metrics.h"
#include "render.h"

namespace samsa::metrics {
namespace {

using testing::has_sample;
using testing::render;

TEST(RaftFamilies, KafkaNamesWithStateAsLabel) {
  RaftSample s;
  s.state = "leader";
  s.leader = 1;
  s.voted_for = 1;
  s.epoch = 4;
  s.high_watermark = 120;
  s.log_end_offset = 121;
  s.commit_latency_avg_ms = 2.5;
  s.requests = 9;
  std::vector<prometheus::MetricFamily> out;
  collect_raft(s, out);
  const std::string text = render(out);
  EXPECT_TRUE(
      has_sample(text, "kafka_server_raftmetrics_current_state{current_state=\"leader\"}", "1"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftmetrics_current_leader", "1"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftmetrics_current_epoch", "4"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftmetrics_high_watermark", "120"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftmetrics_log_end_offset", "121"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftmetrics_commit_latency_avg", "2.5"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftchannelmetrics_request_total", "9"));
  EXPECT_TRUE(has_sample(text, "kafka_server_raftchannelmetrics_incoming_byte_total", "0"));
}

TEST(LogMaintenanceFamilies, CleanerAndRetention) {
  LogMaintenanceSample s;
  s.cleaner_threads = 1;
  s.cleaner_passes = 3;
  s.cleaner_records_read = 100;
  s.cleaner_records_kept = 40;
  s.cleaner_last_pass_seconds = 0.25;
  s.cleaner_last_recopy_percent = 40;
  s.retention_segments_deleted = 2;
  s.retention_bytes_deleted = 2048;
  std::vector<prometheus::MetricFamily> out;
  collect_log_maintenance(s, out);
  const std::string text = render(out);
  EXPECT_TRUE(has_sample(text, "samsa_log_cleaner_removed_records_total", "60"));
  EXPECT_TRUE(has_sample(text, "samsa_log_cleaner_passes_total", "3"));
  EXPECT_TRUE(has_sample(text, "kafka_log_logcleaner_max_clean_time_secs", "0.25"));
  EXPECT_TRUE(has_sample(text, "kafka_log_logcleaner_cleaner_recopy_percent", "40"));
  EXPECT_TRUE(has_sample(text, "samsa_log_retention_deleted_segments_total", "2"));
  EXPECT_TRUE(has_sample(text, "samsa_log_retention_deleted_bytes_total", "2048"));
}

}  // namespace
}  // namespace samsa::metrics
