#include "broker/tls_listeners.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "metrics/families.h"
#include "security/session.h"

namespace samsa::broker {
namespace {

// How often the key and trust store files are checked for changes.
constexpr std::chrono::seconds kPollInterval{2};

}  // namespace

TlsListeners::TlsListeners(const config::BrokerConfig& config, metrics::MetricsRegistry& registry) {
  auto add = [&](const std::string& listener, const std::string& protocol) {
    auto lookup = [&config, listener](std::string_view key) {
      return config.listener_value_string(listener, key);
    };
    auto key_name = [&config, listener](std::string_view key) {
      if (!config.listener_overrides(listener, key)) return std::string(key);
      std::string lower = listener;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      return "listener.name." + lower + "." + std::string(key);
    };
    providers_[listener] =
        std::make_shared<security::tls::TlsContextProvider>(listener, lookup, key_name);
    const auto current = providers_[listener]->current();
    spdlog::info("event=tls_listener listener={} protocol={} serial={} not_after={}", listener,
                 protocol, current->certificate_serial, current->certificate_not_after);
  };
  for (const auto& l : config.listeners()) {
    const auto protocol = security::parse_security_protocol(l.security_protocol);
    if (protocol && security::uses_tls(*protocol)) add(l.name, l.security_protocol);
  }
  // The admin HTTP server's https listeners share one context, reloaded as the others are.
  const auto admin = config.admin_listeners();
  if (std::any_of(admin.begin(), admin.end(), [](const auto& l) { return l.scheme == "https"; })) {
    add(std::string(config::kAdminHttpListener), "HTTPS");
  }
  if (providers_.empty()) return;
  registry.add_collector(std::make_shared<metrics::FunctionCollector>(
      [providers = providers_](std::vector<prometheus::MetricFamily>& out) {
        auto& family = metrics::add_family(
            out, "samsa_tls_certificate_expiry_timestamp_seconds",
            "When the certificate a TLS listener presents expires (notAfter, unix seconds)",
            prometheus::MetricType::Gauge);
        for (const auto& [name, provider] : providers) {
          metrics::add_gauge(family, {{"listener", name}},
                             static_cast<double>(provider->current()->certificate_not_after));
        }
      }));
}

TlsListeners::~TlsListeners() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

std::shared_ptr<security::tls::TlsContextProvider> TlsListeners::provider(
    const std::string& listener) const {
  auto it = providers_.find(listener);
  return it == providers_.end() ? nullptr : it->second;
}

void TlsListeners::start() {
  if (providers_.empty()) return;
  poller_ = std::thread([this] { poll(); });
}

void TlsListeners::reload() {
  for (auto& [name, provider] : providers_) provider->reload("sighup");
}

void TlsListeners::poll() {
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, kPollInterval, [this] { return stopping_; })) {
    lock.unlock();
    for (auto& [name, provider] : providers_) provider->reload_if_changed();
    lock.lock();
  }
}

}  // namespace samsa::broker
