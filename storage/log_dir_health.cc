#include "storage/log_dir_health.h"

#include <spdlog/spdlog.h>

namespace samsa::storage {

void LogDirHealth::mark_offline(const std::string& what) noexcept {
  try {
    std::lock_guard lk(mu_);
    if (offline_.load()) return;
    error_ = what;
    offline_.store(true, std::memory_order_release);
    spdlog::error(
        "event=log_dir_offline dir={} error=\"{}\": its partitions answer KAFKA_STORAGE_ERROR "
        "until "
        "the broker restarts",
        dir_.string(), what);
  } catch (...) {
    offline_.store(true, std::memory_order_release);  // logging failed; the state must not
  }
}

std::string LogDirHealth::error() const {
  std::lock_guard lk(mu_);
  return error_;
}

void LogDirHealth::check_online() const {
  if (offline()) throw LogDirOfflineError("log dir " + dir_.string() + " is offline: " + error());
}

void fail_dir(LogDirHealth& health, const char* what, const std::string& subject,
              const char* error) {
  const std::string failed = std::string(what) + " " + subject + ": " + error;
  health.mark_offline(failed);
  throw LogDirOfflineError(failed + " (log dir " + health.dir().string() + " is now offline)");
}

}  // namespace samsa::storage
