#include "server/network/async_semaphore.h"

#include <algorithm>
#include <vector>

namespace samsa::server::network {

AsyncSemaphore::AsyncSemaphore(int64_t capacity) : capacity_(capacity) {}

bool AsyncSemaphore::available_locked(int64_t units) const {
  (void)units;  // not strict: any budget left admits the whole request
  return capacity_ <= 0 || used_ < capacity_;
}

bool AsyncSemaphore::try_acquire(int64_t units) {
  std::lock_guard lock(mutex_);
  // Queued waiters go first: a stream of small acquires must not starve a queued large one.
  if (!waiters_.empty() || !available_locked(units)) return false;
  used_ += units;
  return true;
}

bool AsyncSemaphore::acquire_or_enqueue(const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard lock(mutex_);
  if (waiters_.empty() && available_locked(waiter->units)) {
    used_ += waiter->units;
    waiter->granted = true;
    return true;
  }
  waiters_.push_back(waiter);
  return false;
}

bool AsyncSemaphore::withdraw(const std::shared_ptr<Waiter>& waiter) {
  std::vector<std::function<void()>> wakes;
  bool granted;
  {
    std::lock_guard lock(mutex_);
    granted = waiter->granted;
    auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
    if (it != waiters_.end()) waiters_.erase(it);
    if (granted) {
      used_ -= waiter->units;
      waiter->granted = false;
    }
    wakes = grant_locked();
  }
  for (auto& wake : wakes) wake();
  return granted;
}

void AsyncSemaphore::release(int64_t units) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mutex_);
    used_ = std::max<int64_t>(0, used_ - units);
    wakes = grant_locked();
  }
  for (auto& wake : wakes) wake();
}

std::vector<std::function<void()>> AsyncSemaphore::grant_locked() {
  std::vector<std::function<void()>> wakes;
  while (!waiters_.empty() && available_locked(waiters_.front()->units)) {
    auto waiter = std::move(waiters_.front());
    waiters_.pop_front();
    used_ += waiter->units;
    waiter->granted = true;
    wakes.push_back(waiter->wake);
  }
  return wakes;
}

bool AsyncSemaphore::granted(const std::shared_ptr<Waiter>& waiter) const {
  std::lock_guard lock(mutex_);
  return waiter->granted;
}

void AsyncSemaphore::clear_waiters() {
  std::deque<std::shared_ptr<Waiter>> dropped;
  std::lock_guard lock(mutex_);
  dropped.swap(waiters_);
}

void AsyncSemaphore::set_capacity(int64_t capacity) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mutex_);
    capacity_ = capacity;
    wakes = grant_locked();
  }
  for (auto& wake : wakes) wake();
}

int64_t AsyncSemaphore::capacity() const {
  std::lock_guard lock(mutex_);
  return capacity_;
}

int64_t AsyncSemaphore::used() const {
  std::lock_guard lock(mutex_);
  return used_;
}

size_t AsyncSemaphore::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

asio::awaitable<void> async_acquire(AsyncSemaphore& budget, int64_t units,
                                    std::shared_ptr<asio::steady_timer> timer, const bool* abort) {
  if (budget.try_acquire(units)) co_return;
  auto waiter = std::make_shared<AsyncSemaphore::Waiter>();
  waiter->units = units;
  // The grant may come from any thread: it only posts a wake-up to the waiter's own executor.
  waiter->wake = [timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); };
  if (budget.acquire_or_enqueue(waiter)) co_return;
  while (!*abort && !budget.granted(waiter)) {
    timer->expires_at(std::chrono::steady_clock::time_point::max());
    std::error_code ignored;  // cancelled = granted or aborted
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (*abort) {
    budget.withdraw(waiter);
    throw std::system_error(asio::error::operation_aborted);
  }
}

}  // namespace samsa::server::network
