#include "latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace samsa::perf {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile_micros(0.5), 0u);
  EXPECT_EQ(h.mean_micros(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 10; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10u);
  EXPECT_EQ(h.percentile_micros(0.5), 5u);
  EXPECT_EQ(h.percentile_micros(0.9), 9u);
  EXPECT_EQ(h.percentile_micros(1.0), 10u);
  EXPECT_DOUBLE_EQ(h.mean_micros(), 5.5);
  EXPECT_EQ(h.max_micros(), 10u);
}

TEST(LatencyHistogram, BucketsAreMonotonicAndContainTheirValues) {
  int prev = -1;
  for (uint64_t v = 0; v < 200000; v += 7) {
    int b = LatencyHistogram::bucket_of(v);
    EXPECT_GE(b, prev);
    EXPECT_GE(LatencyHistogram::bucket_upper(b), v);
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper(b - 1), v);
    }
    prev = b;
  }
}

TEST(LatencyHistogram, PercentilesWithinRelativeErrorOfExact) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);  // ~3 ms median, long tail
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto rank = static_cast<size_t>(std::ceil(q * values.size())) - 1;
    double exact = static_cast<double>(values[rank]);
    double got = static_cast<double>(h.percentile_micros(q));
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact * (1.0 + 1.0 / LatencyHistogram::kSubBuckets) + 1) << q;
  }
  EXPECT_EQ(h.max_micros(), values.back());
  EXPECT_EQ(h.percentile_micros(1.0), values.back());
}

TEST(LatencyHistogram, HugeValuesSaturateWithoutOverflow) {
  LatencyHistogram h;
  h.record(UINT64_MAX / 4);
  h.record(1);
  EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX), LatencyHistogram::kBucketCount - 1);
  EXPECT_EQ(h.percentile_micros(1.0), UINT64_MAX / 4);
  EXPECT_EQ(h.percentile_micros(0.5), 1u);
}

TEST(LatencyHistogram, MergeAndReset) {
  LatencyHistogram a, b;
  a.record(100);
  b.record(300);
  b.record(500);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.max_micros(), 500u);
  EXPECT_DOUBLE_EQ(a.mean_micros(), 300.0);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.max_micros(), 0u);
}

}  // namespace
}  // namespace samsa::perf
