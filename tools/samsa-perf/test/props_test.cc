#include <gtest/gtest.h>

#include <stdexcept>

#include "kafka_client.h"

namespace samsa::perf {
namespace {

TEST(Props, ParsesKeyValueKeepingEqualsInValue) {
  auto props = parse_props({"acks=1", "sasl.jaas=a=b", "client.id="});
  ASSERT_EQ(props.size(), 3u);
  EXPECT_EQ(props[0], (std::pair<std::string, std::string>{"acks", "1"}));
  EXPECT_EQ(props[1].second, "a=b");
  EXPECT_EQ(props[2].second, "");
}

TEST(Props, RejectsMalformed) {
  EXPECT_THROW(parse_props({"acks"}), std::invalid_argument);
  EXPECT_THROW(parse_props({"=1"}), std::invalid_argument);
}

TEST(Props, OverridesWinAndUnknownKeysFail) {
  std::string err;
  auto conf = make_conf({{"linger.ms", "5"}}, {{"linger.ms", "50"}}, err);
  ASSERT_TRUE(conf) << err;
  char buf[64];
  size_t len = sizeof buf;
  ASSERT_EQ(rd_kafka_conf_get(conf.get(), "linger.ms", buf, &len), RD_KAFKA_CONF_OK);
  EXPECT_STREQ(buf, "50");

  EXPECT_FALSE(make_conf({}, {{"no.such.property", "1"}}, err));
  EXPECT_NE(err.find("no.such.property"), std::string::npos);
}

}  // namespace
}  // namespace samsa::perf
