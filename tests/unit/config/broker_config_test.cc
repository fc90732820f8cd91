#include "config/broker_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace samsa::config {
namespace {

using ::testing::HasSubstr;
using Props = std::map<std::string, std::string>;

std::string error_of(const Props& props) {
  try {
    BrokerConfig::from_properties(props);
  } catch (const ConfigError& e) {
    return e.key + " | " + e.what();
  }
  return "";
}

TEST(BrokerConfig, EmbeddedDefaults) {
  auto c = BrokerConfig::from_properties({});
  EXPECT_EQ(c.node_id(), 1);
  EXPECT_EQ(c.get_list("process.roles"), (std::vector<std::string>{"broker", "controller"}));
  EXPECT_FALSE(c.has_value("cluster.id"));
  EXPECT_EQ(c.get_int("num.partitions"), 1);
  EXPECT_EQ(c.get_long("log.retention.hours"), 168);
  EXPECT_TRUE(c.get_bool("auto.create.topics.enable"));
  EXPECT_DOUBLE_EQ(c.get_double("log.cleaner.min.cleanable.ratio"), 0.5);
  EXPECT_EQ(c.get_long("log.flush.interval.messages"), std::numeric_limits<int64_t>::max());
  ASSERT_EQ(c.listeners().size(), 1u);
  EXPECT_EQ(c.listeners()[0].name, "PLAINTEXT");
  EXPECT_EQ(c.listeners()[0].security_protocol, "PLAINTEXT");
  EXPECT_EQ(c.listeners()[0].port, 9092);
  EXPECT_EQ(c.advertised_listeners()[0].host, "127.0.0.1");
  ASSERT_EQ(c.quorum_voters().size(), 1u);
  EXPECT_EQ(c.quorum_voters()[0].id, 1);
  EXPECT_EQ(c.quorum_voters()[0].port, 9093);
  EXPECT_EQ(c.log_dirs(), (std::vector<std::string>{"./data"}));
  EXPECT_EQ(c.metadata_log_dir(), "./data");
  ASSERT_EQ(c.admin_listeners().size(), 1u);
  EXPECT_EQ(c.admin_listeners()[0].port, 8090);
  EXPECT_TRUE(c.metrics_constant_labels().empty());
  EXPECT_EQ(c.get_string("log.level"), "info");
  EXPECT_FALSE(c.is_set("num.partitions"));
  EXPECT_TRUE(c.unknown_keys().empty());
}

TEST(BrokerConfig, SetValuesAndIsSet) {
  auto c = BrokerConfig::from_properties({{"num.partitions", " 6 "},
                                          {"log.dirs", "/a, /b"},
                                          {"metrics.constant.labels", "env=prod,dc=x"},
                                          {"ssl.key.password", "pw"}});
  EXPECT_TRUE(c.is_set("num.partitions"));
  EXPECT_EQ(c.get_int("num.partitions"), 6);
  EXPECT_EQ(c.log_dirs(), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(c.metadata_log_dir(), "/a");
  EXPECT_EQ(c.metrics_constant_labels().at("dc"), "x");
  EXPECT_EQ(c.get_string("ssl.key.password"), "pw");
  EXPECT_EQ(c.value_string("log.dirs"), "/a, /b");
  EXPECT_EQ(c.value_string("log.retention.ms"), std::nullopt);
}

TEST(BrokerConfig, UnknownKeysAreCollected) {
  auto c = BrokerConfig::from_properties(
      {{"zookeeper.connect", "x:2181"}, {"num.partitions", "2"}, {"retention.ms", "5"}});
  EXPECT_THAT(c.unknown_keys(),
              ::testing::UnorderedElementsAre("zookeeper.connect", "retention.ms"));
}

TEST(BrokerConfig, FirstBadKeyIsNamed) {
  EXPECT_THAT(error_of({{"num.io.threads", "0"}}), HasSubstr("num.io.threads |"));
  EXPECT_THAT(error_of({{"log.retention.minutes", "ten"}}), HasSubstr("log.retention.minutes"));
  EXPECT_THAT(error_of({{"message.max.bytes", "99999999999"}}), HasSubstr("message.max.bytes"));
}

TEST(BrokerConfig, AccessorMisuseIsLogicError) {
  auto c = BrokerConfig::from_properties({});
  EXPECT_THROW(c.get_int("no.such.key"), std::logic_error);
  EXPECT_THROW(c.is_set("retention.ms"), std::logic_error);  // topic key, not broker
  EXPECT_THROW(c.get_bool("num.partitions"), std::logic_error);
  EXPECT_THROW(c.get_int("log.retention.bytes"), std::logic_error);  // LONG
  EXPECT_THROW(c.get_long("log.retention.ms"), std::logic_error);    // no value
  EXPECT_THROW(c.get_string("num.partitions"), std::logic_error);
  EXPECT_EQ(c.get_long("num.partitions"), 1);  // INT widens
  EXPECT_THROW(c.topic_default("log.retention.ms"), std::logic_error);
}

TEST(BrokerConfig, BrokerIdAlias) {
  EXPECT_EQ(
      BrokerConfig::from_properties({{"broker.id", "7"}, {"controller.quorum.voters", "7@h:9093"}})
          .node_id(),
      7);
  EXPECT_EQ(BrokerConfig::from_properties({{"broker.id", "3"}, {"node.id", "3"}}).node_id(), 3);
  EXPECT_THAT(error_of({{"broker.id", "3"}, {"node.id", "4"}}), HasSubstr("node.id |"));
  // The default single-node quorum follows the alias.
  EXPECT_EQ(BrokerConfig::from_properties({{"broker.id", "5"}}).quorum_voters()[0].id, 5);
}

TEST(BrokerConfig, CrossKeyRules) {
  EXPECT_THAT(error_of({{"process.roles", ""}}), HasSubstr("process.roles"));
  EXPECT_THAT(error_of({{"process.roles", "broker"}}), HasSubstr("controller.quorum.voters"));
  EXPECT_NO_THROW(BrokerConfig::from_properties(
      {{"process.roles", "broker"}, {"controller.quorum.voters", "2@c:9093"}}));
  EXPECT_THAT(error_of({{"controller.quorum.voters", "2@c:9093,3@d:9093"}}),
              HasSubstr("not a voter"));
  EXPECT_THAT(error_of({{"listeners", "INTERNAL://:9092"}}), HasSubstr("INTERNAL"));
  EXPECT_NO_THROW(BrokerConfig::from_properties(
      {{"listeners", "INTERNAL://:9092"}, {"listener.security.protocol.map", "INTERNAL:SSL"}}));
  EXPECT_THAT(error_of({{"advertised.listeners", "SSL://h:9093"}}),
              HasSubstr("advertised.listeners |"));
  EXPECT_THAT(error_of({{"advertised.listeners", "PLAINTEXT://0.0.0.0:9092"}}),
              HasSubstr("non-routable"));
  EXPECT_THAT(error_of({{"inter.broker.listener.name", "REPL"}}),
              HasSubstr("inter.broker.listener.name"));
  EXPECT_THAT(
      error_of({{"group.min.session.timeout.ms", "10"}, {"group.max.session.timeout.ms", "5"}}),
      HasSubstr("group.min.session.timeout.ms"));
  EXPECT_THAT(error_of({{"metrics.constant.labels", "a=1,a=2"}}), HasSubstr("twice"));
  EXPECT_THAT(error_of({{"log.dirs", "/a,,/b"}}), HasSubstr("log.dirs"));
}

TEST(BrokerConfig, AdvertisedListenersResolve) {
  auto c = BrokerConfig::from_properties(
      {{"listeners", "PLAINTEXT://0.0.0.0:9092,ssl://:9093"},
       {"advertised.listeners", "PLAINTEXT://broker1.example:19092"}});
  ASSERT_EQ(c.listeners().size(), 2u);
  EXPECT_EQ(c.listeners()[1].name, "SSL");
  EXPECT_EQ(c.listeners()[1].security_protocol, "SSL");
  ASSERT_EQ(c.advertised_listeners().size(), 1u);
  EXPECT_EQ(c.advertised_listeners()[0].host, "broker1.example");
  EXPECT_EQ(c.advertised_listeners()[0].port, 19092);
}

TEST(BrokerConfig, RetentionSynonymPrecedence) {
  auto def = [](const Props& p) {
    return BrokerConfig::from_properties(p).topic_default("retention.ms");
  };
  EXPECT_EQ(def({}), "604800000");  // 168 hours
  EXPECT_EQ(def({{"log.retention.hours", "1"}}), "3600000");
  EXPECT_EQ(def({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}}), "120000");
  EXPECT_EQ(def({{"log.retention.hours", "1"},
                 {"log.retention.minutes", "2"},
                 {"log.retention.ms", "5"}}),
            "5");
  EXPECT_EQ(def({{"log.retention.minutes", "2"}, {"log.retention.ms", "5"}}), "5");
  EXPECT_EQ(def({{"log.retention.ms", "-1"}}), "-1");
  EXPECT_EQ(def({{"log.retention.hours", "-1"}}), "-1");
  EXPECT_EQ(def({{"log.retention.hours", "2147483647"}}), "7730941129200000");
}

TEST(BrokerConfig, OtherSynonyms) {
  auto c = BrokerConfig::from_properties({{"log.roll.hours", "2"},
                                          {"log.segment.bytes", "1048576"},
                                          {"message.max.bytes", "2000000"},
                                          {"log.cleanup.policy", "compact, delete"},
                                          {"log.flush.scheduler.interval.ms", "1000"},
                                          {"compression.type", "zstd"}});
  EXPECT_EQ(c.topic_default("segment.ms"), "7200000");
  EXPECT_EQ(c.topic_default("segment.bytes"), "1048576");
  EXPECT_EQ(c.topic_default("max.message.bytes"), "2000000");
  EXPECT_EQ(c.topic_default("cleanup.policy"), "compact,delete");
  EXPECT_EQ(c.topic_default("flush.ms"), "1000");  // log.flush.interval.ms unset: scheduler value
  EXPECT_EQ(c.topic_default("compression.type"), "zstd");
  EXPECT_EQ(c.topic_default("follower.replication.throttled.replicas"), "");
  auto d = BrokerConfig::from_properties(
      {{"log.roll.hours", "2"}, {"log.roll.ms", "10"}, {"log.flush.interval.ms", "50"}});
  EXPECT_EQ(d.topic_default("segment.ms"), "10");
  EXPECT_EQ(d.topic_default("flush.ms"), "50");
}

TEST(BrokerConfig, EveryTopicDefaultIsAValidTopicValue) {
  auto c = BrokerConfig::from_properties({});
  for (const auto& t : topic_config_defs()) {
    std::string v = c.topic_default(t.name);
    EXPECT_EQ(validate_topic_config(t.name, v), std::nullopt) << t.name << "=" << v;
    // With Kafka's broker defaults the effective topic default equals the topic's own default.
    EXPECT_EQ(v, *t.default_value) << t.name;
  }
}

TEST(BrokerConfig, TopicConfigMergesOverrides) {
  auto c = BrokerConfig::from_properties({{"log.retention.hours", "1"}});
  auto tc = c.topic_config({{"cleanup.policy", "compact"}});
  EXPECT_EQ(tc.at("cleanup.policy"), "compact");
  EXPECT_EQ(tc.at("retention.ms"), "3600000");
  EXPECT_EQ(tc.size(), topic_config_defs().size());
  EXPECT_THROW(c.topic_config({{"retention.hours", "1"}}), ConfigError);
  EXPECT_THROW(c.topic_config({{"segment.bytes", "1"}}), ConfigError);
}

TEST(ValidateTopicConfig, Messages) {
  EXPECT_EQ(validate_topic_config("retention.ms", "1000"), std::nullopt);
  EXPECT_THAT(*validate_topic_config("retention.ms", "-2"), HasSubstr("retention.ms"));
  EXPECT_THAT(*validate_topic_config("cleanup.policy", "forever"), HasSubstr("compact, delete"));
  EXPECT_THAT(*validate_topic_config("compression.type", "brotli"), HasSubstr("zstd"));
  EXPECT_THAT(*validate_topic_config("log.retention.ms", "1"), HasSubstr("Unknown"));
  EXPECT_THAT(*validate_topic_config("min.cleanable.dirty.ratio", "1.5"),
              HasSubstr("min.cleanable.dirty.ratio"));
}

TEST(ClusterId, GeneratedIdsAreWellFormedAndDistinct) {
  std::string a = generate_cluster_id();
  std::string b = generate_cluster_id();
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  EXPECT_NO_THROW(BrokerConfig::from_properties({{"cluster.id", a}}));
  EXPECT_THAT(error_of({{"cluster.id", "not-an-id"}}), HasSubstr("cluster.id |"));
}

TEST(BrokerConfig, ListenerOverrides) {
  auto c = BrokerConfig::from_properties(
      {{"listeners", "PLAINTEXT://127.0.0.1:9092,CLIENT://127.0.0.1:9094"},
       {"listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,CLIENT:SASL_SSL,CONTROLLER:PLAINTEXT"},
       {"sasl.enabled.mechanisms", "GSSAPI"},
       {"listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-256, PLAIN"},
       {"listener.name.client.plain.sasl.jaas.config", "x required user_a=\"b\";"}});
  EXPECT_TRUE(c.unknown_keys().empty());
  EXPECT_EQ(c.listener_value_string("CLIENT", "sasl.enabled.mechanisms"), "SCRAM-SHA-256,PLAIN");
  EXPECT_EQ(c.listener_value_string("client", "sasl.enabled.mechanisms"), "SCRAM-SHA-256,PLAIN");
  EXPECT_EQ(c.listener_value_string("PLAINTEXT", "sasl.enabled.mechanisms"), "GSSAPI");
  EXPECT_EQ(c.listener_value_string("CLIENT", "plain.sasl.jaas.config"),
            "x required user_a=\"b\";");
  EXPECT_EQ(c.listener_value_string("PLAINTEXT", "plain.sasl.jaas.config"), std::nullopt);
  EXPECT_TRUE(c.listener_overrides("CLIENT", "plain.sasl.jaas.config"));
  EXPECT_FALSE(c.listener_overrides("PLAINTEXT", "sasl.enabled.mechanisms"));
}

TEST(BrokerConfig, BadListenerOverrideNamesItsKey) {
  EXPECT_THAT(error_of({{"listener.name.nosuch.ssl.keystore.location", "/x"}}),
              HasSubstr("listener.name.nosuch.ssl.keystore.location | "));
  EXPECT_THAT(error_of({{"listener.name.plaintext.ssl.client.auth", "sometimes"}}),
              HasSubstr(std::string("listener.name.plaintext.ssl.client.auth") + " | "));
  EXPECT_THAT(error_of({{"listener.name.plaintext.no.such.key", "1"}}),
              HasSubstr(std::string("listener.name.plaintext.no.such.key") + " | "));
}

}  // namespace
}  // namespace samsa::config
