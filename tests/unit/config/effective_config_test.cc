// EffectiveConfig: the order in which a broker key is resolved at runtime (per-broker dynamic,
// cluster-wide dynamic, static, default), synonyms and their units, and the stored values Kafka
// ignores.
#include "config/effective_config.h"

#include <gtest/gtest.h>

namespace samsa::config {
namespace {

TEST(EffectiveConfig, PerBrokerOverClusterOverStaticOverDefault) {
  auto base = BrokerConfig::from_properties({{"log.cleaner.backoff.ms", "9000"}});
  DynamicLayer broker{{"log.cleaner.threads", "4"}};
  DynamicLayer cluster{{"log.cleaner.threads", "2"}, {"log.cleaner.backoff.ms", "500"}};

  EXPECT_EQ(EffectiveConfig(base, nullptr, nullptr).get_long("log.cleaner.backoff.ms"), 9000);
  EXPECT_EQ(EffectiveConfig(base, nullptr, nullptr).get_int("log.cleaner.threads"), 1);
  EffectiveConfig view(base, &broker, &cluster);
  EXPECT_EQ(view.get_int("log.cleaner.threads"), 4);
  EXPECT_EQ(view.get_long("log.cleaner.backoff.ms"), 500);  // cluster-wide beats static
  EXPECT_DOUBLE_EQ(view.get_double("log.cleaner.min.cleanable.ratio"), 0.5);  // default
  EXPECT_TRUE(view.get_bool("log.cleaner.enable"));

  auto layered = view.layered({"log.cleaner.threads"});
  ASSERT_EQ(layered.size(), 3u);
  EXPECT_EQ(layered[0].layer, Layer::kPerBroker);
  EXPECT_EQ(layered[1].layer, Layer::kClusterDefault);
  EXPECT_EQ(layered[2].layer, Layer::kDefault);
  EXPECT_THROW(view.get_int("no.such.key"), std::logic_error);
}

TEST(EffectiveConfig, SynonymsInKafkaOrderWithUnits) {
  // log.retention.ms <- log.retention.minutes <- log.retention.hours: every dynamic value of the
  // three comes before any static one.
  auto base = BrokerConfig::from_properties({{"log.retention.ms", "1000"}});
  DynamicLayer cluster{{"log.retention.ms", "7000"}};
  EXPECT_EQ(EffectiveConfig(base, nullptr, nullptr).get_long("log.retention.ms"), 1000);
  EXPECT_EQ(EffectiveConfig(base, nullptr, &cluster).get_long("log.retention.ms"), 7000);
  EXPECT_EQ(EffectiveConfig(base, nullptr, &cluster).topic_default("retention.ms"), "7000");

  auto hours = BrokerConfig::from_properties({{"log.retention.hours", "2"}});
  EffectiveConfig h(hours, nullptr, nullptr);
  EXPECT_EQ(h.get_long("log.retention.ms"), 2 * 3600 * 1000);
  EXPECT_EQ(h.topic_default("retention.ms"), std::to_string(2 * 3600 * 1000));
  auto forever = BrokerConfig::from_properties({{"log.retention.hours", "-5"}});
  EXPECT_EQ(EffectiveConfig(forever, nullptr, nullptr).topic_default("retention.ms"), "-1");
  // Topic defaults of other keys, and the topic key's own default when no synonym has a value.
  DynamicLayer policy{{"log.cleanup.policy", "compact,delete"}};
  EffectiveConfig p(hours, nullptr, &policy);
  EXPECT_EQ(p.topic_default("cleanup.policy"), "compact,delete");
  EXPECT_EQ(p.topic_default("leader.replication.throttled.replicas"), "");
}

TEST(EffectiveConfig, IgnoresValuesAKeyCannotHaveAtThatLevel) {
  auto base = BrokerConfig::from_properties({});
  // Read-only keys (log.retention.hours is read-only in Kafka) and per-broker keys in the
  // cluster-wide layer are skipped, as Kafka skips them; so is a value that does not parse.
  DynamicLayer cluster{{"log.retention.hours", "1"},
                       {"listeners", "PLAINTEXT://:1"},
                       {"log.cleaner.threads", "many"}};
  DynamicLayer broker{{"node.id", "9"}, {"listeners", "PLAINTEXT://:2"}};
  EffectiveConfig view(base, &broker, &cluster);
  EXPECT_EQ(view.get_long("log.retention.hours"), 168);
  EXPECT_EQ(view.topic_default("retention.ms"), "604800000");
  EXPECT_EQ(view.get_int("node.id"), 1);
  EXPECT_EQ(view.get_int("log.cleaner.threads"), 1);
  auto listeners = view.layered({"listeners"});
  ASSERT_EQ(listeners.size(), 2u);
  EXPECT_EQ(listeners[0].value, "PLAINTEXT://:2");
  EXPECT_EQ(listeners[0].layer, Layer::kPerBroker);
  EXPECT_EQ(listeners[1].layer, Layer::kDefault);
}

}  // namespace
}  // namespace samsa::config

namespace samsa::config {
namespace {

TEST(EffectiveConfig, ReloadedFileValuesReplaceTheStaticLayerOfRuntimeKeysOnly) {
  auto base = BrokerConfig::from_properties(
      {{"log.cleaner.backoff.ms", "9000"}, {"max.connections", "100"}, {"num.partitions", "2"}});
  auto fresh = BrokerConfig::from_properties({{"max.connections", "7"}, {"num.partitions", "5"}});
  const auto restart = base.reload_from(fresh);
  // num.partitions is read-only: reported, and the running value stays.
  EXPECT_EQ(restart, std::vector<std::string>{"num.partitions"});
  EffectiveConfig view(base, nullptr, nullptr);
  EXPECT_EQ(view.get_int("max.connections"), 7);
  EXPECT_EQ(view.get_int("num.partitions"), 2);
  // No longer in the file: back to the default, reported as such.
  EXPECT_EQ(view.get_long("log.cleaner.backoff.ms"), 15000);
  EXPECT_EQ(view.layered({"log.cleaner.backoff.ms"}).front().layer, Layer::kDefault);
  EXPECT_EQ(view.layered({"max.connections"}).front().layer, Layer::kStatic);
  // Dynamic configs still win over the reloaded file.
  DynamicLayer cluster{{"max.connections", "50"}};
  EXPECT_EQ(EffectiveConfig(base, nullptr, &cluster).get_int("max.connections"), 50);
  // A later reload is computed against the startup config again, so reverting works.
  base.reload_from(BrokerConfig::from_properties(
      {{"log.cleaner.backoff.ms", "9000"}, {"max.connections", "100"}, {"num.partitions", "2"}}));
  EXPECT_EQ(EffectiveConfig(base, nullptr, nullptr).get_int("max.connections"), 100);
  EXPECT_TRUE(base.reloaded()->values.empty());
  EXPECT_TRUE(base.reloaded()->removed.empty());
}

}  // namespace
}  // namespace samsa::config
