#pragma once

#include <chrono>
#include <cstdint>

namespace samsa::perf {

// Paces sends to a target rate the way kafka-producer-perf-test does: the n-th record is due at
// start + n / rate, so a stall is caught up afterwards instead of lowering the average rate.
class Throttler {
 public:
  using Clock = std::chrono::steady_clock;

  // records_per_sec < 0 disables throttling.
  Throttler(double records_per_sec, Clock::time_point start)
      : rate_(records_per_sec), start_(start) {}

  bool enabled() const { return rate_ > 0; }
  // The moment record number `sent` (0-based) may be sent.
  Clock::time_point due(uint64_t sent) const;
  // How long to wait before sending record `sent` at time `now`; zero when it is already due.
  Clock::duration wait_for(uint64_t sent, Clock::time_point now) const;

 private:
  double rate_;
  Clock::time_point start_;
};

}  // namespace samsa::perf
