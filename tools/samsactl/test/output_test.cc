#include "output.h"

#include <gtest/gtest.h>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

TEST(Table, AlignsColumnsWithUpperCaseHeadersAndNoTrailingSpaces) {
  Table t({"name", "partitions"});
  t.add_row({"orders", "12"});
  t.add_row({"a", "3"});
  EXPECT_EQ(t.render(),
            "NAME    PARTITIONS\n"
            "orders  12\n"
            "a       3\n");
}

TEST(Table, PadsShortRowsAndWidensForLongCells) {
  Table t({"a", "b", "c"});
  t.add_row({"long-value"});
  EXPECT_EQ(t.render(), "A           B  C\nlong-value\n");
}

TEST(Cell, RendersJsonValues) {
  EXPECT_EQ(cell(nlohmann::json("x")), "x");
  EXPECT_EQ(cell(nlohmann::json(nullptr)), "");
  EXPECT_EQ(cell(nlohmann::json(12)), "12");
  EXPECT_EQ(cell(nlohmann::json::array({1, 2, 3})), "1,2,3");
  EXPECT_EQ(cell(nlohmann::json(true)), "true");
}

TEST(Yaml, EmitsBlockStyleMapsAndLists) {
  const auto doc = nlohmann::json::parse(R"({"name":"orders","partitions":3,
      "configs":[{"name":"retention.ms","value":"1000"}],"empty":[],"none":null})");
  EXPECT_EQ(to_yaml(doc),
            "configs:\n"
            "  - name: retention.ms\n"
            "    value: \"1000\"\n"
            "empty: []\n"
            "name: orders\n"
            "none: null\n"
            "partitions: 3\n");
}

TEST(Yaml, QuotesStringsYamlWouldMisread) {
  EXPECT_EQ(to_yaml(nlohmann::json("true")), "\"true\"\n");
  EXPECT_EQ(to_yaml(nlohmann::json("")), "\"\"\n");
  EXPECT_EQ(to_yaml(nlohmann::json("a: b")), "\"a: b\"\n");
  EXPECT_EQ(to_yaml(nlohmann::json("*")), "\"*\"\n");
  EXPECT_EQ(to_yaml(nlohmann::json("line\nbreak")), "\"line\\nbreak\"\n");
  EXPECT_EQ(to_yaml(nlohmann::json("User:alice")), "User:alice\n");
}

TEST(Yaml, NestedListsAndTopLevelList) {
  EXPECT_EQ(to_yaml(nlohmann::json::parse(R"([[1,2],{"a":{"b":1}}])")),
            "-\n  - 1\n  - 2\n- a:\n    b: 1\n");
}

TEST(OutputFormat, ParsesKnownNamesAndRejectsOthers) {
  EXPECT_EQ(parse_output_format("json"), OutputFormat::kJson);
  EXPECT_EQ(parse_output_format("yml"), OutputFormat::kYaml);
  EXPECT_EQ(parse_output_format("table"), OutputFormat::kTable);
  try {
    parse_output_format("xml");
    FAIL() << "xml accepted";
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
}

}  // namespace
}  // namespace samsa::ctl
