#pragma once
// One TLS context provider per SSL or SASL_SSL listener, and what keeps them current: a poll of
// the key and trust store files' mtimes, and reload() for SIGHUP. Each listener's certificate
// expiry is exported as samsa_tls_certificate_expiry_timestamp_seconds{listener}.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/broker_config.h"
#include "metrics/metrics_registry.h"
#include "security/tls/tls_context.h"

namespace samsa::broker {

class TlsListeners {
 public:
  // Builds every TLS listener's context; throws (naming the config key) on a bad setting or file.
  TlsListeners(const config::BrokerConfig& config, metrics::MetricsRegistry& registry);
  ~TlsListeners();

  // The provider of a TLS listener (by name), null for others.
  std::shared_ptr<security::tls::TlsContextProvider> provider(const std::string& listener) const;
  bool empty() const { return providers_.empty(); }
  // Starts polling the files.
  void start();
  // Rebuilds every listener's context (SIGHUP); failures keep the old one.
  void reload();

 private:
  void poll();

  std::map<std::string, std::shared_ptr<security::tls::TlsContextProvider>> providers_;
  std::thread poller_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace samsa::broker
