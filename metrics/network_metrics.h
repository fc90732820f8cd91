#pragma once
// The Kafka listeners' connection counts and the network threads' idle fraction:
//   kafka_server_socket_server_metrics_connection_count{listener,network_processor}
//   kafka_server_socket_server_metrics_connection_{creation,close}_total{listener,network_processor}
//   kafka_network_socketserver_networkprocessoravgidle_percent           (0..1)
//   kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent   (0..1)
//   kafka_network_processor_idle_percent{network_processor}               (0..1)
//   kafka_network_socketserver_memorypool{used,available}   bytes of queued.max.request.bytes
//   kafka_network_requestchannel_requestqueuesize           requests read and not yet answered
//   kafka_server_socket_server_metrics_{successful,failed}_authentication_total{listener,
//                                                                       network_processor}
//   samsa_sasl_authentication_failures_total{listener,mechanism}
//   samsa_network_connections_expired_total{listener,reason=idle|request_timeout|authentication}
//   samsa_network_connections_rejected_total{listener,reason=max_connections_per_ip}
//   samsa_network_acceptor_blocked_seconds_total{listener,reason=max_connections|
//                                                connection_creation_rate}
// Samsa runs request handlers on the network threads (no separate handler pool), so the two
// average idle gauges describe the same threads. A thread's busy time is its CPU time
// (CLOCK_THREAD_CPUTIME_ID): time it is blocked or waiting to run counts as idle. The thread label
// is `network_processor`, not jmx_exporter's camelCase `networkProcessor`, which `promtool check
// metrics` rejects; the dashboards sum these series by listener, so the label name does not matter
// to them.
#include <prometheus/collectable.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace samsa::metrics {

struct ConnectionCounters {
  std::atomic<int64_t> open{0};
  std::atomic<uint64_t> created{0};
  std::atomic<uint64_t> closed{0};
  std::atomic<uint64_t> expired_idle{0};
  std::atomic<uint64_t> expired_request_timeout{0};
  // SASL outcomes (Kafka's successful-/failed-authentication-total), and connections closed for
  // not authenticating in time or for an expired session (KIP-368).
  std::atomic<uint64_t> authentication_succeeded{0};
  std::atomic<uint64_t> authentication_failed{0};
  std::atomic<uint64_t> expired_authentication{0};
};

// What a listener's acceptor refused or waited for.
struct AcceptorCounters {
  std::atomic<uint64_t> rejected_per_ip{0};
  std::atomic<uint64_t> blocked_max_connections_ns{0};
  std::atomic<uint64_t> blocked_creation_rate_ns{0};
};

// The broker-wide request budgets, read at scrape time.
struct RequestBudgetStats {
  int64_t bytes_used = 0;
  int64_t bytes_capacity = 0;  // <= 0: unbounded
  int64_t requests_in_flight = 0;
};

class NetworkMetrics : public prometheus::Collectable {
 public:
  // CPU seconds used so far by each network thread, index = network_processor.
  using CpuSource = std::function<std::vector<double>()>;

  // Stable for the registry's life; called once per accepted connection.
  ConnectionCounters& connections(const std::string& listener, int processor);
  AcceptorCounters& acceptor(const std::string& listener);
  // Failed SASL authentications by listener and mechanism (the mechanism the client asked for).
  void count_authentication_failure(const std::string& listener, const std::string& mechanism);
  void set_budget_source(std::function<RequestBudgetStats()> source);

  // Set when the network threads start; takes the baseline sample the first idle values are
  // computed against.
  void set_cpu_source(CpuSource source);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // Idle fraction per thread between two samples (exposed for the unit tests).
  static std::vector<double> idle_fractions(const std::vector<double>& cpu_before,
                                            const std::vector<double>& cpu_after,
                                            double wall_seconds);

 private:
  struct Sample {
    std::chrono::steady_clock::time_point at;
    std::vector<double> cpu;
  };
  // Takes a sample and returns the idle fraction per thread over the last minute or so.
  std::vector<double> sample_idle() const;

  // Two locks, and the CPU source is never called under either: the source takes the Kafka
  // server's lock, which the accept loop holds while it calls connections().
  mutable std::mutex connections_mutex_;
  std::map<std::pair<std::string, int>, std::unique_ptr<ConnectionCounters>> connections_;
  std::map<std::string, std::unique_ptr<AcceptorCounters>> acceptors_;
  std::map<std::pair<std::string, std::string>, uint64_t> auth_failures_;  // connections_mutex_
  std::function<RequestBudgetStats()> budget_source_;  // guarded by connections_mutex_
  mutable std::mutex idle_mutex_;
  CpuSource cpu_source_;
  mutable std::deque<Sample> samples_;
  mutable std::vector<double> last_idle_;
};

}  // namespace samsa::metrics
