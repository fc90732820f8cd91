#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace samsa::perf {

int LatencyHistogram::bucket_of(uint64_t micros) {
  // Values below kSubBuckets map 1:1; above that, each power of two is split into kSubBuckets
  // equal slices, addressed by the kSubBits bits below the leading one.
  if (micros < static_cast<uint64_t>(kSubBuckets)) return static_cast<int>(micros);
  int msb = 63 - std::countl_zero(micros);
  if (msb > kMaxExponent) return kBucketCount - 1;
  int shift = msb - kSubBits;
  int sub = static_cast<int>((micros >> shift) & (kSubBuckets - 1));
  int idx = (shift + 1) * kSubBuckets + sub;
  return std::min(idx, kBucketCount - 1);
}

uint64_t LatencyHistogram::bucket_upper(int bucket) {
  if (bucket < kSubBuckets) return static_cast<uint64_t>(bucket);
  int shift = bucket / kSubBuckets - 1;
  uint64_t sub = static_cast<uint64_t>(bucket % kSubBuckets);
  uint64_t lower = (static_cast<uint64_t>(kSubBuckets) + sub) << shift;
  return lower + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(uint64_t micros) {
  buckets_[bucket_of(micros)]++;
  count_++;
  sum_ += micros;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::reset() {
  *this = LatencyHistogram{};
}

double LatencyHistogram::mean_micros() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t LatencyHistogram::percentile_micros(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    // The last bucket also holds every saturated value, so its only honest bound is the max.
    if (seen >= rank) return i == kBucketCount - 1 ? max_ : std::min(bucket_upper(i), max_);
  }
  return max_;
}

}  // namespace samsa::perf
