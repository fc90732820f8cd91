#include "perf_stats.h"

#include <fmt/format.h>

#include <algorithm>

namespace samsa::perf {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double seconds_between(PerfStats::Clock::time_point a, PerfStats::Clock::time_point b) {
  // A run shorter than a microsecond would otherwise divide by zero.
  return std::max(std::chrono::duration<double>(b - a).count(), 1e-6);
}

// kafka-producer-perf-test prints percentiles as whole milliseconds; keep that so existing
// parsers of its output work on ours.
uint64_t whole_ms(uint64_t micros) {
  return micros / 1000;
}

}  // namespace

std::string format_window(const std::string& verb, uint64_t records, uint64_t bytes, double seconds,
                          double avg_ms, double max_ms) {
  double rate = static_cast<double>(records) / seconds;
  double mb = static_cast<double>(bytes) / kMiB / seconds;
  return fmt::format(
      "{} records {}, {:.1f} records/sec ({:.2f} MB/sec), {:.1f} ms avg latency, {:.1f} ms max "
      "latency.",
      records, verb, rate, mb, avg_ms, max_ms);
}

PerfStats::PerfStats(std::string verb, Clock::time_point start, Clock::duration report_interval)
    : verb_(std::move(verb)), start_(start), interval_(report_interval), window_start_(start) {}

std::optional<std::string> PerfStats::record(uint64_t latency_micros, uint64_t bytes,
                                             Clock::time_point now) {
  total_.record(latency_micros);
  total_bytes_ += bytes;
  window_.record(latency_micros);
  window_bytes_ += bytes;
  if (now - window_start_ < interval_) return std::nullopt;
  auto line = format_window(verb_, window_.count(), window_bytes_,
                            seconds_between(window_start_, now), window_.mean_micros() / 1000.0,
                            static_cast<double>(window_.max_micros()) / 1000.0);
  window_.reset();
  window_bytes_ = 0;
  window_start_ = now;
  return line;
}

void PerfStats::restart(Clock::time_point start) {
  start_ = start;
  window_start_ = start;
}

double PerfStats::records_per_sec(Clock::time_point end) const {
  return static_cast<double>(total_.count()) / seconds_between(start_, end);
}

double PerfStats::mb_per_sec(Clock::time_point end) const {
  return static_cast<double>(total_bytes_) / kMiB / seconds_between(start_, end);
}

std::string PerfStats::summary(Clock::time_point end) const {
  return fmt::format(
      "{} records {}, {:.1f} records/sec ({:.2f} MB/sec), {:.2f} ms avg latency, {:.2f} ms max "
      "latency, {} ms 50th, {} ms 99th, {} ms 99.9th.",
      total_.count(), verb_, records_per_sec(end), mb_per_sec(end), total_.mean_micros() / 1000.0,
      static_cast<double>(total_.max_micros()) / 1000.0, whole_ms(total_.percentile_micros(0.5)),
      whole_ms(total_.percentile_micros(0.99)), whole_ms(total_.percentile_micros(0.999)));
}

}  // namespace samsa::perf
