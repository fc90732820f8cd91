#pragma once
// A counting semaphore that coroutines on different io_contexts wait on without blocking a thread:
// the broker-wide budgets of request bytes (queued.max.request.bytes), requests in flight
// (queued.max.requests) and open connections (max.connections). A waiter brings its own wake-up
// (posting to its own executor), so the semaphore never runs code on another connection's thread.
//
// Acquiring is not strict, as in Kafka's SimpleMemoryPool: a request succeeds while anything is
// left, so one request larger than the whole budget still runs (alone) instead of waiting forever.
// The overshoot is bounded by the largest single acquire.
#include <asio.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace samsa::server::network {

class AsyncSemaphore {
 public:
  struct Waiter {
    int64_t units = 0;
    // Called (from the releasing thread) once the units were taken on the waiter's behalf.
    std::function<void()> wake;
    bool granted = false;  // guarded by the semaphore's mutex
  };

  // capacity <= 0 means unbounded.
  explicit AsyncSemaphore(int64_t capacity);

  // Takes `units` now if the budget allows it.
  bool try_acquire(int64_t units);
  // Takes the units now (true) or queues `waiter` (false), which is woken with granted = true
  // once they have been taken for it. Waiters are served first come, first served.
  bool acquire_or_enqueue(const std::shared_ptr<Waiter>& waiter);
  // Withdraws a queued waiter; if its units were granted meanwhile they are given back. Returns
  // whether the waiter had been granted.
  bool withdraw(const std::shared_ptr<Waiter>& waiter);
  void release(int64_t units);
  bool granted(const std::shared_ptr<Waiter>& waiter) const;
  // Drops every queued waiter without waking it (shutdown).
  void clear_waiters();

  // May be changed at runtime (dynamic configs); waiters are served if the budget grew.
  void set_capacity(int64_t capacity);
  int64_t capacity() const;
  int64_t used() const;
  size_t waiting() const;

 private:
  bool available_locked(int64_t units) const;
  // Grants queued waiters in order while the budget allows; returns the wake-ups to run.
  std::vector<std::function<void()>> grant_locked();

  mutable std::mutex mutex_;
  int64_t capacity_;
  int64_t used_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

// Takes `units` of `budget`, waiting on `timer` (whose executor is the caller's) while there are
// none. Whoever wants to abort the wait sets `*abort` and cancels the timer on that executor; the
// wait then throws operation_aborted, having given back anything granted meanwhile.
asio::awaitable<void> async_acquire(AsyncSemaphore& budget, int64_t units,
                                    std::shared_ptr<asio::steady_timer> timer, const bool* abort);

}  // namespace samsa::server::network
