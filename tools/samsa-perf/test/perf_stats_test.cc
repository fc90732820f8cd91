#include "perf_stats.h"

#include <gtest/gtest.h>

#include <regex>

namespace samsa::perf {
namespace {

using Clock = PerfStats::Clock;
using std::chrono::milliseconds;

TEST(PerfStats, WindowLineFormat) {
  EXPECT_EQ(format_window("sent", 1000, 1024 * 1024, 2.0, 1.25, 3.0),
            "1000 records sent, 500.0 records/sec (0.50 MB/sec), 1.2 ms avg latency, 3.0 ms max "
            "latency.");
}

TEST(PerfStats, EmitsWindowOnlyAfterInterval) {
  auto t0 = Clock::time_point{} + std::chrono::hours(1);
  PerfStats stats("sent", t0, milliseconds(1000));
  EXPECT_FALSE(stats.record(2000, 100, t0 + milliseconds(10)));
  EXPECT_FALSE(stats.record(4000, 100, t0 + milliseconds(999)));
  auto line = stats.record(6000, 100, t0 + milliseconds(1000));
  ASSERT_TRUE(line);
  EXPECT_EQ(*line,
            "3 records sent, 3.0 records/sec (0.00 MB/sec), 4.0 ms avg latency, 6.0 ms max "
            "latency.");
  // The next window starts empty.
  auto next = stats.record(1000, 100, t0 + milliseconds(2000));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->substr(0, 15), "1 records sent,");
  EXPECT_EQ(stats.count(), 4u);
  EXPECT_EQ(stats.bytes(), 400u);
}

TEST(PerfStats, SummaryMatchesKafkaPerfTestShape) {
  auto t0 = Clock::time_point{} + std::chrono::hours(1);
  PerfStats stats("sent", t0, std::chrono::hours(1));
  for (int i = 1; i <= 1000; ++i) stats.record(static_cast<uint64_t>(i) * 1000, 1024, t0);
  std::string s = stats.summary(t0 + milliseconds(2000));
  std::regex kafka_re(
      R"((\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, )"
      R"(([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 99th, (\d+) ms 99.9th\.)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(s, m, kafka_re)) << s;
  EXPECT_EQ(m[1], "1000");
  EXPECT_EQ(m[2], "500.0");
  EXPECT_EQ(m[3], "0.49");
  EXPECT_EQ(m[4], "500.50");  // mean and max are exact
  EXPECT_EQ(m[5], "1000.00");
  // Percentiles come from the histogram: never below the exact value, at most 1% above.
  auto near = [](const std::string& got, int exact) {
    int v = std::stoi(got);
    return v >= exact && v <= exact + exact / 100;
  };
  EXPECT_TRUE(near(m[6], 500)) << m[6];
  EXPECT_TRUE(near(m[7], 990)) << m[7];
  EXPECT_TRUE(near(m[8], 999)) << m[8];
}

TEST(PerfStats, RestartMovesRateOrigin) {
  auto t0 = Clock::time_point{} + std::chrono::hours(1);
  PerfStats stats("consumed", t0, std::chrono::hours(1));
  stats.restart(t0 + milliseconds(9000));
  stats.record(0, 10, t0 + milliseconds(9500));
  EXPECT_DOUBLE_EQ(stats.records_per_sec(t0 + milliseconds(10000)), 1.0);
}

}  // namespace
}  // namespace samsa::perf
