#include "log_dirs.h"

#include <gtest/gtest.h>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

std::string be(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string compact(const std::string& s) {
  return std::string(1, char(s.size() + 1)) + s;
}

TEST(DescribeLogDirs, RequestIsV4ForAllTopics) {
  const std::string frame = encode_describe_log_dirs_request(7);
  const std::string body =
      be(35, 2) + be(4, 2) + be(7, 4) + be(8, 2) + "samsactl" + std::string("\0\0\0", 3);
  EXPECT_EQ(frame, be(body.size(), 4) + body);
}

std::string response(int16_t top_error) {
  std::string r = be(9, 4) + std::string(1, '\0') + be(0, 4) + be(top_error, 2);
  r += char(2);  // one result
  r += be(0, 2) + compact("/data/a");
  r += char(2) + compact("orders");  // one topic
  r += char(3);                      // two partitions, out of order
  r += be(1, 4) + be(2048, 8) + be(0, 8) + char(0) + char(0);
  r += be(0, 4) + be(1024, 8) + be(5, 8) + char(0) + char(0);
  r += char(0);                                   // topic tags
  r += be(1000000, 8) + be(400000, 8) + char(0);  // total, usable, result tags
  r += char(0);                                   // body tags
  return r;
}

TEST(DescribeLogDirs, DecodesResultsSortedByPartition) {
  const auto dirs = decode_describe_log_dirs_response(response(0), 9);
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0].path, "/data/a");
  EXPECT_EQ(dirs[0].error, "");
  EXPECT_EQ(dirs[0].total_bytes, 1000000);
  EXPECT_EQ(dirs[0].usable_bytes, 400000);
  ASSERT_EQ(dirs[0].partitions.size(), 2u);
  EXPECT_EQ(dirs[0].partitions[0].partition, 0);
  EXPECT_EQ(dirs[0].partitions[0].size_bytes, 1024);
  EXPECT_EQ(dirs[0].partitions[0].offset_lag, 5);
  EXPECT_EQ(dirs[0].partitions[1].size_bytes, 2048);
}

TEST(DescribeLogDirs, RejectsTruncatedOrForeignResponses) {
  const std::string good = response(0);
  for (size_t cut : {size_t{3}, size_t{12}, good.size() - 5}) {
    EXPECT_THROW(decode_describe_log_dirs_response(good.substr(0, cut), 9), CliError) << cut;
  }
  EXPECT_THROW(decode_describe_log_dirs_response(good, 10), CliError);  // correlation id
  try {
    decode_describe_log_dirs_response(response(31), 9);
    FAIL();
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), ExitCode::kRefused);
  }
}

}  // namespace
}  // namespace samsa::ctl
