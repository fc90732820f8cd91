#pragma once
// The Kafka listeners: one acceptor per listener, connections spread over a pool of io_contexts
// (one thread each), each connection pinned to one of them for its whole life.
#include <asio.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/request_context.h"

namespace samsa::server {

struct ListenerSpec {
  std::string name;
  std::string host;
  int port;
};

class KafkaServer {
 public:
  KafkaServer(Services& services, std::vector<ListenerSpec> listeners, int threads,
              int32_t max_request_bytes);
  ~KafkaServer();

  // Binds every listener (throws with the address on failure) and starts serving.
  void start();
  void stop();
  // The port actually bound for listener `index` (useful when configured with port 0).
  int bound_port(size_t index) const;

 private:
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::io_context& next_context();

  Services& services_;
  std::vector<ListenerSpec> listener_specs_;
  int32_t max_request_bytes_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<std::thread> threads_;
  size_t next_ = 0;
};

}  // namespace samsa::server
