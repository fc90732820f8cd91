#pragma once
// Kafka's ConnectionQuotas for client listeners: max.connections (the acceptor waits for a free
// slot, connections queue in the kernel's backlog), max.connections.per.ip and
// max.connections.per.ip.overrides (a connection over its address's limit is accepted and closed
// at once), and max.connection.creation.rate (the acceptor delays accepting so the rate is kept).
// Limits may change at runtime (they are cluster-wide dynamic configs).
#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "server/network/async_semaphore.h"

namespace samsa::server::network {

struct ConnectionLimits {
  int32_t max_connections = INT32_MAX;
  int32_t max_connections_per_ip = INT32_MAX;
  // Address (as asio prints it) -> limit; host names are resolved when the limits are built.
  std::map<std::string, int32_t> per_ip_overrides;
  int32_t max_connection_creation_rate = INT32_MAX;  // per second

  bool operator==(const ConnectionLimits&) const = default;
};

// max.connections.per.ip.overrides with host names resolved (every address of a name gets its
// count), as Kafka does. Throws std::invalid_argument naming the key and the host.
std::map<std::string, int32_t> resolve_per_ip_overrides(const std::string& value);

class ConnectionQuotas {
 public:
  explicit ConnectionQuotas(ConnectionLimits limits = {});

  void set_limits(const ConnectionLimits& limits);
  ConnectionLimits limits() const;

  // The acceptor holds one slot per open connection; waiting for one is how max.connections
  // blocks accepting.
  AsyncSemaphore& slots() { return slots_; }

  // How long the acceptor must wait before accepting the next connection to keep
  // max.connection.creation.rate; zero when it may accept now (then the creation is counted).
  std::chrono::nanoseconds creation_delay(std::chrono::steady_clock::time_point now);

  // Counts a connection from `address`; false (nothing counted) when the address is at its limit.
  bool try_add(const asio::ip::address& address);
  void remove(const asio::ip::address& address);
  int32_t count(const asio::ip::address& address) const;

 private:
  int32_t limit_for_locked(const std::string& address) const;

  mutable std::mutex mutex_;
  ConnectionLimits limits_;
  std::map<std::string, int32_t> per_ip_;
  // Token bucket for the creation rate: up to one second's worth of burst.
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_{};
  AsyncSemaphore slots_;
};

}  // namespace samsa::server::network
