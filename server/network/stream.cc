#include "server/network/stream.h"

namespace samsa::server::network {

Stream::Stream(asio::ip::tcp::socket socket) : plain_(std::move(socket)) {}

Stream::Stream(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> context)
    : context_(std::move(context)),
      tls_(std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket),
                                                                      *context_)) {}

asio::awaitable<size_t> Stream::read_some(asio::mutable_buffer buffer) {
  if (tls_) co_return co_await tls_->async_read_some(buffer, asio::use_awaitable);
  co_return co_await plain_->async_read_some(buffer, asio::use_awaitable);
}

asio::awaitable<void> Stream::write_all(asio::const_buffer buffer) {
  if (tls_) {
    co_await asio::async_write(*tls_, buffer, asio::use_awaitable);
  } else {
    co_await asio::async_write(*plain_, buffer, asio::use_awaitable);
  }
}

asio::awaitable<void> Stream::wait_readable() {
  if (tls_) co_return;
  co_await plain_->async_wait(asio::socket_base::wait_read, asio::use_awaitable);
}

size_t Stream::available() {
  if (tls_) return static_cast<size_t>(SSL_pending(tls_->native_handle()));
  std::error_code ec;
  const size_t n = plain_->available(ec);
  return ec ? 0 : n;
}

asio::awaitable<void> Stream::handshake() {
  if (tls_) co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
}

void Stream::close() {
  std::error_code ignored;
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace samsa::server::network
