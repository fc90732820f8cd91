#include "config/listeners.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace samsa::config {
namespace {

using ::testing::HasSubstr;

const std::map<std::string, std::string> kMap = parse_protocol_map(kDefaultProtocolMap);

std::string error_of(const std::string& value) {
  try {
    parse_listeners(value, kMap);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key, "listeners");
    return e.what();
  }
  return "";
}

TEST(Listeners, ParsesForms) {
  auto ls = parse_listeners("PLAINTEXT://127.0.0.1:9092, sasl_ssl://:9094,SSL://[::1]:9093", kMap);
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0].host, "127.0.0.1");
  EXPECT_EQ(ls[1].name, "SASL_SSL");
  EXPECT_EQ(ls[1].security_protocol, "SASL_SSL");
  EXPECT_EQ(ls[1].host, "");
  EXPECT_EQ(ls[1].port, 9094);
  EXPECT_EQ(ls[2].host, "::1");
  EXPECT_EQ(ls[2].port, 9093);
  EXPECT_TRUE(parse_listeners("", kMap).empty());
  auto custom = parse_listeners("INTERNAL://h:1,EXTERNAL://h:2",
                                parse_protocol_map("internal:plaintext,EXTERNAL:SASL_SSL"));
  EXPECT_EQ(custom[0].security_protocol, "PLAINTEXT");
  EXPECT_EQ(custom[1].security_protocol, "SASL_SSL");
  EXPECT_EQ(parse_listeners("A://:0,B://:0", parse_protocol_map("A:SSL,B:SSL")).size(), 2u);
}

TEST(Listeners, Errors) {
  EXPECT_THAT(error_of("127.0.0.1:9092"), HasSubstr("NAME://host:port"));
  EXPECT_THAT(error_of("PLAINTEXT://127.0.0.1"), HasSubstr("port"));
  EXPECT_THAT(error_of("PLAINTEXT://127.0.0.1:"), HasSubstr("port"));
  EXPECT_THAT(error_of("PLAINTEXT://127.0.0.1:65536"), HasSubstr("65536"));
  EXPECT_THAT(error_of("PLAINTEXT://127.0.0.1:-1"), HasSubstr("port"));
  EXPECT_THAT(error_of("PLAINTEXT://::1:9092"), HasSubstr("brackets"));
  EXPECT_THAT(error_of("PLAINTEXT://[::1:9092"), HasSubstr("unterminated"));
  EXPECT_THAT(error_of("PLAINTEXT://bad host:9092"), HasSubstr("invalid host"));
  EXPECT_THAT(error_of("PLAIN TEXT://h:9092"), HasSubstr("invalid listener name"));
  EXPECT_THAT(error_of("PLAINTEXT://h:9092,PLAINTEXT://h:9093"), HasSubstr("used twice"));
  EXPECT_THAT(error_of("PLAINTEXT://a:9092,SSL://b:9092"), HasSubstr("port 9092"));
  EXPECT_THAT(error_of("INTERNAL://h:9092"), HasSubstr("no security protocol"));
  EXPECT_THAT(error_of("PLAINTEXT://h:9092,"), HasSubstr("NAME://host:port"));
}

TEST(ProtocolMap, ParsesAndRejects) {
  auto m = parse_protocol_map(" a : ssl , B:SASL_PLAINTEXT ");
  EXPECT_EQ(m.at("A"), "SSL");
  EXPECT_EQ(m.at("B"), "SASL_PLAINTEXT");
  EXPECT_THROW(parse_protocol_map("A:SSL,a:PLAINTEXT"), ConfigError);
  EXPECT_THROW(parse_protocol_map("A:TLS"), ConfigError);
  EXPECT_THROW(parse_protocol_map(":SSL"), ConfigError);
}

TEST(QuorumVoters, ParsesAndRejects) {
  auto v = parse_quorum_voters("1@a:9093, 2@[fe80::1]:9094");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].id, 2);
  EXPECT_EQ(v[1].host, "fe80::1");
  EXPECT_EQ(v[1].port, 9094);
  EXPECT_THROW(parse_quorum_voters("1@a:9093,1@b:9093"), ConfigError);
  EXPECT_THROW(parse_quorum_voters("-1@a:9093"), ConfigError);
  EXPECT_THROW(parse_quorum_voters("1@:9093"), ConfigError);
  EXPECT_THROW(parse_quorum_voters("1@a:0"), ConfigError);
  EXPECT_THROW(parse_quorum_voters("99999999999@a:1"), ConfigError);
}

TEST(AdminListeners, ParsesAndRejects) {
  auto a = parse_admin_listeners("http://127.0.0.1:8090,HTTPS://:8443");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].scheme, "https");
  EXPECT_EQ(a[1].port, 8443);
  EXPECT_TRUE(parse_admin_listeners("").empty());
  EXPECT_THROW(parse_admin_listeners("127.0.0.1:8090"), ConfigError);
  EXPECT_THROW(parse_admin_listeners("http://a:1,https://b:1"), ConfigError);
}

}  // namespace
}  // namespace samsa::config
