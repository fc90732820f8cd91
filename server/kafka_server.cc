#include "server/kafka_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include "metrics/kafka_metrics.h"
#include "server/connection.h"

namespace samsa::server {

KafkaServer::KafkaServer(Services& services, std::vector<ListenerSpec> listeners, int threads,
                         int32_t max_request_bytes)
    : services_(services),
      listener_specs_(std::move(listeners)),
      max_request_bytes_(max_request_bytes) {
  for (int i = 0; i < std::max(1, threads); ++i) active_.push_back(make_network_thread(false));
}

KafkaServer::~KafkaServer() {
  stop();
}

KafkaServer::NetworkThread KafkaServer::make_network_thread(bool run) {
  NetworkThread t;
  t.context = std::make_unique<asio::io_context>(1);
  t.guard = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      asio::make_work_guard(*t.context));
  if (run) t.thread = std::thread([c = t.context.get()] { c->run(); });
  return t;
}

void KafkaServer::start() {
  std::unique_lock lock(mutex_);
  for (const auto& spec : listener_specs_) {
    auto& ctx = *active_[0].context;
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
    asio::co_spawn(ctx, accept_loop(*acceptor, spec.name), asio::detached);
    acceptors_.push_back(std::move(acceptor));
  }
  for (auto& t : active_) t.thread = std::thread([c = t.context.get()] { c->run(); });
  started_ = true;
  lock.unlock();  // the CPU source takes the lock itself, and may be called right away
  if (services_.metrics != nullptr) {
    services_.metrics->network->set_cpu_source([this] { return network_thread_cpu_seconds(); });
  }
}

std::vector<double> KafkaServer::network_thread_cpu_seconds() const {
  // Read under the lock: a thread in active_ is running, so its CPU clock is valid.
  std::lock_guard lock(mutex_);
  std::vector<double> out;
  for (const auto& t : active_) {
    clockid_t clock;
    timespec ts{};
    if (!t.thread.joinable() ||
        pthread_getcpuclockid(const_cast<std::thread&>(t.thread).native_handle(), &clock) != 0 ||
        clock_gettime(clock, &ts) != 0) {
      out.push_back(0);
      continue;
    }
    out.push_back(static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9);
  }
  return out;
}

int KafkaServer::bound_port(size_t index) const {
  std::lock_guard lock(mutex_);
  return acceptors_.at(index)->local_endpoint().port();
}

int KafkaServer::network_threads() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(active_.size());
}

void KafkaServer::resize_network_threads(int threads) {
  threads = std::max(1, threads);
  std::vector<NetworkThread> finished;  // joined, then destroyed, outside the lock
  size_t draining = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->context->stopped()) {
        finished.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    while (active_.size() > static_cast<size_t>(threads)) {
      // Without its guard the context runs out of work when its last connection ends.
      active_.back().guard.reset();
      retired_.push_back(std::move(active_.back()));
      active_.pop_back();
    }
    while (active_.size() < static_cast<size_t>(threads))
      active_.push_back(make_network_thread(started_));
    draining = retired_.size();
  }
  for (auto& t : finished)
    if (t.thread.joinable()) t.thread.join();
  spdlog::info("event=network_threads_resized threads={} draining={}", threads, draining);
}

asio::awaitable<void> KafkaServer::accept_loop(asio::ip::tcp::acceptor& acceptor,
                                               std::string listener) {
  const auto protocol = acceptor.local_endpoint().protocol();
  for (;;) {
    std::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
      continue;
    }
    services_.stats.connections_accepted++;
    // The thread is picked only now, under the lock, and the connection is spawned before the
    // lock is released: a resize can then never retire a thread between the pick and the spawn
    // and leave the connection on a context that has already run dry.
    std::lock_guard lock(mutex_);
    if (stopped_) co_return;
    const size_t processor = next_++ % active_.size();
    auto& ctx = *active_[processor].context;
    asio::ip::tcp::socket pinned(ctx);
    pinned.assign(protocol, socket.release(ec), ec);
    if (ec) {
      spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
      continue;
    }
    metrics::ConnectionCounters* counters = nullptr;
    if (services_.metrics != nullptr) {
      counters = &services_.metrics->network->connections(listener, static_cast<int>(processor));
    }
    auto connection =
        std::make_shared<Connection>(std::move(pinned), services_, max_request_bytes_, counters);
    asio::co_spawn(
        ctx, [connection]() { return connection->run(); }, asio::detached);
  }
}

void KafkaServer::stop() {
  if (services_.metrics != nullptr) services_.metrics->network->set_cpu_source(nullptr);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    for (auto& acceptor : acceptors_) {
      asio::post(acceptor->get_executor(), [a = acceptor.get()] {
        std::error_code ignored;
        a->close(ignored);
      });
    }
    for (auto* pool : {&active_, &retired_}) {
      for (auto& t : *pool) {
        t.guard.reset();
        t.context->stop();
        if (t.thread.joinable()) threads.push_back(std::move(t.thread));
      }
    }
  }
  for (auto& t : threads) t.join();
}

}  // namespace samsa::server
