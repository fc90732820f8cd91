// The scrape-time families: partitions and replica manager, controller, groups, process.
#include <gtest/gtest.h>

#include <filesystem>

#include "metrics/group_metrics.h"
#include "metrics/network_metrics.h"
#include "metrics/partition_metrics.h"
#include "metrics/process_metrics.h"
#include "render.h"

namespace samsa::metrics {
namespace {

using testing::has_sample;
using testing::render;

PartitionSample partition(std::string topic, int32_t p, bool leader, int32_t replicas, int32_t isr,
                          int32_t min_isr) {
  PartitionSample s;
  s.topic = std::move(topic);
  s.partition = p;
  s.leader = leader;
  s.leader_id = leader ? 1 : 2;
  s.preferred_leader = 1;
  s.replicas = replicas;
  s.isr = isr;
  s.min_isr = min_isr;
  s.log_size = 1000 + p;
  s.log_start_offset = 10;
  s.log_end_offset = 50;
  s.high_watermark = 45;
  s.segments = 2;
  return s;
}

TEST(ReplicaManagerFamilies, LeaderCountIsPresentWithNoPartitions) {
  std::vector<prometheus::MetricFamily> out;
  collect_replica_manager({}, out);
  const std::string text = render(out);
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_leadercount", "0"));
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_partitioncount", "0"));
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_isrshrinks_total", "0"));
}

TEST(ReplicaManagerFamilies, CountsAndPerPartitionSeries) {
  ReplicaManagerSample sample;
  sample.partitions.push_back(partition("a", 0, true, 3, 3, 2));   // healthy
  sample.partitions.push_back(partition("a", 1, true, 3, 2, 2));   // under-replicated, at min
  sample.partitions.push_back(partition("a", 2, true, 3, 1, 2));   // under min ISR
  sample.partitions.push_back(partition("b", 0, false, 3, 3, 2));  // follower replica
  std::vector<prometheus::MetricFamily> out;
  collect_replica_manager(sample, out);
  const std::string text = render(out);
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_partitioncount", "4"));
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_leadercount", "3"));
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_underreplicatedpartitions", "2"));
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_underminisrpartitioncount", "1"));
  EXPECT_TRUE(has_sample(text, "kafka_server_replicamanager_atminisrpartitioncount", "1"));
  // Log gauges for every local replica, follower included.
  EXPECT_TRUE(has_sample(text, "kafka_log_log_size{partition=\"0\",topic=\"b\"}", "1000"));
  EXPECT_TRUE(has_sample(text, "kafka_log_log_logendoffset{partition=\"2\",topic=\"a\"}", "50"));
  EXPECT_TRUE(has_sample(text, "kafka_log_log_logstartoffset{partition=\"2\",topic=\"a\"}", "10"));
  // kafka_exporter's partition series only from the leader.
  EXPECT_TRUE(
      has_sample(text, "kafka_topic_partition_current_offset{partition=\"1\",topic=\"a\"}", "45"));
  EXPECT_TRUE(
      has_sample(text, "kafka_topic_partition_oldest_offset{partition=\"1\",topic=\"a\"}", "10"));
  EXPECT_EQ(text.find("kafka_topic_partition_current_offset{partition=\"0\",topic=\"b\"}"),
            std::string::npos);
  EXPECT_TRUE(
      has_sample(text, "kafka_cluster_partition_underminisr{partition=\"2\",topic=\"a\"}", "1"));
  EXPECT_TRUE(
      has_sample(text, "kafka_cluster_partition_atminisr{partition=\"1\",topic=\"a\"}", "1"));
}

TEST(ControllerFamilies, OnlyTheActiveControllerReportsCounts) {
  ControllerSample sample;
  sample.brokers = 3;
  sample.offline_partitions = 1;
  sample.partitions_per_topic = {{"a", 3}, {"b", 5}};
  std::vector<prometheus::MetricFamily> out;
  collect_controller(sample, out);
  std::string text = render(out);
  EXPECT_TRUE(has_sample(text, "kafka_controller_kafkacontroller_activecontrollercount", "0"));
  EXPECT_TRUE(has_sample(text, "kafka_controller_kafkacontroller_globalpartitioncount", "0"));
  EXPECT_EQ(text.find("kafka_topic_partitions"), std::string::npos);

  sample.active = true;
  out.clear();
  collect_controller(sample, out);
  text = render(out);
  EXPECT_TRUE(has_sample(text, "kafka_controller_kafkacontroller_activecontrollercount", "1"));
  EXPECT_TRUE(has_sample(text, "kafka_controller_kafkacontroller_offlinepartitionscount", "1"));
  EXPECT_TRUE(has_sample(text, "kafka_controller_kafkacontroller_globaltopiccount", "2"));
  EXPECT_TRUE(has_sample(text, "kafka_controller_kafkacontroller_globalpartitioncount", "8"));
  EXPECT_TRUE(has_sample(text, "kafka_topic_partitions{topic=\"b\"}", "5"));
  EXPECT_TRUE(has_sample(text, "kafka_brokers", "3"));
}

TEST(GroupFamilies, KafkaExporterSemantics) {
  GroupSample g;
  g.group = "billing";
  g.members = 2;
  g.partitions.push_back({"orders", 0, 90, 100, 12.5});
  g.partitions.push_back({"orders", 1, 100, 100, 0.0});
  g.partitions.push_back({"orders", 2, -1, 40, std::nullopt});           // no commit here
  g.partitions.push_back({"remote", 0, 7, std::nullopt, std::nullopt});  // led elsewhere
  std::vector<prometheus::MetricFamily> out;
  collect_groups({g}, out);
  const std::string text = render(out);
  const std::string l = "{consumergroup=\"billing\",partition=\"";
  EXPECT_TRUE(has_sample(text, "kafka_consumergroup_members{consumergroup=\"billing\"}", "2"));
  EXPECT_TRUE(
      has_sample(text, "kafka_consumergroup_current_offset" + l + "0\",topic=\"orders\"}", "90"));
  EXPECT_TRUE(has_sample(text, "kafka_consumergroup_lag" + l + "0\",topic=\"orders\"}", "10"));
  EXPECT_TRUE(has_sample(text, "kafka_consumergroup_lag" + l + "2\",topic=\"orders\"}", "-1"));
  EXPECT_TRUE(has_sample(
      text, "kafka_consumergroup_lag_sum{consumergroup=\"billing\",topic=\"orders\"}", "10"));
  // kafka_exporter adds the -1 of an uncommitted partition into the offset sum.
  EXPECT_TRUE(has_sample(
      text, "kafka_consumergroup_current_offset_sum{consumergroup=\"billing\",topic=\"orders\"}",
      "189"));
  EXPECT_TRUE(
      has_sample(text, "samsa_consumergroup_lag_seconds" + l + "0\",topic=\"orders\"}", "12.5"));
  // No high watermark known: current offset only.
  EXPECT_TRUE(
      has_sample(text, "kafka_consumergroup_current_offset" + l + "0\",topic=\"remote\"}", "7"));
  EXPECT_EQ(text.find("kafka_consumergroup_lag" + l + "0\",topic=\"remote\"}"), std::string::npos);
}

TEST(NetworkMetrics, IdleFractionsAndConnections) {
  auto idle = NetworkMetrics::idle_fractions({1.0, 2.0}, {1.25, 3.5}, 1.0);
  ASSERT_EQ(idle.size(), 2u);
  EXPECT_DOUBLE_EQ(idle[0], 0.75);
  EXPECT_DOUBLE_EQ(idle[1], 0.0);  // clamped: more CPU than wall time cannot be below 0 idle
  NetworkMetrics m;
  auto& c = m.connections("PLAINTEXT", 1);
  c.open += 2;
  c.created += 3;
  c.closed += 1;
  EXPECT_EQ(&c, &m.connections("PLAINTEXT", 1));
  double cpu = 0;
  m.set_cpu_source([&cpu] { return std::vector<double>{cpu}; });
  const std::string text = render(m.Collect());
  EXPECT_TRUE(
      has_sample(text,
                 "kafka_server_socket_server_metrics_connection_count{listener=\"PLAINTEXT\","
                 "network_processor=\"1\"}",
                 "2"));
  EXPECT_TRUE(has_sample(text, "kafka_network_socketserver_networkprocessoravgidle_percent", "1"));
  EXPECT_NE(text.find("kafka_network_processor_idle_percent{network_processor=\"0\"}"),
            std::string::npos);
}

TEST(ProcessMetrics, ParsesProcStatWithAnAwkwardCommandName) {
  // Fields 14/15 utime/stime, 22 starttime, 23 vsize, 24 rss (pages).
  std::string stat = "42 (my (odd) name) S";
  for (int field = 4; field <= 30; ++field) {
    stat += " " + std::to_string(field == 14   ? 250
                                 : field == 15 ? 150
                                 : field == 22 ? 1000
                                 : field == 23 ? 8192000
                                 : field == 24 ? 100
                                               : 0);
  }
  auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'010);
  EXPECT_DOUBLE_EQ(s->virtual_bytes, 8192000);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 409600);
  EXPECT_FALSE(parse_proc_stat("garbage", 100, 4096, 0).has_value());
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2", 100, 4096, 0).has_value());
}

TEST(ProcessMetrics, ProcessDiskAndBuildFamilies) {
  const auto dir = std::filesystem::temp_directory_path();
  ProcessMetrics m("1.2.3", 7, {dir, dir / "samsa-no-such-dir-for-metrics-test"});
  m.set_cluster_id("abc");
  const std::string text = render(m.Collect());
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_virtual_memory_bytes ", "process_open_fds ", "process_max_fds ",
                           "process_start_time_seconds "}) {
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name;
  }
  EXPECT_NE(text.find("samsa_storage_disk_free_bytes{log_dir=\"" + dir.string() + "\"}"),
            std::string::npos);
  EXPECT_TRUE(has_sample(text, "kafka_log_logmanager_offlinelogdirectorycount", "1"));
  EXPECT_TRUE(has_sample(
      text, "samsa_build_info{cluster_id=\"abc\",node_id=\"7\",version=\"1.2.3\"}", "1"));
}

}  // namespace
}  // namespace samsa::metrics
