// The network layer's budgets and connection quotas, driven by real io_contexts and threads.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <atomic>
#include <thread>

#include "config/listeners.h"
#include "server/network/async_semaphore.h"
#include "server/network/connection_quotas.h"

namespace samsa::server::network {
namespace {

TEST(AsyncSemaphore, GrantsInOrderAndIsNotStrict) {
  AsyncSemaphore sem(10);
  EXPECT_TRUE(sem.try_acquire(8));
  // Not strict: 2 units left admit a request of 100 (Kafka's SimpleMemoryPool, strict=false).
  EXPECT_TRUE(sem.try_acquire(100));
  EXPECT_EQ(sem.used(), 108);
  EXPECT_FALSE(sem.try_acquire(1));

  std::vector<int> woken;
  auto a = std::make_shared<AsyncSemaphore::Waiter>();
  a->units = 50;
  a->wake = [&] { woken.push_back(1); };
  auto b = std::make_shared<AsyncSemaphore::Waiter>();
  b->units = 1;
  b->wake = [&] { woken.push_back(2); };
  EXPECT_FALSE(sem.acquire_or_enqueue(a));
  EXPECT_FALSE(sem.acquire_or_enqueue(b));
  // A queued waiter is served before newcomers.
  sem.release(100);
  EXPECT_EQ(woken, std::vector<int>{1});
  EXPECT_TRUE(sem.granted(a));
  EXPECT_FALSE(sem.granted(b));
  EXPECT_EQ(sem.used(), 58);
  sem.release(58);
  EXPECT_EQ(woken, (std::vector<int>{1, 2}));
  EXPECT_EQ(sem.used(), 1);
}

TEST(AsyncSemaphore, WithdrawGivesBackAGrantAndWakesTheNext) {
  AsyncSemaphore sem(1);
  ASSERT_TRUE(sem.try_acquire(1));
  int woken = 0;
  auto a = std::make_shared<AsyncSemaphore::Waiter>();
  a->units = 1;
  a->wake = [&] { ++woken; };
  auto b = std::make_shared<AsyncSemaphore::Waiter>();
  b->units = 1;
  b->wake = [&] { woken += 10; };
  ASSERT_FALSE(sem.acquire_or_enqueue(a));
  ASSERT_FALSE(sem.acquire_or_enqueue(b));
  sem.release(1);  // a is granted
  EXPECT_EQ(woken, 1);
  EXPECT_TRUE(sem.withdraw(a));  // a's connection closed before it ran: b gets the unit
  EXPECT_EQ(woken, 11);
  EXPECT_EQ(sem.used(), 1);
  EXPECT_FALSE(sem.withdraw(std::make_shared<AsyncSemaphore::Waiter>()));
}

TEST(AsyncSemaphore, UnboundedAndResized) {
  AsyncSemaphore unbounded(0);
  EXPECT_TRUE(unbounded.try_acquire(1 << 30));
  AsyncSemaphore sem(1);
  ASSERT_TRUE(sem.try_acquire(1));
  int woken = 0;
  auto w = std::make_shared<AsyncSemaphore::Waiter>();
  w->units = 1;
  w->wake = [&] { ++woken; };
  ASSERT_FALSE(sem.acquire_or_enqueue(w));
  sem.set_capacity(2);  // a dynamic config change lets the waiter in
  EXPECT_EQ(woken, 1);
}

// Coroutines on two io_contexts (two threads) contend for two units: never more than two hold
// them at once, and every one of them eventually gets its turn.
TEST(AsyncSemaphore, CoroutinesOnSeveralThreads) {
  AsyncSemaphore sem(2);
  std::atomic<int> holders{0}, max_holders{0}, done{0};
  asio::io_context c1(1), c2(1);
  bool never = false;
  auto worker = [&](asio::io_context& ctx) -> asio::awaitable<void> {
    auto timer = std::make_shared<asio::steady_timer>(ctx);
    for (int i = 0; i < 200; ++i) {
      co_await async_acquire(sem, 1, timer, &never);
      int now = ++holders;
      int seen = max_holders.load();
      while (now > seen && !max_holders.compare_exchange_weak(seen, now)) {
      }
      asio::steady_timer hold(ctx, std::chrono::microseconds(50));
      co_await hold.async_wait(asio::use_awaitable);
      --holders;
      sem.release(1);
    }
    ++done;
  };
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(c1, worker(c1), asio::detached);
    asio::co_spawn(c2, worker(c2), asio::detached);
  }
  std::thread t([&] { c2.run(); });
  c1.run();
  t.join();
  EXPECT_EQ(done.load(), 6);
  EXPECT_LE(max_holders.load(), 2);
  EXPECT_EQ(sem.used(), 0);
}

TEST(AsyncSemaphore, AbortedWaitThrowsAndHoldsNothing) {
  AsyncSemaphore sem(1);
  ASSERT_TRUE(sem.try_acquire(1));
  asio::io_context ctx(1);
  auto timer = std::make_shared<asio::steady_timer>(ctx);
  bool abort = false;
  bool threw = false;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        try {
          co_await async_acquire(sem, 1, timer, &abort);
        } catch (const std::system_error& e) {
          threw = e.code() == asio::error::operation_aborted;
        }
      },
      asio::detached);
  asio::post(ctx, [&] {
    abort = true;  // what the watchdog does when it closes the connection
    timer->cancel();
  });
  ctx.run();
  EXPECT_TRUE(threw);
  EXPECT_EQ(sem.waiting(), 0u);
  sem.release(1);
  EXPECT_EQ(sem.used(), 0);
}

TEST(ConnectionQuotas, PerIpLimitAndOverrides) {
  ConnectionLimits limits;
  limits.max_connections_per_ip = 2;
  limits.per_ip_overrides = resolve_per_ip_overrides("127.0.0.2:3, [::1]:0");
  ConnectionQuotas quotas(limits);
  const auto a = asio::ip::make_address("127.0.0.1");
  const auto b = asio::ip::make_address("127.0.0.2");
  const auto v6 = asio::ip::make_address("::1");
  EXPECT_TRUE(quotas.try_add(a));
  EXPECT_TRUE(quotas.try_add(a));
  EXPECT_FALSE(quotas.try_add(a));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(quotas.try_add(b));
  EXPECT_FALSE(quotas.try_add(b));
  EXPECT_FALSE(quotas.try_add(v6));
  EXPECT_EQ(quotas.count(a), 2);
  quotas.remove(a);
  EXPECT_TRUE(quotas.try_add(a));
  // Raised at runtime.
  limits.max_connections_per_ip = 5;
  quotas.set_limits(limits);
  EXPECT_TRUE(quotas.try_add(a));
}

TEST(ConnectionQuotas, OverridesResolveHostNamesAndRefuseNonsense) {
  auto resolved = resolve_per_ip_overrides("localhost:7");
  ASSERT_FALSE(resolved.empty());
  for (const auto& [address, count] : resolved) EXPECT_EQ(count, 7) << address;
  EXPECT_THROW(resolve_per_ip_overrides("no-such-host.invalid:3"), std::invalid_argument);
  EXPECT_THROW(config::parse_connection_overrides("127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(config::parse_connection_overrides("127.0.0.1:-1"), std::invalid_argument);
  EXPECT_THROW(config::parse_connection_overrides("127.0.0.1:x"), std::invalid_argument);
  EXPECT_TRUE(config::parse_connection_overrides(" ").empty());
}

TEST(ConnectionQuotas, CreationRateIsATokenBucket) {
  ConnectionLimits limits;
  limits.max_connection_creation_rate = 10;
  ConnectionQuotas quotas(limits);
  auto now = std::chrono::steady_clock::now();
  // One second's burst, then one every 100 ms.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(quotas.creation_delay(now).count(), 0) << i;
  auto delay = quotas.creation_delay(now);
  EXPECT_GT(delay, std::chrono::milliseconds(90));
  EXPECT_LE(delay, std::chrono::milliseconds(100));
  EXPECT_EQ(quotas.creation_delay(now + std::chrono::milliseconds(100)).count(), 0);
  ConnectionQuotas unlimited;
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(unlimited.creation_delay(now).count(), 0);
}

}  // namespace
}  // namespace samsa::server::network
