#include "server/kafka_server.h"

#include <spdlog/spdlog.h>

#include "server/connection.h"

namespace samsa::server {

KafkaServer::KafkaServer(Services& services, std::vector<ListenerSpec> listeners, int threads,
                         int32_t max_request_bytes)
    : services_(services),
      listener_specs_(std::move(listeners)),
      max_request_bytes_(max_request_bytes) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
}

KafkaServer::~KafkaServer() {
  stop();
}

asio::io_context& KafkaServer::next_context() {
  auto& ctx = *contexts_[next_ % contexts_.size()];
  ++next_;
  return ctx;
}

void KafkaServer::start() {
  for (const auto& spec : listener_specs_) {
    auto& ctx = *contexts_[0];
    asio::ip::tcp::endpoint endpoint(
        asio::ip::make_address(spec.host.empty() ? "0.0.0.0" : spec.host),
        static_cast<uint16_t>(spec.port));
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(ctx);
    std::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + spec.name + "://" + spec.host + ":" +
                               std::to_string(spec.port) + ": " + ec.message());
    }
    asio::co_spawn(ctx, accept_loop(*acceptor), asio::detached);
    acceptors_.push_back(std::move(acceptor));
  }
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
}

int KafkaServer::bound_port(size_t index) const {
  return acceptors_.at(index)->local_endpoint().port();
}

asio::awaitable<void> KafkaServer::accept_loop(asio::ip::tcp::acceptor& acceptor) {
  for (;;) {
    auto& ctx = next_context();
    asio::ip::tcp::socket socket(ctx);
    std::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
      continue;
    }
    services_.stats.connections_accepted++;
    auto connection =
        std::make_shared<Connection>(std::move(socket), services_, max_request_bytes_);
    asio::co_spawn(
        ctx, [connection]() { return connection->run(); }, asio::detached);
  }
}

void KafkaServer::stop() {
  if (threads_.empty()) return;
  for (auto& acceptor : acceptors_) {
    asio::post(acceptor->get_executor(), [a = acceptor.get()] {
      std::error_code ignored;
      a->close(ignored);
    });
  }
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace samsa::server
