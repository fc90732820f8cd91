#include "record_format.h"

#include <gtest/gtest.h>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

ConsoleRecord sample() {
  ConsoleRecord r;
  r.topic = "orders";
  r.partition = 2;
  r.offset = 41;
  r.timestamp = 1700000000000;
  r.key = "k1";
  r.value = "hello";
  r.headers = {{"source", "cli"}, {"trace", std::nullopt}};
  return r;
}

TEST(RenderRecord, ExpandsEveryDirectiveAndEscape) {
  EXPECT_EQ(render_record("%t/%p@%o %T %k=%v [%h] %K %V %%\\n", sample()),
            "orders/2@41 1700000000000 k1=hello [source:cli,trace:] 2 5 %\n");
}

TEST(RenderRecord, NullKeyAndValueHaveLengthMinusOne) {
  ConsoleRecord r;
  EXPECT_EQ(render_record("[%k][%v] %K %V", r), "[][] -1 -1");
}

TEST(RenderRecord, UnknownDirectiveIsUsageError) {
  try {
    validate_output_format("%q");
    FAIL();
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
}

TEST(RecordJson, KeepsNullsAndHeaders) {
  ConsoleRecord r = sample();
  r.key.reset();
  const auto j = record_json(r);
  EXPECT_TRUE(j["key"].is_null());
  EXPECT_EQ(j["value"], "hello");
  EXPECT_EQ(j["partition"], 2);
  EXPECT_EQ(j["headers"][0]["key"], "source");
  EXPECT_EQ(j["headers"][0]["value"], "cli");
  EXPECT_TRUE(j["headers"][1]["value"].is_null());
}

TEST(InputFormat, ValueOnlyTakesTheWholeLine) {
  const InputFormat f("%v");
  auto r = f.parse("a b c");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->key);
  EXPECT_EQ(*r->value, "a b c");
}

TEST(InputFormat, KeySeparatorSplitsAtFirstOccurrence) {
  const InputFormat f("%k %v");
  auto r = f.parse("user-1 hello world");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->key, "user-1");
  EXPECT_EQ(*r->value, "hello world");
  EXPECT_FALSE(f.parse("no-separator"));
}

TEST(InputFormat, LiteralsAndTabEscape) {
  const InputFormat f("key=%k\\tvalue=%v;");
  auto r = f.parse("key=a\tvalue=b;");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->key, "a");
  EXPECT_EQ(*r->value, "b");
  EXPECT_FALSE(f.parse("key=a\tvalue=b"));  // the trailing literal is missing
}

TEST(InputFormat, RejectsFormatsItCannotParse) {
  for (const char* bad : {"%k", "%k%v", "%t %v", "%v%"}) {
    try {
      InputFormat f(bad);
      FAIL() << bad << " accepted";
    } catch (const CliError& e) {
      EXPECT_EQ(e.code(), ExitCode::kUsage) << bad;
    }
  }
}

TEST(Header, SplitsAtFirstColon) {
  EXPECT_EQ(parse_header("a:b:c"), std::make_pair(std::string("a"), std::string("b:c")));
  EXPECT_EQ(parse_header("empty:"), std::make_pair(std::string("empty"), std::string()));
  EXPECT_THROW(parse_header("nocolon"), CliError);
  EXPECT_THROW(parse_header(":v"), CliError);
}

}  // namespace
}  // namespace samsa::ctl
