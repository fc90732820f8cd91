#pragma once
// The Kafka listeners: one acceptor per listener, connections spread over a pool of io_contexts
// (one thread each, num.network.threads), each connection pinned to one of them for its whole
// life. The pool can be resized at runtime, as Kafka resizes its network processors.
#include <asio.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "security/session.h"
#include "security/tls/tls_context.h"
#include "server/connection.h"
#include "server/network/async_semaphore.h"
#include "server/network/connection_quotas.h"
#include "server/request_context.h"

namespace samsa::server {

struct ListenerSpec {
  std::string name;
  std::string host;  // an address or a host name (resolved at start); empty = all interfaces
  int port;
  std::string config_key = "listeners";  // named in bind errors
  security::SecurityProtocol protocol = security::SecurityProtocol::kPlaintext;
  // SSL and SASL_SSL listeners: where each new connection takes its TLS context from.
  std::shared_ptr<security::tls::TlsContextProvider> tls;
};

// What bounds the network layer's memory and time (see Connection and ConnectionQuotas).
struct NetworkSettings {
  int threads = 3;                        // num.network.threads
  int32_t max_request_bytes = 100 << 20;  // socket.request.max.bytes
  int64_t queued_max_request_bytes = -1;  // <= 0: unbounded
  int32_t queued_max_requests = 500;
  std::chrono::milliseconds idle_timeout{600000};
  std::chrono::milliseconds request_timeout{30000};
  network::ConnectionLimits limits;
  SaslSettings sasl;
};

class KafkaServer {
 public:
  KafkaServer(Services& services, std::vector<ListenerSpec> listeners, NetworkSettings settings);
  ~KafkaServer();

  // Binds every listener (throws with the address on failure) and starts serving.
  void start();
  void stop();
  // The port actually bound for listener `index` (useful when configured with port 0).
  int bound_port(size_t index) const;

  // num.network.threads changed. Growing starts threads at once. Shrinking stops giving the
  // surplus threads new connections; each exits once its last connection closes (Kafka closes
  // those connections instead: clients would reconnect, but in-flight requests would fail).
  void resize_network_threads(int threads);
  int network_threads() const;
  // CPU seconds each active network thread has used (index = networkProcessor), for the idle
  // metrics.
  std::vector<double> network_thread_cpu_seconds() const;

  // Posts `probe` to every running network thread's event loop (retired ones still draining
  // included) and returns how many: the systemd watchdog pings only when all have run it.
  size_t probe_network_threads(const std::function<void()>& probe);

  // max.connections, max.connections.per.ip(.overrides), max.connection.creation.rate changed.
  void set_connection_limits(const network::ConnectionLimits& limits);
  network::ConnectionQuotas& quotas() { return quotas_; }

 private:
  struct NetworkThread {
    std::unique_ptr<asio::io_context> context;
    // A pointer because the guard is not move-assignable and these live in vectors.
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::thread thread;
  };
  static NetworkThread make_network_thread(bool run);
  static void run_network_thread(asio::io_context& context);
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, const ListenerSpec& spec);
  // Waits until max.connections and max.connection.creation.rate allow another connection.
  asio::awaitable<void> admit(asio::ip::tcp::acceptor& acceptor, const std::string& listener);
  // Places an accepted socket on a network thread, or closes it (per-IP limit, shutdown).
  void place(asio::ip::tcp::socket socket, const ListenerSpec& spec);

  Services& services_;
  std::vector<ListenerSpec> listener_specs_;
  NetworkSettings settings_;
  mutable std::mutex mutex_;  // guards the fields below
  // New connections go round-robin over active_; active_[0] also runs the acceptors.
  std::vector<NetworkThread> active_;
  std::vector<NetworkThread> retired_;  // draining after a shrink; joined when done or at stop
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  size_t next_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  bool accept_abort_ = false;  // never set: the acceptors end by closing, not by aborting waits
  // Declared after the threads so they go first: queued waiters hold timers of those threads.
  network::ConnectionQuotas quotas_;
  network::AsyncSemaphore request_bytes_;
  network::AsyncSemaphore request_slots_;
};

}  // namespace samsa::server
