#pragma once
// Whether the broker can serve: metadata loaded, log dirs recovered, listeners bound. The
// composition root moves it forward; /v1/status/ready reports it (503 with the reason until then).
#include <atomic>
#include <mutex>
#include <string>

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

 private:
  std::atomic<bool> ready_{false};
  mutable std::mutex mutex_;
  std::string reason_ = "broker is starting";
};

}  // namespace samsa::admin_http
