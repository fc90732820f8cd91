// ConfigService against a real single-node metadata quorum: describe sources and synonyms,
// incremental and replace-all alteration, validation, validate_only, broker dynamic scopes, and
// configs reaching the local logs without a restart.
#include "server/config_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "server/dynamic_broker_config.h"
#include "server/partition_manager.h"

namespace samsa::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

template <typename T>
T wait_for(std::future<T>& f) {
  if (f.wait_for(10s) != std::future_status::ready) throw std::runtime_error("callback timed out");
  return f.get();
}

class ConfigServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "samsa-configs-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_ = std::make_unique<config::BrokerConfig>(config::BrokerConfig::from_properties(
        {{"log.dirs", (dir_ / "data").string()}, {"log.segment.bytes", "2097152"}}));
    cluster::QuorumOptions q;
    q.node_id = 1;
    q.data_dir = dir_ / "meta";
    q.listen_address = "127.0.0.1:" + std::to_string(free_port());
    q.cluster_id = "test-cluster-id";
    q.start_timeout_ms = 15000;
    controller_ = cluster::start_controller(q, cluster::ControllerOptions{});
    std::promise<int16_t> reg;
    auto rf = reg.get_future();
    controller_->register_broker({1, "127.0.0.1", 9092, std::nullopt, false, {}},
                                 [&](int16_t e) { reg.set_value(e); });
    ASSERT_EQ(wait_for(rf), 0);
    logs_ = std::make_unique<storage::LogManager>(std::vector<fs::path>{dir_ / "data"},
                                                  "test-cluster-id", 1, storage::LogConfig{});
    partitions_ = std::make_unique<PartitionManager>(*logs_, *config_, 1);
    publisher_ = std::make_unique<cluster::MetadataPublisher>();
    controller_->on_image_change(
        [p = publisher_.get()](std::shared_ptr<const cluster::MetadataImage> image) {
          p->offer(std::move(image));
        });
    partitions_->apply_image(*controller_->image());
    publisher_->subscribe("partitions", [this](const cluster::MetadataImage& image) {
      partitions_->apply_image(image);
    });
    publisher_->start(controller_->image());
    service_ = std::make_unique<ConfigService>(*controller_, *publisher_, *config_, 1);

    cluster::CreateTopicRequest t;
    t.name = "t";
    t.num_partitions = 1;
    t.configs["retention.ms"] = "3600000";
    std::promise<std::vector<cluster::TopicResult>> created;
    auto cf = created.get_future();
    controller_->create_topics({t}, false, [&](auto r) { created.set_value(std::move(r)); });
    ASSERT_EQ(wait_for(cf).at(0).error_code, 0);
    partitions_->apply_image(*controller_->image());
  }

  void TearDown() override {
    publisher_->stop();
    controller_->stop();
    partitions_.reset();
    service_.reset();
    controller_.reset();
    logs_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  ConfigResults alter(std::vector<AlterResource> r, bool incremental, bool validate_only = false) {
    std::promise<ConfigResults> p;
    auto f = p.get_future();
    service_->alter(std::move(r), incremental, validate_only,
                    [&](ConfigResults out) { p.set_value(std::move(out)); });
    return wait_for(f);
  }
  cluster::ConfigResult alter_topic(std::vector<ConfigOp> ops, bool incremental = true,
                                    bool validate_only = false) {
    return alter({{cluster::kResourceTopic, "t", std::move(ops)}}, incremental, validate_only)
        .at(0);
  }
  DescribedConfig describe(int8_t type, const std::string& name, const std::string& key) {
    auto r = service_->describe(type, name, std::vector<std::string>{key}, true, true);
    EXPECT_EQ(r.error_code, 0) << r.error_message;
    EXPECT_EQ(r.configs.size(), 1u);
    return r.configs.empty() ? DescribedConfig{} : r.configs.front();
  }

  fs::path dir_;
  std::unique_ptr<config::BrokerConfig> config_;
  std::unique_ptr<cluster::Controller> controller_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<PartitionManager> partitions_;
  std::unique_ptr<cluster::MetadataPublisher> publisher_;
  std::unique_ptr<ConfigService> service_;
};

TEST_F(ConfigServiceTest, DescribesTopicSourcesAndSynonymsInKafkaOrder) {
  auto all = service_->describe(cluster::kResourceTopic, "t", std::nullopt, false, false);
  EXPECT_EQ(all.configs.size(), config::topic_config_defs().size());

  auto retention = describe(cluster::kResourceTopic, "t", "retention.ms");
  EXPECT_EQ(retention.value, "3600000");
  EXPECT_EQ(retention.source, ConfigSource::kTopic);
  ASSERT_GE(retention.synonyms.size(), 2u);
  EXPECT_EQ(retention.synonyms[0].name, "retention.ms");
  EXPECT_EQ(retention.synonyms[1].name, "log.retention.hours");
  EXPECT_EQ(retention.synonyms[1].value, "168");
  EXPECT_EQ(retention.synonyms[1].source, ConfigSource::kDefault);
  EXPECT_EQ(retention.type, 5);  // LONG
  EXPECT_FALSE(retention.documentation.empty());

  auto segment = describe(cluster::kResourceTopic, "t", "segment.bytes");
  EXPECT_EQ(segment.value, "2097152");
  EXPECT_EQ(segment.source, ConfigSource::kStaticBroker);

  auto missing = service_->describe(cluster::kResourceTopic, "nope", std::nullopt, false, false);
  EXPECT_EQ(missing.error_code, 3);
}

TEST_F(ConfigServiceTest, IncrementalOpsAndValidation) {
  EXPECT_EQ(alter_topic({{"cleanup.policy", AlterOp::kAppend, "compact"}}).error_code, 0);
  EXPECT_EQ(describe(cluster::kResourceTopic, "t", "cleanup.policy").value, "delete,compact");
  EXPECT_EQ(alter_topic({{"cleanup.policy", AlterOp::kSubtract, "delete"}}).error_code, 0);
  EXPECT_EQ(describe(cluster::kResourceTopic, "t", "cleanup.policy").value, "compact");

  auto bad = alter_topic({{"cleanup.policy", AlterOp::kSet, "sometimes"}});
  EXPECT_EQ(bad.error_code, 40);
  EXPECT_NE(bad.error_message.find("cleanup.policy"), std::string::npos) << bad.error_message;
  auto not_list = alter_topic({{"retention.ms", AlterOp::kAppend, "5"}});
  EXPECT_EQ(not_list.error_code, 40);
  EXPECT_EQ(alter_topic({{"no.such.key", AlterOp::kSet, "1"}}).error_code, 40);
  EXPECT_EQ(alter_topic({{"retention.ms", AlterOp::kSet, "1"},
                         {"retention.ms", AlterOp::kDelete, std::nullopt}})
                .error_code,
            42);

  // validate_only checks but changes nothing.
  EXPECT_EQ(alter_topic({{"retention.ms", AlterOp::kSet, "1000"}}, true, true).error_code, 0);
  EXPECT_EQ(describe(cluster::kResourceTopic, "t", "retention.ms").value, "3600000");

  EXPECT_EQ(alter_topic({{"retention.ms", AlterOp::kDelete, std::nullopt}}).error_code, 0);
  auto deleted = describe(cluster::kResourceTopic, "t", "retention.ms");
  EXPECT_EQ(deleted.value, "604800000");  // 168 hours
  EXPECT_EQ(deleted.source, ConfigSource::kDefault);
}

TEST_F(ConfigServiceTest, AlterConfigsReplacesAllOverridesAndReachesTheLog) {
  auto r = alter_topic({{"segment.ms", AlterOp::kSet, "60000"}}, false);
  EXPECT_EQ(r.error_code, 0) << r.error_message;
  const auto* topic = controller_->image()->topic("t");
  ASSERT_NE(topic, nullptr);
  EXPECT_EQ(topic->configs.size(), 1u);  // retention.ms override gone
  EXPECT_EQ(topic->configs.at("segment.ms"), "60000");
  auto p = partitions_->get("t", 0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->log().config().segment_ms, 60000);
}

TEST_F(ConfigServiceTest, BrokerDynamicConfigs) {
  // Cluster-wide default of a topic-default key: in force for topics without an override.
  auto ok = alter(
      {{cluster::kResourceBroker, "", {{"log.segment.bytes", AlterOp::kSet, "1048576"}}}}, true);
  ASSERT_EQ(ok.at(0).error_code, 0) << ok.at(0).error_message;
  auto segment = describe(cluster::kResourceTopic, "t", "segment.bytes");
  EXPECT_EQ(segment.value, "1048576");
  EXPECT_EQ(segment.source, ConfigSource::kDynamicDefaultBroker);
  ASSERT_GE(segment.synonyms.size(), 2u);
  EXPECT_EQ(segment.synonyms[1].source, ConfigSource::kStaticBroker);
  EXPECT_EQ(partitions_->get("t", 0)->log().config().segment_bytes, 1048576);

  // Per-broker beats cluster-wide.
  ok = alter({{cluster::kResourceBroker, "1", {{"log.segment.bytes", AlterOp::kSet, "3145728"}}}},
             true);
  ASSERT_EQ(ok.at(0).error_code, 0);
  auto broker = describe(cluster::kResourceBroker, "1", "log.segment.bytes");
  EXPECT_EQ(broker.value, "3145728");
  EXPECT_EQ(broker.source, ConfigSource::kDynamicBroker);
  EXPECT_FALSE(broker.read_only);
  auto defaults = service_->describe(cluster::kResourceBroker, "", std::nullopt, false, false);
  ASSERT_EQ(defaults.configs.size(), 1u);
  EXPECT_EQ(defaults.configs[0].source, ConfigSource::kDynamicDefaultBroker);

  // Kafka answers failed broker-config validation with INVALID_REQUEST (42), not INVALID_CONFIG.
  auto ro = alter({{cluster::kResourceBroker, "", {{"node.id", AlterOp::kSet, "2"}}}}, true);
  EXPECT_EQ(ro.at(0).error_code, 42);
  EXPECT_EQ(ro.at(0).error_message, "Cannot update these configs dynamically: Set(node.id)");
  EXPECT_TRUE(describe(cluster::kResourceBroker, "1", "node.id").read_only);
  // Kafka's classification: hours/minutes synonyms are read-only, the .ms keys cluster-wide.
  auto hours =
      alter({{cluster::kResourceBroker, "", {{"log.retention.hours", AlterOp::kSet, "1"}}}}, true);
  EXPECT_EQ(hours.at(0).error_code, 42);
  EXPECT_TRUE(describe(cluster::kResourceBroker, "1", "log.retention.hours").read_only);
  EXPECT_FALSE(describe(cluster::kResourceBroker, "1", "log.retention.ms").read_only);
  auto per_broker = alter(
      {{cluster::kResourceBroker, "", {{"listeners", AlterOp::kSet, "PLAINTEXT://:1"}}}}, true);
  EXPECT_EQ(per_broker.at(0).error_code, 42);
  auto bad =
      alter({{cluster::kResourceBroker, "", {{"log.segment.bytes", AlterOp::kSet, "x"}}}}, true);
  EXPECT_EQ(bad.at(0).error_code, 42);
  // Another broker's configs are altered through that broker.
  auto other = alter(
      {{cluster::kResourceBroker, "7", {{"log.segment.bytes", AlterOp::kSet, "1048576"}}}}, true);
  EXPECT_EQ(other.at(0).error_code, 42);
  EXPECT_EQ(
      service_->describe(cluster::kResourceBroker, "7", std::nullopt, false, false).error_code, 42);
}

TEST_F(ConfigServiceTest, ThreadPoolsChangeByAtMostDoubleOrHalf) {
  auto set = [&](const std::string& resource, const std::string& key, const std::string& value) {
    return alter({{cluster::kResourceBroker, resource, {{key, AlterOp::kSet, value}}}}, true).at(0);
  };
  // log.cleaner.threads runs at 1 (the default): 2 is double, 3 is too many.
  auto r = set("", "log.cleaner.threads", "3");
  EXPECT_EQ(r.error_code, 42);
  EXPECT_EQ(r.error_message,
            "Log cleaner threads cannot be increased to more than double the current value 1");
  EXPECT_EQ(set("", "log.cleaner.threads", "0").error_message,
            "Log cleaner threads should be at least 1");
  EXPECT_EQ(set("", "log.cleaner.threads", "2").error_code, 0);
  EXPECT_EQ(set("1", "log.cleaner.threads", "4").error_code, 0);
  EXPECT_EQ(describe(cluster::kResourceBroker, "1", "log.cleaner.threads").value, "4");
  r = set("1", "log.cleaner.threads", "1");
  EXPECT_EQ(r.error_code, 42);
  EXPECT_NE(r.error_message.find("less than half the current value 4"), std::string::npos);
  // Deleting the per-broker value falls back to the cluster-wide 2: half of 4, accepted.
  auto del = alter(
      {{cluster::kResourceBroker, "1", {{"log.cleaner.threads", AlterOp::kDelete, std::nullopt}}}},
      true);
  EXPECT_EQ(del.at(0).error_code, 0) << del.at(0).error_message;
  auto threads = describe(cluster::kResourceBroker, "1", "log.cleaner.threads");
  EXPECT_EQ(threads.value, "2");
  EXPECT_EQ(threads.source, ConfigSource::kDynamicDefaultBroker);

  r = set("", "num.network.threads", "7");  // static default 3
  EXPECT_EQ(r.error_code, 42);
  EXPECT_NE(r.error_message.find("value should not be greater than double the current value 3"),
            std::string::npos)
      << r.error_message;
  EXPECT_EQ(set("", "num.network.threads", "6").error_code, 0);
}

TEST_F(ConfigServiceTest, DynamicBrokerConfigNotifiesOnlyOnChange) {
  // Shared with the quorum thread's listener, which outlives this test body.
  auto dynamic = std::make_shared<DynamicBrokerConfig>(*config_, 1);
  auto backoffs = std::make_shared<std::vector<int64_t>>();
  dynamic->subscribe<int64_t>(
      [](const config::EffectiveConfig& v) { return v.get_long("log.cleaner.backoff.ms"); },
      [backoffs](const int64_t& ms) { backoffs->push_back(ms); });
  controller_->on_image_change([dynamic](std::shared_ptr<const cluster::MetadataImage> image) {
    dynamic->apply_image(*image);
  });
  const auto before = controller_->image();
  dynamic->apply_image(*before);
  ASSERT_EQ(*backoffs, (std::vector<int64_t>{15000}));

  auto set = [&](const std::string& resource, const std::string& key, const std::string& value) {
    auto r = alter({{cluster::kResourceBroker, resource, {{key, AlterOp::kSet, value}}}}, true);
    ASSERT_EQ(r.at(0).error_code, 0) << r.at(0).error_message;
  };
  // The listener runs before the alteration is answered, so the change is in force by then.
  set("", "log.cleaner.backoff.ms", "500");
  EXPECT_EQ(*backoffs, (std::vector<int64_t>{15000, 500}));
  set("", "log.segment.bytes", "1048576");  // another key: no call
  EXPECT_EQ(backoffs->size(), 2u);
  set("1", "log.cleaner.backoff.ms", "100");  // per-broker wins over cluster-wide
  EXPECT_EQ(backoffs->back(), 100);
  // An older image arriving late (the startup call racing the quorum thread) is ignored.
  dynamic->apply_image(*before);
  EXPECT_EQ(backoffs->back(), 100);
  EXPECT_EQ(backoffs->size(), 3u);
}

TEST_F(ConfigServiceTest, DuplicateResourcesAreRefused) {
  auto r = alter({{cluster::kResourceTopic, "t", {{"retention.ms", AlterOp::kSet, "1"}}},
                  {cluster::kResourceTopic, "t", {{"retention.ms", AlterOp::kSet, "2"}}},
                  {cluster::kResourceTopic, "other", {{"retention.ms", AlterOp::kSet, "2"}}}},
                 true);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].error_code, 42);
  EXPECT_EQ(r[1].error_code, 42);
  EXPECT_EQ(r[2].error_code, 3);
}

}  // namespace
}  // namespace samsa::server
