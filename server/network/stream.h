#pragma once
// A connection's byte stream behind one type: plain TCP, or TLS (OpenSSL through asio::ssl) over
// TCP. The connection reads and writes through it without knowing which; only sendfile needs the
// plain socket, and a TLS connection never uses it (record bytes must pass through OpenSSL).
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cstddef>
#include <memory>
#include <optional>

namespace samsa::server::network {

class Stream {
 public:
  explicit Stream(asio::ip::tcp::socket socket);
  // TLS over `socket`; `context` is held for the stream's life (a reload may replace the
  // listener's context while this connection is open).
  Stream(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> context);

  bool is_tls() const { return tls_ != nullptr; }
  // The TCP socket under any TLS layer (options, endpoints, close, sendfile on plain streams).
  asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  asio::any_io_executor get_executor() { return socket().get_executor(); }
  SSL* native_tls() { return tls_ ? tls_->native_handle() : nullptr; }

  asio::awaitable<size_t> read_some(asio::mutable_buffer buffer);
  asio::awaitable<void> write_all(asio::const_buffer buffer);
  // Waits until a read would make progress without reading. On TLS it returns at once: bytes
  // may already wait inside OpenSSL, where the socket's readiness cannot see them.
  asio::awaitable<void> wait_readable();
  // Bytes readable without blocking (on TLS: decrypted bytes OpenSSL holds).
  size_t available();
  // The server side of the TLS handshake; nothing on a plain stream.
  asio::awaitable<void> handshake();
  // Closes the TCP socket, failing any pending operation.
  void close();

 private:
  std::optional<asio::ip::tcp::socket> plain_;
  std::shared_ptr<asio::ssl::context> context_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> tls_;
};

}  // namespace samsa::server::network
