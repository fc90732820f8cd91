#pragma once
// Whether the broker can serve: metadata loaded, log dirs recovered, listeners bound. The
// composition root moves it forward; /v1/status/ready reports it (503 with the reason until then).
// Once ready, it also reports log dirs taken offline by a failed write: "degraded" while others
// serve, not ready when none is left.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace samsa::admin_http {

class Readiness {
 public:
  void set_starting(std::string reason) {
    std::lock_guard lock(mutex_);
    reason_ = std::move(reason);
  }
  void set_ready() { ready_.store(true); }
  void set_stopping() {
    std::lock_guard lock(mutex_);
    reason_ = "broker is shutting down";
    ready_.store(false);
  }
  bool ready() const { return ready_.load(); }
  std::string reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }
  // `offline` lists the offline log dirs (called per request); `total` is the size of log.dirs.
  void set_log_dirs(std::function<std::vector<std::string>()> offline, size_t total) {
    std::lock_guard lock(mutex_);
    offline_dirs_ = std::move(offline);
    log_dir_count_ = total;
  }
  std::vector<std::string> offline_log_dirs() const {
    std::lock_guard lock(mutex_);
    return offline_dirs_ ? offline_dirs_() : std::vector<std::string>{};
  }
  size_t log_dir_count() const {
    std::lock_guard lock(mutex_);
    return log_dir_count_;
  }

 private:
  std::atomic<bool> ready_{false};
  mutable std::mutex mutex_;
  std::string reason_ = "broker is starting";
  std::function<std::vector<std::string>()> offline_dirs_;
  size_t log_dir_count_ = 0;
};

}  // namespace samsa::admin_http
