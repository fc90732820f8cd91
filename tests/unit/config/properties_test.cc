#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "config/broker_config.h"

namespace samsa::config {
namespace {

using Props = std::map<std::string, std::string>;

TEST(Properties, CommentsAndBlankLines) {
  EXPECT_EQ(parse_properties("# comment\n! also comment\n\n   \n  # indented comment\na=1\n"),
            (Props{{"a", "1"}}));
}

TEST(Properties, Separators) {
  auto p = parse_properties("a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf   \ng=\nh==x\ni:=y\n");
  EXPECT_EQ(p.at("a"), "1");
  EXPECT_EQ(p.at("b"), "2");
  EXPECT_EQ(p.at("c"), "3");
  EXPECT_EQ(p.at("d"), "4");
  EXPECT_EQ(p.at("e"), "5");
  EXPECT_EQ(p.at("f"), "");
  EXPECT_EQ(p.at("g"), "");
  EXPECT_EQ(p.at("h"), "=x");  // only the first separator is consumed
  EXPECT_EQ(p.at("i"), "=y");
}

TEST(Properties, WhitespaceHandling) {
  auto p = parse_properties("   key.one   =   value with spaces   \n\tkey.two=x");
  EXPECT_EQ(p.at("key.one"), "value with spaces   ");  // trailing blanks kept, as Java does
  EXPECT_EQ(p.at("key.two"), "x");
}

TEST(Properties, Escapes) {
  auto p = parse_properties(
      "my\\ key=v\n"
      "k\\=q=v2\n"
      "k\\:c:v3\n"
      "tabs=a\\tb\\nc\\\\d\n"
      "uni=caf\\u00e9\n"
      "emoji=\\ud83d\\ude00\n"
      "other=\\q\\#\n"
      "lead=\\ \\ x\n");
  EXPECT_EQ(p.at("my key"), "v");
  EXPECT_EQ(p.at("k=q"), "v2");
  EXPECT_EQ(p.at("k:c"), "v3");
  EXPECT_EQ(p.at("tabs"), "a\tb\nc\\d");
  EXPECT_EQ(p.at("uni"), "caf\xc3\xa9");
  EXPECT_EQ(p.at("emoji"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(p.at("other"), "q#");
  EXPECT_EQ(p.at("lead"), "  x");
}

TEST(Properties, MalformedUnicodeEscapeThrows) {
  EXPECT_THROW(parse_properties("a=\\u12"), ConfigError);
  EXPECT_THROW(parse_properties("a=\\u12g4"), ConfigError);
}

TEST(Properties, LineContinuation) {
  auto p = parse_properties(
      "listeners=PLAINTEXT://:9092,\\\n"
      "          SSL://:9093\n"
      "even=ends\\\\\n"
      "next=1\n"
      "fruits=apple, \\\r\n"
      "   # not a comment\n"
      "joined=a\\\n"
      "  tb\n"
      "last=tail\\");
  EXPECT_EQ(p.at("listeners"), "PLAINTEXT://:9092,SSL://:9093");
  EXPECT_EQ(p.at("even"), "ends\\");
  EXPECT_EQ(p.at("next"), "1");
  EXPECT_EQ(p.at("fruits"), "apple, # not a comment");
  EXPECT_EQ(p.at("joined"), "atb");  // the joining backslash is not an escape
  EXPECT_EQ(p.at("last"), "tail");
}

TEST(Properties, LineEndingsAndDuplicates) {
  auto p = parse_properties("a=1\r\nb=2\rc=3\na=4");
  EXPECT_EQ(p, (Props{{"a", "4"}, {"b", "2"}, {"c", "3"}}));
}

TEST(Properties, CommentMarkerInsideValueIsKept) {
  EXPECT_EQ(parse_properties("a=x # y").at("a"), "x # y");
}

class PropertiesFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("samsa-config-test-" + std::to_string(::getpid()) + ".properties");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(PropertiesFile, ReadsFileIntoBrokerConfig) {
  {
    std::ofstream out(path_);
    out << "# broker\nnode.id=2\ncontroller.quorum.voters=2@localhost:9093\n"
           "log.retention.minutes=30\nmystery.key=1\n";
  }
  auto c = BrokerConfig::from_properties(parse_properties_file(path_));
  EXPECT_EQ(c.node_id(), 2);
  EXPECT_EQ(c.topic_default("retention.ms"), "1800000");
  EXPECT_EQ(c.unknown_keys(), (std::vector<std::string>{"mystery.key"}));
}

TEST_F(PropertiesFile, MissingAndOversizedFilesAreRefused) {
  EXPECT_THROW(parse_properties_file(path_), ConfigError);
  { std::ofstream out(path_); }
  std::filesystem::resize_file(path_, kMaxPropertiesFileBytes + 1);  // sparse, cheap
  try {
    parse_properties_file(path_);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("limit"));
  }
}

}  // namespace
}  // namespace samsa::config

namespace samsa::config {
namespace {

// Arbitrary bytes must either parse or raise ConfigError; run under ASan/UBSan to catch overreads.
TEST(Robustness, RandomInputNeverCrashes) {
  std::mt19937 rng(12345);
  const std::string alphabet = "ab=:\\ \t\n\r#!u0fFd8:/[]@,.-_PLAINTEXT9";
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 40, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    try {
      parse_properties(s);
    } catch (const ConfigError&) {
    }
    for (auto* fn : {+[](const std::string& v) { parse_listener_endpoints(v); },
                     +[](const std::string& v) { parse_quorum_voters(v); },
                     +[](const std::string& v) { parse_admin_listeners(v); },
                     +[](const std::string& v) { parse_protocol_map(v); }}) {
      try {
        fn(s);
      } catch (const ConfigError&) {
      }
    }
  }
}

}  // namespace
}  // namespace samsa::config
