// The table itself: defaults parse, validators reject, names are consistent across tables.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "config/broker_config.h"

namespace samsa::config {
namespace {

using ::testing::HasSubstr;

void expect_rejected(const ConfigDef& def, const std::string& bad) {
  try {
    parse_value(def, bad);
    ADD_FAILURE() << def.name << " accepted '" << bad << "'";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key, def.name);
    EXPECT_THAT(e.what(), HasSubstr(def.name)) << bad;
    if (!def.sensitive()) {
      EXPECT_THAT(e.what(), HasSubstr(bad)) << def.name;
    }
  }
}

TEST(ConfigTable, EveryDefaultParses) {
  for (const auto* defs : {&broker_config_defs(), &topic_config_defs()}) {
    for (const auto& d : *defs) {
      if (!d.default_value) continue;
      EXPECT_NO_THROW(parse_value(d, *d.default_value)) << d.name;
    }
  }
}

TEST(ConfigTable, NamesAreUniqueAndDocumented) {
  for (const auto* defs : {&broker_config_defs(), &topic_config_defs()}) {
    std::set<std::string> seen;
    for (const auto& d : *defs) {
      EXPECT_TRUE(seen.insert(d.name).second) << "duplicate " << d.name;
      EXPECT_FALSE(d.doc.empty()) << d.name;
    }
  }
}

TEST(ConfigTable, TopicSynonymsAreBrokerKeysWithCompatibleTypes) {
  for (const auto& t : topic_config_defs()) {
    EXPECT_TRUE(t.is_topic_config);
    EXPECT_EQ(t.dynamic, DynamicScope::kPerTopic);
    for (const auto& s : t.synonyms) {
      const ConfigDef* b = find_broker_def(s);
      ASSERT_NE(b, nullptr) << t.name << " -> " << s;
      EXPECT_FALSE(b->is_topic_config);
      bool numeric_ok = (t.type == Type::kLong && b->type == Type::kInt);
      EXPECT_TRUE(b->type == t.type || numeric_ok) << t.name << " vs " << s;
    }
  }
  EXPECT_EQ(find_broker_def("retention.ms"), nullptr);
  EXPECT_EQ(find_topic_def("log.retention.ms"), nullptr);
}

TEST(ConfigTable, KafkaDefaults) {
  auto dflt = [](const char* n) { return *find_broker_def(n)->default_value; };
  EXPECT_EQ(dflt("message.max.bytes"), "1048588");
  EXPECT_EQ(dflt("socket.request.max.bytes"), "104857600");
  EXPECT_EQ(dflt("log.segment.bytes"), "1073741824");
  EXPECT_EQ(dflt("log.retention.hours"), "168");
  EXPECT_FALSE(find_broker_def("log.retention.ms")->default_value.has_value());
  EXPECT_EQ(dflt("offsets.topic.num.partitions"), "50");
  EXPECT_EQ(dflt("offsets.topic.replication.factor"), "1");
  EXPECT_EQ(dflt("listeners"), "PLAINTEXT://127.0.0.1:9092");
  EXPECT_EQ(dflt("admin.listeners"), "http://127.0.0.1:8090");
  EXPECT_EQ(*find_topic_def("retention.ms")->default_value, "604800000");
  EXPECT_EQ(*find_topic_def("cleanup.policy")->default_value, "delete");
  EXPECT_EQ(*find_topic_def("min.cleanable.dirty.ratio")->default_value, "0.5");
  EXPECT_EQ(find_broker_def("listeners")->dynamic, DynamicScope::kPerBroker);
  EXPECT_EQ(find_broker_def("log.retention.ms")->dynamic, DynamicScope::kClusterWide);
  EXPECT_EQ(find_broker_def("num.partitions")->dynamic, DynamicScope::kReadOnly);
}

TEST(ConfigTable, TypesRejectMalformedNumbers) {
  for (const auto* defs : {&broker_config_defs(), &topic_config_defs()}) {
    for (const auto& d : *defs) {
      switch (d.type) {
        case Type::kInt:
          expect_rejected(d, "abc");
          expect_rejected(d, "2147483648");  // does not fit int32
          expect_rejected(d, "1.5");
          break;
        case Type::kLong:
          expect_rejected(d, "12x");
          expect_rejected(d, "9223372036854775808");
          break;
        case Type::kDouble:
          expect_rejected(d, "half");
          expect_rejected(d, "nan");
          break;
        case Type::kBoolean:
          expect_rejected(d, "yes");
          break;
        default:
          break;
      }
    }
  }
}

TEST(ConfigTable, RangeAndOneOfValidatorsReject) {
  int checked = 0;
  for (const auto* defs : {&broker_config_defs(), &topic_config_defs()}) {
    for (const auto& d : *defs) {
      const Validator& v = d.validator;
      if (v.kind == Validator::Kind::kRange) {
        if (v.min_int && *v.min_int > std::numeric_limits<int32_t>::min()) {
          expect_rejected(d, std::to_string(*v.min_int - 1));
        }
        if (v.max_int) expect_rejected(d, std::to_string(*v.max_int + 1));
        if (v.min_double) expect_rejected(d, std::to_string(*v.min_double - 0.1));
        if (v.max_double) expect_rejected(d, std::to_string(*v.max_double + 0.1));
        ++checked;
      } else if (v.kind == Validator::Kind::kOneOf || v.kind == Validator::Kind::kListOf) {
        expect_rejected(d, "bogus");
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 60);
}

TEST(ConfigTable, CustomValidatorsReject) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"cluster.id", "short"},
      {"cluster.id", "abcdefghijklmnopqrstu!"},
      {"listeners", "PLAINTEXT:/127.0.0.1:9092"},
      {"listeners", "PLAINTEXT://127.0.0.1:99999"},
      {"advertised.listeners", "PLAINTEXT://host"},
      {"listener.security.protocol.map", "PLAINTEXT:TLS"},
      {"listener.security.protocol.map", "PLAINTEXT"},
      {"controller.quorum.voters", "1@localhost"},
      {"controller.quorum.voters", "x@localhost:9093"},
      {"admin.listeners", "ftp://127.0.0.1:8090"},
      {"metrics.constant.labels", "env"},
      {"metrics.constant.labels", "9env=prod"},
      {"compression.gzip.level", "0"},
      {"compression.gzip.level", "10"},
  };
  for (const auto& [key, value] : bad) expect_rejected(*find_broker_def(key), value);
  expect_rejected(*find_topic_def("compression.gzip.level"), "-2");
  expect_rejected(*find_topic_def("leader.replication.throttled.replicas"), "0-1");
  EXPECT_NO_THROW(parse_value(*find_topic_def("leader.replication.throttled.replicas"), "0:1,1:2"));
  EXPECT_NO_THROW(parse_value(*find_topic_def("leader.replication.throttled.replicas"), "*"));
  EXPECT_NO_THROW(parse_value(*find_broker_def("cluster.id"), generate_cluster_id()));
}

TEST(ConfigTable, ErrorMessageStatesWhatIsAccepted) {
  try {
    parse_value(*find_broker_def("num.partitions"), "0");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'0'"));
    EXPECT_THAT(e.what(), HasSubstr("at least 1"));
  }
  try {
    parse_value(*find_topic_def("cleanup.policy"), "compact,remove");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cleanup.policy"));
    EXPECT_THAT(e.what(), HasSubstr("compact, delete"));
  }
}

TEST(ConfigTable, PasswordsAreNotEchoed) {
  ConfigDef d = *find_broker_def("ssl.key.password");
  d.validator = one_of({"x"});  // force a rejection of a password value
  try {
    parse_value(d, "s3cret");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("s3cret")));
  }
}

TEST(ConfigTable, ValueParsingDetails) {
  EXPECT_EQ(std::get<bool>(parse_value(*find_broker_def("delete.topic.enable"), " TRUE ")), true);
  EXPECT_EQ(std::get<int32_t>(parse_value(*find_broker_def("num.partitions"), "+3")), 3);
  EXPECT_EQ(std::get<int64_t>(parse_value(*find_topic_def("retention.ms"), "-1")), -1);
  auto list = std::get<std::vector<std::string>>(
      parse_value(*find_topic_def("cleanup.policy"), " compact , delete "));
  EXPECT_EQ(list, (std::vector<std::string>{"compact", "delete"}));
  EXPECT_TRUE(std::get<std::vector<std::string>>(
                  parse_value(*find_broker_def("metrics.constant.labels"), "  "))
                  .empty());
  expect_rejected(*find_topic_def("cleanup.policy"), "compact,,delete");
  expect_rejected(*find_topic_def("cleanup.policy"), "delete,delete");
}

TEST(ConfigTable, MarkdownReferenceIncludesEveryKey) {
  std::string md = render_markdown_reference();
  for (const auto* defs : {&broker_config_defs(), &topic_config_defs()}) {
    for (const auto& d : *defs) EXPECT_THAT(md, HasSubstr("| `" + d.name + "` |")) << d.name;
  }
  EXPECT_THAT(md, HasSubstr("cluster-wide"));
  EXPECT_THAT(md, HasSubstr("`log.retention.ms`, `log.retention.minutes`, `log.retention.hours`"));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("<node.id>")));  // escaped for HTML
}

}  // namespace
}  // namespace samsa::config
