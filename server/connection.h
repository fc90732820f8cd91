#pragma once
// One client connection: a single coroutine that reads a frame, handles it and writes the answer
// before reading the next one, so responses leave in request order (clients pipeline; TCP holds the
// backlog).
//
// Memory and time are bounded here: the frame buffer grows only as bytes arrive, under the
// broker-wide request-bytes budget; a request waits for one of the broker's in-flight request
// slots before it is handled (both stop this connection being read, which is the backpressure);
// and a watchdog closes the connection when a request that has begun arriving is not complete
// within request.timeout.ms, or when nothing arrives for connections.max.idle.ms.
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "metrics/network_metrics.h"
#include "protocol/writer.h"
#include "security/session.h"
#include "security/tls/tls_context.h"
#include "server/network/async_semaphore.h"
#include "server/network/frame_buffer.h"
#include "server/network/stream.h"
#include "server/request_context.h"
#include "server/response_regions.h"
#include "server/sasl_auth.h"

namespace samsa::server {

struct ConnectionSettings {
  int32_t max_request_bytes = 100 << 20;             // socket.request.max.bytes
  std::chrono::milliseconds idle_timeout{600000};    // connections.max.idle.ms; <= 0: never
  std::chrono::milliseconds request_timeout{30000};  // request.timeout.ms; <= 0: never
  network::AsyncSemaphore* request_bytes = nullptr;  // queued.max.request.bytes; may be null
  network::AsyncSemaphore* request_slots = nullptr;  // queued.max.requests; may be null
  // The listener's TLS context at accept time (SSL and SASL_SSL listeners); null: plain TCP. The
  // handshake must finish within request_timeout (30 s when that is off).
  std::shared_ptr<const security::tls::TlsContext> tls;
  SaslSettings sasl;  // used on SASL listeners only
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `counters` (may be null) are the listener's and network thread's connection metrics.
  // `session` names the listener and its security protocol; its principal is filled in once TLS
  // and SASL are done.
  Connection(asio::ip::tcp::socket socket, Services& services, ConnectionSettings settings,
             security::Session session, metrics::ConnectionCounters* counters = nullptr);
  ~Connection();
  asio::awaitable<void> run();

  const std::string& peer() const { return peer_; }
  const security::Session& session() const { return session_; }

 private:
  enum class Phase { kIdle, kReading, kHandling, kHandshake };

  // Returns false when the connection must be closed.
  asio::awaitable<bool> handle_frame(std::vector<uint8_t>& out);
  // One raw SASL token (after SaslHandshake v0): a bare length-prefixed frame each way, as
  // Kafka's SaslServerAuthenticator. Returns false when the connection must be closed.
  asio::awaitable<bool> handle_raw_token(int32_t size);
  // Waits connection.failed.authentication.delay.ms (Kafka delays a failed authentication's
  // answer so a client cannot retry passwords quickly).
  asio::awaitable<void> failed_authentication_delay();
  // Why the watchdog must close the connection for SASL reasons now (nullptr: it need not).
  const char* sasl_expiry_reason(std::chrono::steady_clock::time_point now) const;
  // Reads the 4-byte size prefix; the request clock starts with its first byte.
  asio::awaitable<int32_t> read_size();
  asio::awaitable<void> read_body(size_t size);
  // The TLS handshake and, on SSL listeners, the principal from the client certificate. Returns
  // false (having logged why) when the connection must be closed.
  asio::awaitable<bool> tls_handshake();
  // The client certificate's subject mapped by ssl.principal.mapping.rules; false when no rule
  // applies (the client is not authenticated).
  // An audit line for a client certificate's authentication on an SSL listener.
  void audit_certificate(const std::string& principal, bool ok, const std::string& reason);
  bool authenticate_certificate();
  void give_back_frame_memory(bool keep_small);
  asio::awaitable<void> watchdog();
  // Sends a response: the buffer, with any file regions a fetch left in it spliced in.
  asio::awaitable<void> write_response(const std::vector<uint8_t>& out);
  void reject(const char* reason, int16_t api_key = -1, int16_t api_version = -1);
  // Request metrics for the request just answered, timed from `received`.
  void record_request(std::chrono::steady_clock::time_point received);

  network::Stream stream_;
  Services& services_;
  ConnectionSettings settings_;
  std::string peer_;
  security::Session session_;
  metrics::ConnectionCounters* counters_;
  network::FrameBuffer frame_;
  int64_t frame_accounted_ = 0;  // bytes of request_bytes this connection holds
  bool holds_slot_ = false;
  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point phase_since_;
  asio::steady_timer watchdog_timer_;
  std::shared_ptr<asio::steady_timer> wait_timer_;  // budget waits
  bool closing_ = false;                            // set by the watchdog (or the end of run())
  // The request being handled, for its metrics.
  int16_t api_key_ = -1;
  int16_t api_version_ = -1;
  protocol::ErrorTally errors_;
  // Record bytes may go from segment file to socket with sendfile only when the stream is plain
  // TCP; on TLS they must pass through OpenSSL, so fetches copy them.
  const bool zero_copy_records_;
  ResponseFileRegions file_regions_;  // of the response being built and sent
  SaslConnectionState sasl_;
  bool close_after_write_ = false;  // the response just built is the connection's last
  const std::chrono::steady_clock::time_point connected_at_ = std::chrono::steady_clock::now();
};

}  // namespace samsa::server
