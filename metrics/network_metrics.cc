#include "metrics/network_metrics.h"

#include <algorithm>
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
  out.push_back(std::move(count));
  out.push_back(std::move(created));
  out.push_back(std::move(closed));
  lock.unlock();
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
