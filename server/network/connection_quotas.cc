#include "server/network/connection_quotas.h"

#include <asio/ip/tcp.hpp>
#include <stdexcept>

#include "config/listeners.h"

namespace samsa::server::network {
namespace {

int64_t capacity_of(int32_t max_connections) {
  return max_connections == INT32_MAX ? 0 : max_connections;
}

}  // namespace

std::map<std::string, int32_t> resolve_per_ip_overrides(const std::string& value) {
  std::map<std::string, int32_t> out;
  for (const auto& [host, count] : config::parse_connection_overrides(value)) {
    std::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
      out[address.to_string()] = count;
      continue;
    }
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(host, "", ec);
    if (ec || results.empty())
      throw std::invalid_argument("max.connections.per.ip.overrides: cannot resolve host '" + host +
                                  "': " + (ec ? ec.message() : std::string("no address")));
    for (const auto& r : results) out[r.endpoint().address().to_string()] = count;
  }
  return out;
}

ConnectionQuotas::ConnectionQuotas(ConnectionLimits limits)
    : limits_(std::move(limits)), slots_(capacity_of(limits_.max_connections)) {
  tokens_ = limits_.max_connection_creation_rate;
  refilled_ = std::chrono::steady_clock::now();
}

void ConnectionQuotas::set_limits(const ConnectionLimits& limits) {
  {
    std::lock_guard lock(mutex_);
    limits_ = limits;
    tokens_ = std::min<double>(tokens_, limits_.max_connection_creation_rate);
  }
  slots_.set_capacity(capacity_of(limits.max_connections));
}

ConnectionLimits ConnectionQuotas::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

std::chrono::nanoseconds ConnectionQuotas::creation_delay(
    std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  const double rate = limits_.max_connection_creation_rate;
  if (limits_.max_connection_creation_rate == INT32_MAX) return {};
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(rate, tokens_ + elapsed * rate);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return {};
  }
  if (rate <= 0) return std::chrono::seconds(1);  // rate 0: accept nothing, check again later
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>((1.0 - tokens_) / rate));
}

int32_t ConnectionQuotas::limit_for_locked(const std::string& address) const {
  auto it = limits_.per_ip_overrides.find(address);
  return it != limits_.per_ip_overrides.end() ? it->second : limits_.max_connections_per_ip;
}

bool ConnectionQuotas::try_add(const asio::ip::address& address) {
  const std::string key = address.to_string();
  std::lock_guard lock(mutex_);
  int32_t& n = per_ip_[key];
  if (n >= limit_for_locked(key)) {
    if (n == 0) per_ip_.erase(key);
    return false;
  }
  ++n;
  return true;
}

void ConnectionQuotas::remove(const asio::ip::address& address) {
  const std::string key = address.to_string();
  std::lock_guard lock(mutex_);
  auto it = per_ip_.find(key);
  if (it == per_ip_.end()) return;
  if (--it->second <= 0) per_ip_.erase(it);
}

int32_t ConnectionQuotas::count(const asio::ip::address& address) const {
  std::lock_guard lock(mutex_);
  auto it = per_ip_.find(address.to_string());
  return it == per_ip_.end() ? 0 : it->second;
}

}  // namespace samsa::server::network
