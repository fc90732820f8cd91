#pragma once

#include <array>
#include <cstdint>

namespace samsa::perf {

// Log-linear histogram of latencies in microseconds. Memory is fixed (no per-record storage), so a
// run of any length costs the same; each bucket is at most 1/kSubBuckets wide relative to its
// value, i.e. percentiles carry a relative error below ~0.8%. Count, sum and max are exact.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSubBuckets = 1 << kSubBits;
  // Values up to 2^40 us (~12 days) are bucketed; larger values saturate the last bucket.
  static constexpr int kMaxExponent = 40;
  static constexpr int kBucketCount = (kMaxExponent - kSubBits + 1) * kSubBuckets;

  void record(uint64_t micros);
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  uint64_t max_micros() const { return max_; }
  double mean_micros() const;
  // The smallest recorded-bucket value v such that at least q (0..1] of samples are <= v.
  // Returns the upper edge of that bucket clamped to the exact max. 0 when empty.
  uint64_t percentile_micros(double q) const;

  // Exposed for tests: the bucket a value falls in and the largest value that bucket holds.
  static int bucket_of(uint64_t micros);
  static uint64_t bucket_upper(int bucket);

 private:
  std::array<uint64_t, kBucketCount> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
};

}  // namespace samsa::perf
