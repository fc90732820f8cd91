#include "log_dirs.h"

#include <gtest/gtest.h>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

const nlohmann::json kDoc = nlohmann::json::parse(R"({
  "broker_id": 3,
  "log_dirs": [
    {"log_dir": "/data/a", "error": null, "total_bytes": 1000000, "usable_bytes": 400000,
     "partitions": [{"topic": "orders", "partition": 1, "size_bytes": 2048},
                    {"topic": "orders", "partition": 0, "size_bytes": 1024},
                    {"topic": "audit", "partition": 0, "size_bytes": 7}]},
    {"log_dir": "/data/b", "error": "Input/output error", "total_bytes": -1,
     "usable_bytes": -1, "partitions": []}
  ]})");

TEST(LogDirs, ParsesSortsAndFilters) {
  const auto dirs = parse_log_dirs(kDoc, {});
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0].broker_id, 3);
  EXPECT_EQ(dirs[0].path, "/data/a");
  EXPECT_EQ(dirs[0].error, "");
  EXPECT_EQ(dirs[0].usable_bytes, 400000);
  ASSERT_EQ(dirs[0].partitions.size(), 3u);
  EXPECT_EQ(dirs[0].partitions[0].topic, "audit");
  EXPECT_EQ(dirs[0].partitions[1].partition, 0);
  EXPECT_EQ(dirs[0].partitions[2].size_bytes, 2048);
  EXPECT_EQ(dirs[1].error, "Input/output error");

  const auto orders = parse_log_dirs(kDoc, {"orders"});
  ASSERT_EQ(orders[0].partitions.size(), 2u);
  EXPECT_EQ(orders[0].partitions[0].topic, "orders");
}

TEST(LogDirs, RejectsAnotherShape) {
  EXPECT_THROW(parse_log_dirs(nlohmann::json::parse(R"({"log_dirs": []})"), {}), CliError);
  EXPECT_THROW(parse_log_dirs(nlohmann::json::parse(R"({"broker_id": 1, "log_dirs": [{}]})"), {}),
               CliError);
}

}  // namespace
}  // namespace samsa::ctl
