#include "server/kafka_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <sstream>

#include "metrics/kafka_metrics.h"
#include "server/connection.h"

namespace samsa::server {

namespace {

// A connection's whole life on its network thread, then its quota slots back.
asio::awaitable<void> serve(std::shared_ptr<Connection> connection,
                            network::ConnectionQuotas& quotas, asio::ip::address address) {
  co_await connection->run();
  quotas.remove(address);
  quotas.slots().release(1);
}

uint64_t nanos_since(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t)
          .count());
}

// Listener hosts may be names (Kafka resolves them); the first address is bound.
asio::ip::tcp::endpoint resolve_listener(asio::io_context& ctx, const ListenerSpec& spec) {
  const uint16_t port = static_cast<uint16_t>(spec.port);
  if (spec.host.empty()) return {asio::ip::address_v4::any(), port};
  std::error_code ec;
  auto address = asio::ip::make_address(spec.host, ec);
  if (!ec) return {address, port};
  asio::ip::tcp::resolver resolver(ctx);
  auto results = resolver.resolve(spec.host, std::to_string(spec.port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error(spec.config_key + ": cannot resolve host '" + spec.host +
                             "' of listener " + spec.name + ": " +
                             (ec ? ec.message() : std::string("no address")));
  }
  return results.begin()->endpoint();
}

}  // namespace

KafkaServer::KafkaServer(Services& services, std::vector<ListenerSpec> listeners,
                         NetworkSettings settings)
    : services_(services),
      listener_specs_(std::move(listeners)),
      settings_(std::move(settings)),
      quotas_(settings_.limits),
      request_bytes_(settings_.queued_max_request_bytes),
      request_slots_(settings_.queued_max_requests) {
  for (int i = 0; i < std::max(1, settings_.threads); ++i)
    active_.push_back(make_network_thread(false));
}

KafkaServer::~KafkaServer() {
  stop();
}

KafkaServer::NetworkThread KafkaServer::make_network_thread(bool run) {
  NetworkThread t;
  t.context = std::make_unique<asio::io_context>(1);
  t.guard = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      asio::make_work_guard(*t.context));
  if (run) t.thread = std::thread([c = t.context.get()] { run_network_thread(*c); });
  return t;
}

void KafkaServer::run_network_thread(asio::io_context& context) {
  // Named so an operator (top -H, /proc/<pid>/task/*/comm) and the watchdog test can find them.
  pthread_setname_np(pthread_self(), "samsa-network");
  context.run();
}

size_t KafkaServer::probe_network_threads(const std::function<void()>& probe) {
  // Posted under the lock: a retired context that has stopped may be destroyed by
  // resize_network_threads as soon as the lock is released.
  std::lock_guard lock(mutex_);
  if (!started_ || stopped_) return 0;
  size_t posted = 0;
  for (auto* threads : {&active_, &retired_}) {
    for (auto& t : *threads) {
      if (t.context->stopped()) continue;
      asio::post(*t.context, probe);
      ++posted;
    }
  }
  return posted;
}

void KafkaServer::start() {
  std::unique_lock lock(mutex_);
  for (const auto& spec : listener_specs_) {
    auto& ctx = *active_[0].context;
    const asio::ip::tcp::endpoint endpoint = resolve_listener(ctx, spec);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(ctx);
    std::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::ostringstream address;
      address << endpoint;
      throw std::runtime_error(spec.config_key + ": cannot listen on " + spec.name + "://" +
                               spec.host + ":" + std::to_string(spec.port) + " (" + address.str() +
                               "): " + ec.message());
    }
    asio::co_spawn(ctx, accept_loop(*acceptor, spec), asio::detached);
    acceptors_.push_back(std::move(acceptor));
  }
  for (auto& t : active_) t.thread = std::thread([c = t.context.get()] { run_network_thread(*c); });
  started_ = true;
  lock.unlock();  // the CPU source takes the lock itself, and may be called right away
  if (services_.metrics != nullptr) {
    services_.metrics->network->set_cpu_source([this] { return network_thread_cpu_seconds(); });
    services_.metrics->network->set_budget_source([this] {
      return metrics::RequestBudgetStats{request_bytes_.used(), request_bytes_.capacity(),
                                         request_slots_.used()};
    });
  }
}

void KafkaServer::set_connection_limits(const network::ConnectionLimits& limits) {
  quotas_.set_limits(limits);
  spdlog::info(
      "event=connection_limits max_connections={} max_connections_per_ip={} overrides={} "
      "max_connection_creation_rate={}",
      limits.max_connections, limits.max_connections_per_ip, limits.per_ip_overrides.size(),
      limits.max_connection_creation_rate);
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

asio::awaitable<void> KafkaServer::admit(asio::ip::tcp::acceptor& acceptor,
                                         const std::string& listener) {
  metrics::AcceptorCounters* counters =
      services_.metrics != nullptr ? &services_.metrics->network->acceptor(listener) : nullptr;
  auto timer = std::make_shared<asio::steady_timer>(acceptor.get_executor());
  // max.connections: as in Kafka, the acceptor waits for a free slot; new connections queue in
  // the kernel's backlog meanwhile.
  auto started = std::chrono::steady_clock::now();
  co_await network::async_acquire(quotas_.slots(), 1, timer, &accept_abort_);
  if (counters != nullptr) counters->blocked_max_connections_ns += nanos_since(started);
  // max.connection.creation.rate: accepting is delayed, not refused.
  for (;;) {
    auto delay = quotas_.creation_delay(std::chrono::steady_clock::now());
    if (delay.count() <= 0) break;
    started = std::chrono::steady_clock::now();
    timer->expires_after(delay);
    std::error_code ignored;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (counters != nullptr) counters->blocked_creation_rate_ns += nanos_since(started);
  }
}

asio::awaitable<void> KafkaServer::accept_loop(asio::ip::tcp::acceptor& acceptor,
                                               const ListenerSpec& spec) {
  const std::string& listener = spec.name;
  for (;;) {
    co_await admit(acceptor, listener);
    std::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      quotas_.slots().release(1);
      co_return;
    }
    if (ec) {
      quotas_.slots().release(1);
      // EMFILE and friends: back off a little instead of spinning on the same error.
      spdlog::warn("event=accept_failed listener={} error=\"{}\"", listener, ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    services_.stats.connections_accepted++;
    place(std::move(socket), spec);
  }
}

void KafkaServer::place(asio::ip::tcp::socket socket, const ListenerSpec& spec) {
  const std::string& listener = spec.name;
  std::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) {  // already gone
    quotas_.slots().release(1);
    return;
  }
  const asio::ip::address address = remote.address();
  // Undoes what accepting counted, for a connection that will not be served.
  auto give_back = [&] {
    quotas_.remove(address);
    quotas_.slots().release(1);
  };
  if (!quotas_.try_add(address)) {
    // Kafka's TooManyConnectionsException: accepted, then closed at once.
    spdlog::info(
        "event=connection_rejected reason=max_connections_per_ip listener={} peer={} "
        "connections_from_address={}",
        listener, remote.address().to_string(), quotas_.count(address));
    if (services_.metrics != nullptr)
      services_.metrics->network->acceptor(listener).rejected_per_ip++;
    socket.close(ec);
    quotas_.slots().release(1);
    return;
  }
  // The thread is picked only now, under the lock, and the connection is spawned before the
  // lock is released: a resize can then never retire a thread between the pick and the spawn
  // and leave the connection on a context that has already run dry.
  std::lock_guard lock(mutex_);
  if (stopped_) {
    give_back();
    return;
  }
  const size_t processor = next_++ % active_.size();
  auto& ctx = *active_[processor].context;
  const auto protocol = remote.protocol();
  asio::ip::tcp::socket pinned(ctx);
  pinned.assign(protocol, socket.release(ec), ec);
  if (ec) {
    spdlog::warn("event=accept_failed listener={} error=\"{}\"", listener, ec.message());
    give_back();
    return;
  }
  metrics::ConnectionCounters* counters = nullptr;
  if (services_.metrics != nullptr) {
    counters = &services_.metrics->network->connections(listener, static_cast<int>(processor));
  }
  ConnectionSettings cs;
  cs.max_request_bytes = settings_.max_request_bytes;
  cs.idle_timeout = settings_.idle_timeout;
  cs.request_timeout = settings_.request_timeout;
  cs.sasl = settings_.sasl;
  cs.request_bytes = &request_bytes_;
  cs.request_slots = &request_slots_;
  if (spec.tls) cs.tls = spec.tls->current();
  security::Session session;
  session.listener = spec.name;
  session.protocol = spec.protocol;
  session.client_host = security::java_host_address(address.to_string());
  session.authenticated = !security::uses_sasl(spec.protocol);
  auto connection =
      std::make_shared<Connection>(std::move(pinned), services_, cs, std::move(session), counters);
  asio::co_spawn(ctx, serve(std::move(connection), quotas_, address), asio::detached);
}

void KafkaServer::stop() {
  if (services_.metrics != nullptr) {
    services_.metrics->network->set_cpu_source(nullptr);
    services_.metrics->network->set_budget_source(nullptr);
  }
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    // Queued waiters hold timers of the threads about to stop.
    quotas_.slots().clear_waiters();
    request_bytes_.clear_waiters();
    request_slots_.clear_waiters();
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
