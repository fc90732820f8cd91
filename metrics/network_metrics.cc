#include "metrics/network_metrics.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "metrics/families.h"

namespace samsa::metrics {
namespace {

// Idle fractions are averaged over about this long (Kafka's are one-minute rates).
constexpr std::chrono::seconds kWindow{60};

}  // namespace

ConnectionCounters& NetworkMetrics::connections(const std::string& listener, int processor) {
  std::lock_guard lock(connections_mutex_);
  auto& slot = connections_[{listener, processor}];
  if (!slot) slot = std::make_unique<ConnectionCounters>();
  return *slot;
}

AcceptorCounters& NetworkMetrics::acceptor(const std::string& listener) {
  std::lock_guard lock(connections_mutex_);
  auto& slot = acceptors_[listener];
  if (!slot) slot = std::make_unique<AcceptorCounters>();
  return *slot;
}

void NetworkMetrics::count_authentication_failure(const std::string& listener,
                                                  const std::string& mechanism) {
  std::lock_guard lock(connections_mutex_);
  auth_failures_[{listener, mechanism}]++;
}

void NetworkMetrics::set_budget_source(std::function<RequestBudgetStats()> source) {
  std::lock_guard lock(connections_mutex_);
  budget_source_ = std::move(source);
}

void NetworkMetrics::set_cpu_source(CpuSource source) {
  std::optional<Sample> baseline;
  if (source) baseline = Sample{std::chrono::steady_clock::now(), source()};
  std::lock_guard lock(idle_mutex_);
  cpu_source_ = std::move(source);
  samples_.clear();
  last_idle_.clear();
  if (baseline) samples_.push_back(std::move(*baseline));
}

std::vector<double> NetworkMetrics::idle_fractions(const std::vector<double>& before,
                                                   const std::vector<double>& after,
                                                   double wall_seconds) {
  std::vector<double> out;
  const size_t n = std::min(before.size(), after.size());
  for (size_t i = 0; i < n; ++i) {
    double busy = wall_seconds > 0 ? (after[i] - before[i]) / wall_seconds : 0.0;
    out.push_back(std::clamp(1.0 - busy, 0.0, 1.0));
  }
  return out;
}

std::vector<double> NetworkMetrics::sample_idle() const {
  CpuSource source;
  {
    std::lock_guard lock(idle_mutex_);
    source = cpu_source_;
  }
  if (!source) return {};
  Sample now{std::chrono::steady_clock::now(), source()};
  std::lock_guard lock(idle_mutex_);
  // A resize changed the threads: start a new window from this sample.
  if (!samples_.empty() && samples_.back().cpu.size() != now.cpu.size()) samples_.clear();
  while (samples_.size() >= 2 && now.at - samples_[1].at >= kWindow) samples_.pop_front();
  if (!samples_.empty()) {
    const Sample& ref = samples_.front();
    const double wall = std::chrono::duration<double>(now.at - ref.at).count();
    if (wall > 0.05) last_idle_ = idle_fractions(ref.cpu, now.cpu, wall);
  }
  // Scrapes closer together than a second add no information to the window.
  if (samples_.empty() || now.at - samples_.back().at >= std::chrono::seconds(1)) {
    samples_.push_back(std::move(now));
  }
  if (last_idle_.size() != samples_.back().cpu.size()) {
    last_idle_.assign(samples_.back().cpu.size(), 1.0);
  }
  return last_idle_;
}

std::vector<prometheus::MetricFamily> NetworkMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  std::unique_lock lock(connections_mutex_);
  auto count = make_family("kafka_server_socket_server_metrics_connection_count",
                           "Open client connections, by listener and network thread",
                           prometheus::MetricType::Untyped);
  auto created = make_family("kafka_server_socket_server_metrics_connection_creation_total",
                             "Client connections accepted", prometheus::MetricType::Counter);
  auto closed = make_family("kafka_server_socket_server_metrics_connection_close_total",
                            "Client connections closed", prometheus::MetricType::Counter);
  for (const auto& [key, c] : connections_) {
    Labels labels{{"listener", key.first}, {"network_processor", std::to_string(key.second)}};
    add_untyped(count, labels, static_cast<double>(c->open.load()));
    add_counter(created, labels, static_cast<double>(c->created.load()));
    add_counter(closed, labels, static_cast<double>(c->closed.load()));
  }
  auto auth_ok = make_family("kafka_server_socket_server_metrics_successful_authentication_total",
                             "Connections that completed SASL authentication",
                             prometheus::MetricType::Counter);
  auto auth_failed =
      make_family("kafka_server_socket_server_metrics_failed_authentication_total",
                  "SASL authentications that failed", prometheus::MetricType::Counter);
  for (const auto& [key, c] : connections_) {
    Labels labels{{"listener", key.first}, {"network_processor", std::to_string(key.second)}};
    add_counter(auth_ok, labels, static_cast<double>(c->authentication_succeeded.load()));
    add_counter(auth_failed, labels, static_cast<double>(c->authentication_failed.load()));
  }
  auto failures = make_family("samsa_sasl_authentication_failures_total",
                              "Failed SASL authentications, by listener and the mechanism the "
                              "client chose",
                              prometheus::MetricType::Counter);
  for (const auto& [key, n] : auth_failures_) {
    add_counter(failures, {{"listener", key.first}, {"mechanism", key.second}},
                static_cast<double>(n));
  }
  auto expired = make_family("samsa_network_connections_expired_total",
                             "Client connections closed by the broker for being idle "
                             "(connections.max.idle.ms) or for a request not complete within "
                             "request.timeout.ms of its first byte",
                             prometheus::MetricType::Counter);
  struct Expired {
    uint64_t idle = 0, request_timeout = 0, authentication = 0;
  };
  std::map<std::string, Expired> expired_by_listener;
  for (const auto& [key, c] : connections_) {
    auto& e = expired_by_listener[key.first];
    e.idle += c->expired_idle.load();
    e.request_timeout += c->expired_request_timeout.load();
    e.authentication += c->expired_authentication.load();
  }
  for (const auto& [listener, e] : expired_by_listener) {
    add_counter(expired, {{"listener", listener}, {"reason", "idle"}}, static_cast<double>(e.idle));
    add_counter(expired, {{"listener", listener}, {"reason", "request_timeout"}},
                static_cast<double>(e.request_timeout));
    add_counter(expired, {{"listener", listener}, {"reason", "authentication"}},
                static_cast<double>(e.authentication));
  }
  auto rejected = make_family("samsa_network_connections_rejected_total",
                              "Client connections accepted and closed at once because their "
                              "address was at max.connections.per.ip (or its override)",
                              prometheus::MetricType::Counter);
  auto blocked = make_family("samsa_network_acceptor_blocked_seconds_total",
                             "Time a listener's acceptor waited before accepting: for a free "
                             "slot under max.connections, or to keep max.connection.creation.rate",
                             prometheus::MetricType::Counter);
  for (const auto& [listener, a] : acceptors_) {
    add_counter(rejected, {{"listener", listener}, {"reason", "max_connections_per_ip"}},
                static_cast<double>(a->rejected_per_ip.load()));
    add_counter(blocked, {{"listener", listener}, {"reason", "max_connections"}},
                static_cast<double>(a->blocked_max_connections_ns.load()) * 1e-9);
    add_counter(blocked, {{"listener", listener}, {"reason", "connection_creation_rate"}},
                static_cast<double>(a->blocked_creation_rate_ns.load()) * 1e-9);
  }
  out.push_back(std::move(count));
  out.push_back(std::move(created));
  out.push_back(std::move(closed));
  out.push_back(std::move(auth_ok));
  out.push_back(std::move(auth_failed));
  out.push_back(std::move(failures));
  out.push_back(std::move(expired));
  out.push_back(std::move(rejected));
  out.push_back(std::move(blocked));
  auto budget_source = budget_source_;
  lock.unlock();
  if (budget_source) {
    const RequestBudgetStats b = budget_source();
    add_single_gauge(out, "kafka_network_socketserver_memorypoolused",
                     "Bytes of request frames held (queued.max.request.bytes)",
                     static_cast<double>(b.bytes_used));
    add_single_gauge(out, "kafka_network_socketserver_memorypoolavailable",
                     "Bytes of queued.max.request.bytes still free (+Inf when unbounded)",
                     b.bytes_capacity <= 0 ? std::numeric_limits<double>::infinity()
                                           : static_cast<double>(std::max<int64_t>(
                                                 0, b.bytes_capacity - b.bytes_used)));
    add_single_gauge(out, "kafka_network_requestchannel_requestqueuesize",
                     "Requests read and not yet answered (bounded by queued.max.requests)",
                     static_cast<double>(b.requests_in_flight));
  }
  const std::vector<double> idle = sample_idle();
  double avg = 1.0;
  if (!idle.empty()) {
    avg = 0;
    for (double v : idle) avg += v;
    avg /= static_cast<double>(idle.size());
  }
  add_single_gauge(out, "kafka_network_socketserver_networkprocessoravgidle_percent",
                   "Average idle fraction (0..1) of the network threads over the last minute", avg);
  add_single_gauge(out, "kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent",
                   "Average idle fraction (0..1) of the threads running request handlers (the "
                   "network threads in Samsa) over the last minute",
                   avg);
  auto& per_thread = add_family(out, "kafka_network_processor_idle_percent",
                                "Idle fraction (0..1) of each network thread over the last minute",
                                prometheus::MetricType::Gauge);
  for (size_t i = 0; i < idle.size(); ++i) {
    add_gauge(per_thread, {{"network_processor", std::to_string(i)}}, idle[i]);
  }
  return out;
}

}  // namespace samsa::metrics
