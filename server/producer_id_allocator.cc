#include "server/producer_id_allocator.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "protocol/error_codes.h"

namespace samsa::server {

ProducerIdAllocator::ProducerIdAllocator(BlockSource source, int32_t block_size)
    : source_(std::move(source)), block_size_(block_size) {}

ProducerIdAllocator::Result ProducerIdAllocator::issue_locked() {
  Result r;
  r.producer_id = next_++;
  r.producer_epoch = 0;
  epochs_[r.producer_id] = 0;
  issued_order_.push_back(r.producer_id);
  while (issued_order_.size() > kMaxTrackedProducers) {
    epochs_.erase(issued_order_.front());
    issued_order_.pop_front();
  }
  return r;
}

void ProducerIdAllocator::init_producer_id(int64_t current_id, int16_t current_epoch,
                                           Callback done) {
  Result ready;
  bool have = false;
  bool fetch = false;
  {
    std::lock_guard lock(mu_);
    if (current_id >= 0 && current_epoch >= 0) {
      auto it = epochs_.find(current_id);
      if (it != epochs_.end() && it->second == current_epoch && current_epoch < INT16_MAX - 1) {
        it->second = static_cast<int16_t>(current_epoch + 1);
        ready = Result{current_id, it->second, 0};
        have = true;
      }
    }
    if (!have && waiters_.empty() && next_ < end_) {
      ready = issue_locked();
      have = true;
    }
    if (!have) {
      waiters_.push_back(std::move(done));
      fetch = !fetching_;
      fetching_ = true;
    }
  }
  if (have) {
    done(ready);
    return;
  }
  if (fetch) {
    source_(block_size_, [this](int64_t first, int16_t error) { on_block(first, error); });
  }
}

void ProducerIdAllocator::on_block(int64_t first, int16_t error) {
  std::vector<std::pair<Callback, Result>> answers;
  bool fetch_again = false;
  {
    std::lock_guard lock(mu_);
    fetching_ = false;
    if (error != 0 || first < 0) {
      // Kafka answers COORDINATOR_LOAD_IN_PROGRESS while it waits for a block: the client retries.
      spdlog::warn("event=producer_id_block_failed error={}", error);
      for (auto& w : waiters_) {
        Result r;
        r.error = static_cast<int16_t>(protocol::ErrorCode::kCoordinatorLoadInProgress);
        answers.emplace_back(std::move(w), r);
      }
      waiters_.clear();
    } else {
      next_ = first;
      end_ = first + block_size_;
      spdlog::info("event=producer_id_block_allocated first={} count={}", first, block_size_);
      while (!waiters_.empty() && next_ < end_) {
        answers.emplace_back(std::move(waiters_.front()), issue_locked());
        waiters_.pop_front();
      }
      // More waiters than a block holds: ask for the next one.
      if (!waiters_.empty()) fetch_again = fetching_ = true;
    }
  }
  for (auto& [cb, r] : answers) cb(r);
  if (fetch_again) {
    source_(block_size_, [this](int64_t f, int16_t e) { on_block(f, e); });
  }
}

}  // namespace samsa::server
