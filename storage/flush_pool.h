#pragma once
// Background threads for a log's fsyncs and producer-state snapshots (Kafka's scheduleOnce
// ("flush-log") on the background.threads scheduler), so that segment rolls and flush.ms /
// flush.messages flushes never fsync on a network thread or under a lock a produce or fetch waits
// on. Jobs run in submission order per thread; a job must not throw.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace samsa::storage {

class FlushPool {
 public:
  explicit FlushPool(int threads);
  // Runs the jobs still queued, then joins.
  ~FlushPool();
  FlushPool(const FlushPool&) = delete;
  FlushPool& operator=(const FlushPool&) = delete;

  void submit(std::function<void()> job);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace samsa::storage
