#pragma once
// One client connection: a single coroutine that reads a frame, handles it and writes the answer
// before reading the next one, so responses leave in request order (clients pipeline; TCP holds the
// backlog).
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/network_metrics.h"
#include "protocol/writer.h"
#include "server/request_context.h"
#include "server/response_regions.h"

namespace samsa::server {

class Connection {
 public:
  // `counters` (may be null) are the listener's and network thread's connection metrics.
  Connection(asio::ip::tcp::socket socket, Services& services, int32_t max_request_bytes,
             metrics::ConnectionCounters* counters = nullptr);
  asio::awaitable<void> run();

 private:
  // Returns false when the connection must be closed.
  asio::awaitable<bool> handle_frame(std::vector<uint8_t>& frame, std::vector<uint8_t>& out);
  // Sends a response: the buffer, with any file regions a fetch left in it spliced in.
  asio::awaitable<void> write_response(const std::vector<uint8_t>& out);
  void reject(const char* reason, int16_t api_key = -1, int16_t api_version = -1);
  // Request metrics for the request just answered, timed from `received`.
  void record_request(std::chrono::steady_clock::time_point received);

  asio::ip::tcp::socket socket_;
  Services& services_;
  int32_t max_request_bytes_;
  std::string peer_;
  metrics::ConnectionCounters* counters_;
  // The request being handled, for its metrics.
  int16_t api_key_ = -1;
  int16_t api_version_ = -1;
  protocol::ErrorTally errors_;
  // The seam for TLS: record bytes may go from segment file to socket with sendfile only when the
  // stream is plain TCP. A TLS connection must set this false, and fetches then copy the bytes.
  const bool zero_copy_records_ = true;
  ResponseFileRegions file_regions_;  // of the response being built and sent
};

}  // namespace samsa::server
