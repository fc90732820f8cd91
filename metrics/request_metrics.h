#pragma once
// Per-API request metrics, as Kafka's RequestMetrics with the Strimzi/jmx_exporter names:
//   kafka_network_requestmetrics_requests_total{request,version}  (RequestsPerSec)
//   kafka_network_requestmetrics_errors_total{request,error}      (ErrorsPerSec: one count per
//                                                                  error code in each response)
//   kafka_network_requestmetrics_totaltimems{request,quantile}    (TotalTimeMs, a real summary
//                                                                  with _sum and _count)
// plus an aggregatable histogram under our own prefix, samsa_kafka_request_duration_seconds.
// Fetch is also recorded as FetchConsumer, the name the dashboards query (every fetch is a
// consumer fetch until follower replication lands).
#include <prometheus/collectable.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>

namespace samsa::metrics {

class RequestMetrics : public prometheus::Collectable {
 public:
  // Kafka names of API keys ("Produce"; empty for keys we do not know) and of error codes
  // ("NONE", "NOT_LEADER_OR_FOLLOWER"; a number for codes we do not know). Passed in so metrics/
  // does not depend on the protocol module.
  using NameFn = std::function<std::string(int16_t)>;
  RequestMetrics(prometheus::Registry& registry, NameFn api_name, NameFn error_name);
  ~RequestMetrics() override;

  // One request handled: its API and version, the time from the request's arrival to its
  // response being written, and the error codes in the response (empty: counted as NONE).
  void record(int16_t api_key, int16_t version, double seconds,
              std::span<const std::pair<int16_t, uint32_t>> errors);

  std::vector<prometheus::MetricFamily> Collect() const override;

  static constexpr int kMaxApiKey = 128;
  static constexpr int kMaxVersion = 32;
  // Error codes -1 .. kMaxErrorCode have their own slot; anything else is counted as UNKNOWN.
  static constexpr int kMaxErrorCode = 191;

 private:
  struct Timing {
    prometheus::Summary* summary = nullptr;
    prometheus::Histogram* histogram = nullptr;
  };
  struct ApiSlot {
    std::string name;
    std::array<std::atomic<uint64_t>, kMaxVersion> versions{};
    std::array<std::atomic<uint64_t>, kMaxErrorCode + 2> errors{};  // index = code + 1
    std::atomic<uint64_t> unknown_errors{0};
    Timing timing;
    Timing alias_timing;  // FetchConsumer
    std::string alias;
  };
  ApiSlot* slot(int16_t api_key);
  Timing make_timing(const std::string& name);

  prometheus::Family<prometheus::Summary>& total_time_ms_;
  prometheus::Family<prometheus::Histogram>& duration_seconds_;
  NameFn api_name_;
  NameFn error_name_;
  std::mutex create_mutex_;
  std::array<std::atomic<ApiSlot*>, kMaxApiKey> slots_{};
  // The same per-version counters, kept separately for the alias (FetchConsumer).
  std::array<std::atomic<uint64_t>, kMaxVersion> alias_versions_{};
};

}  // namespace samsa::metrics
