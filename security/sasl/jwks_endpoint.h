#pragma once
// The identity provider's JWKS fetched over HTTP(S)
// (sasl.oauthbearer.jwks.endpoint.url=https://...), with the behaviour of Kafka's
// RefreshingHttpsJwks:
//   * fetched once at startup, retried with exponential backoff from
//     sasl.oauthbearer.jwks.endpoint.retry.backoff.ms up to .retry.backoff.max.ms; a JWKS that
//     cannot be had then stops startup (the constructor throws JwksError);
//   * refetched every sasl.oauthbearer.jwks.endpoint.refresh.ms by a thread of its own, never
//     on a network thread; a failed refetch keeps the keys loaded before;
//   * a token naming a kid the set lacks (a key rotation the broker has not seen yet) asks for an
//     early refetch, at most once a minute per kid, as Kafka does; because a client that has not
//     authenticated can name any kid, early refetches are also spaced by at least
//     .retry.backoff.max.ms overall (Kafka has no such bound).
// Trust for https: the system's CA certificates, or the PEM file named by the `ssl.truststore.*`
// options of the listener's OAUTHBEARER sasl.jaas.config (where Kafka reads them).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "security/sasl/jwt_validator.h"

namespace samsa::security::oauth {

struct JwksEndpointOptions {
  std::string url;  // http:// or https://
  int64_t refresh_ms = 3600000;
  int64_t retry_backoff_ms = 100;
  int64_t retry_backoff_max_ms = 10000;
  std::string ca_file;         // PEM CA bundle; empty: the system's trust store
  int64_t timeout_ms = 10000;  // per HTTP request, connect included
};

// Largest JWKS document accepted from an endpoint.
inline constexpr size_t kMaxJwksDocumentBytes = 4 << 20;

// One GET of `options.url`: the JSON text of a 200 answer. Throws JwksError naming the URL and
// what went wrong; `retryable` (when not null) says whether trying again may help (network
// errors and 5xx/429 may, other statuses and oversized documents do not).
std::string fetch_jwks_document(const JwksEndpointOptions& options, bool* retryable = nullptr);

class JwksEndpoint : public KeySource {
 public:
  explicit JwksEndpoint(JwksEndpointOptions options);
  ~JwksEndpoint() override;
  JwksEndpoint(const JwksEndpoint&) = delete;
  JwksEndpoint& operator=(const JwksEndpoint&) = delete;

  std::shared_ptr<const JsonWebKeySet> current() override;
  // Asks the refresh thread to refetch now (SIGHUP); the old keys serve until it has.
  bool reload() override;
  void key_not_found(std::string_view kid) override;
  const std::string& url() const { return options_.url; }
  // How many fetches have succeeded (the startup one included); for tests and logs.
  uint64_t fetches() const;

 private:
  using Clock = std::chrono::steady_clock;
  // Fetches with retries until retry_backoff_max_ms has passed or `stop_` is set.
  std::shared_ptr<const JsonWebKeySet> fetch_with_retries(std::unique_lock<std::mutex>& lock);
  void run();

  const JwksEndpointOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<const JsonWebKeySet> set_;
  bool stop_ = false;
  bool refresh_now_ = false;
  uint64_t fetches_ = 0;
  // An early refetch asked for by an unknown kid, and when the last one ran.
  std::optional<Clock::time_point> expedite_at_;
  Clock::time_point last_expedited_{};
  std::map<std::string, Clock::time_point, std::less<>> missing_kids_;
  std::thread thread_;
};

// Makes the KeySource a sasl.oauthbearer.jwks.endpoint.url names: a JwksFile for file:, a
// JwksEndpoint for http(s):. Throws JwksError for anything else or when the keys cannot be had.
std::shared_ptr<KeySource> make_key_source(JwksEndpointOptions options);

}  // namespace samsa::security::oauth
