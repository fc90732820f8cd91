#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "latency_histogram.h"

namespace samsa::perf {

// Throughput and latency accounting for one run, printed in kafka-producer-perf-test's style:
// a window line every report interval and one final summary line.
class PerfStats {
 public:
  using Clock = std::chrono::steady_clock;

  // `verb` completes "N records <verb>" ("sent", "consumed").
  PerfStats(std::string verb, Clock::time_point start,
            Clock::duration report_interval = std::chrono::seconds(5));

  // Accounts one record. Returns the window line when a report interval has just ended.
  std::optional<std::string> record(uint64_t latency_micros, uint64_t bytes, Clock::time_point now);

  // Restarts the clock of the overall rate (e.g. at the first consumed record), keeping counts.
  void restart(Clock::time_point start);

  // The final summary; `end` bounds the elapsed time used for rates.
  std::string summary(Clock::time_point end) const;

  uint64_t count() const { return total_.count(); }
  uint64_t bytes() const { return total_bytes_; }
  const LatencyHistogram& latencies() const { return total_; }
  double records_per_sec(Clock::time_point end) const;
  double mb_per_sec(Clock::time_point end) const;

 private:
  std::string verb_;
  Clock::time_point start_;
  Clock::duration interval_;
  LatencyHistogram total_;
  uint64_t total_bytes_ = 0;
  Clock::time_point window_start_;
  LatencyHistogram window_;
  uint64_t window_bytes_ = 0;
};

// One line, e.g. "1000 records sent, 500.0 records/sec (0.49 MB/sec), 1.2 ms avg latency, 3.0 ms
// max latency." Exposed for tests.
std::string format_window(const std::string& verb, uint64_t records, uint64_t bytes, double seconds,
                          double avg_ms, double max_ms);

}  // namespace samsa::perf
