// Runs the real producer and consumer loops against librdkafka's in-process mock cluster.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "perf_options.h"

namespace samsa::perf {
namespace {

TEST(MockRun, ProducerDeliversEveryRecord) {
  ProducerOptions o;
  o.mock = true;
  o.topic = "t";
  o.partitions = 3;
  o.num_records = 5000;
  o.record_size = 512;
  o.timeout_ms = 30000;
  o.props = {{"acks", "1"}, {"linger.ms", "2"}};
  RunResult r = run_producer(o, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 5000u);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_GT(r.records_per_sec, 0);
  EXPECT_EQ(r.summary.rfind("5000 records sent, ", 0), 0u) << r.summary;
}

TEST(MockRun, ThrottleBoundsTheRate) {
  ProducerOptions o;
  o.mock = true;
  o.topic = "t";
  o.num_records = 300;
  o.record_size = 10;
  o.throughput = 1000;
  o.timeout_ms = 30000;
  o.props = {{"linger.ms", "0"}};
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = run_producer(o, nullptr);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GE(took, std::chrono::milliseconds(295));  // record 299 is due at 299 ms
  EXPECT_LT(r.records_per_sec, 1100);
}

TEST(MockRun, ConsumerAssignReadsFilledTopic) {
  ConsumerOptions o;
  o.mock = true;
  o.topic = "c";
  o.partitions = 4;
  o.messages = 3000;
  o.record_size = 256;
  o.timeout_ms = 30000;
  RunResult r = run_consumer(o, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 3000u);
  EXPECT_NEAR(r.mb_per_sec / r.records_per_sec, 256.0 / (1024 * 1024), 1e-9);
}

TEST(MockRun, ConsumerRereadsWhenMockCannotRetainEverything) {
  // 100 KiB records: the mock keeps about 40 per partition, so 300 records take several passes.
  ConsumerOptions o;
  o.mock = true;
  o.topic = "wrap";
  o.partitions = 2;
  o.messages = 300;
  o.record_size = 100 * 1024;
  o.timeout_ms = 30000;
  RunResult r = run_consumer(o, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 300u);
  EXPECT_EQ(r.errors, 0u);
}

TEST(MockRun, ConsumerGroupSubscribeReadsFilledTopic) {
  ConsumerOptions o;
  o.mock = true;
  o.topic = "g";
  o.partitions = 2;
  o.messages = 1000;
  o.record_size = 100;
  o.group = "perf-group";
  o.timeout_ms = 30000;
  RunResult r = run_consumer(o, nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 1000u);
}

TEST(MockRun, GroupMemberLogsRebalancesAndStopsWhenIdle) {
  // A mock cluster of our own, filled once: with --mock the consumer would re-read forever.
  std::string err;
  auto mock = MockCluster::create(1, err);
  ASSERT_TRUE(mock && mock->create_topic("idle", 2, err)) << err;
  ProducerOptions p;
  p.bootstrap = mock->bootstraps();
  p.topic = "idle";
  p.num_records = 500;
  p.record_size = 100;
  p.spread_partitions = 2;
  p.timeout_ms = 30000;
  ASSERT_TRUE(run_producer(p, nullptr).ok);

  ConsumerOptions o;
  o.bootstrap = mock->bootstraps();
  o.topic = "idle";
  o.messages = 1000000;  // an upper bound only: the idle exit ends the run
  o.group = "idle-group";
  o.idle_exit_ms = 1500;
  o.timeout_ms = 60000;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = run_consumer(o, out);
  auto took = std::chrono::steady_clock::now() - t0;
  std::rewind(out);
  std::string text;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, out)) text.append(buf, n);
  std::fclose(out);
  ASSERT_TRUE(r.ok) << r.error << "\n" << text;
  EXPECT_LT(took, std::chrono::seconds(40)) << "the idle exit did not end the run";
  EXPECT_EQ(r.records, 500u);
  EXPECT_NE(text.find("rebalance: assigned at "), std::string::npos) << text;
  EXPECT_NE(text.find(", assignment now: 0,1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rebalance: consuming at "), std::string::npos) << text;
  EXPECT_NE(text.find("window: first record at "), std::string::npos) << text;
}

TEST(MockRun, UnreachableBrokerFailsWithinTimeout) {
  ProducerOptions o;
  o.bootstrap = "127.0.0.1:1";  // nothing listens on port 1
  o.topic = "t";
  o.num_records = 10;
  o.timeout_ms = 1500;
  o.props = {{"log_level", "0"}};
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = run_producer(o, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.records, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));

  ConsumerOptions c;
  c.bootstrap = "127.0.0.1:1";
  c.topic = "t";
  c.messages = 10;
  c.timeout_ms = 1500;
  c.props = {{"log_level", "0"}};
  RunResult rc = run_consumer(c, nullptr);
  EXPECT_FALSE(rc.ok);
}

TEST(MockRun, OversizedMockFillIsRefusedBeforeAllocating) {
  ConsumerOptions o;
  o.mock = true;
  o.topic = "big";
  o.messages = 1ull << 40;
  o.record_size = 1024;
  RunResult r = run_consumer(o, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("too large"), std::string::npos);
}

}  // namespace
}  // namespace samsa::perf

namespace samsa::perf {
namespace {

TEST(MockTopic, EnsureTopicAcceptsExistingTopicWithoutController) {
  // The mock cluster has no controller for CreateTopics, so this passes only if an existing topic
  // is found by the metadata look-up first.
  std::string err;
  auto mock = MockCluster::create(1, err);
  ASSERT_TRUE(mock) << err;
  ASSERT_TRUE(mock->create_topic("existing", 3, err)) << err;
  auto conf = make_conf({{"bootstrap.servers", mock->bootstraps()}}, {}, err);
  ASSERT_TRUE(conf) << err;
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(conf), err);
  ASSERT_TRUE(rk) << err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  EXPECT_TRUE(ensure_topic(rk.get(), "existing", 6, 1, deadline, err)) << err;
  EXPECT_EQ(wait_for_topic(rk.get(), "existing", 3, deadline, err), 3) << err;
  auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  EXPECT_EQ(wait_for_topic(rk.get(), "existing", 4, soon, err), -1);
  EXPECT_NE(err.find("3 of 4 partitions"), std::string::npos) << err;
}

}  // namespace
}  // namespace samsa::perf
