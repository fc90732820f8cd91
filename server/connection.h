#pragma once
// One client connection: a single coroutine that reads a frame, handles it and writes the answer
// before reading the next one, so responses leave in request order (clients pipeline; TCP holds the
// backlog).
#include <asio.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "server/request_context.h"

namespace samsa::server {

class Connection {
 public:
  Connection(asio::ip::tcp::socket socket, Services& services, int32_t max_request_bytes);
  asio::awaitable<void> run();

 private:
  // Returns false when the connection must be closed.
  asio::awaitable<bool> handle_frame(std::vector<uint8_t>& frame, std::vector<uint8_t>& out);
  void reject(const char* reason, int16_t api_key = -1, int16_t api_version = -1);

  asio::ip::tcp::socket socket_;
  Services& services_;
  int32_t max_request_bytes_;
  std::string peer_;
};

}  // namespace samsa::server
