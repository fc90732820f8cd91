#include "broker/systemd_notifier.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>

namespace samsa::broker {

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
}

SystemdNotifier::~SystemdNotifier() {
  stop_watchdog();
}

void SystemdNotifier::notify(const std::string& state) {
  if (!enabled_) return;
  // unset_environment = 0: the variables stay for the watchdog and later calls.
  if (int rc = sd_notify(0, state.c_str()); rc < 0)
    spdlog::warn("event=systemd_notify_failed state=\"{}\" error={}", state, -rc);
}

void SystemdNotifier::status(const std::string& text) {
  notify("STATUS=" + text);
}

void SystemdNotifier::ready(const std::string& status) {
  notify("READY=1\nSTATUS=" + status);
}

void SystemdNotifier::reloading() {
  notify("RELOADING=1\nSTATUS=reloading TLS material and JWKS (SIGHUP)");
}

void SystemdNotifier::stopping() {
  notify("STOPPING=1\nSTATUS=shutting down");
}

void SystemdNotifier::start_watchdog(EventLoops loops) {
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is this process.
  if (!enabled_ || sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  const auto interval = std::chrono::microseconds(usec);
  spdlog::info("event=systemd_watchdog interval_ms={} ping_every_ms={}", usec / 1000, usec / 4000);
  watchdog_ =
      std::thread([this, loops = std::move(loops), interval] { run_watchdog(loops, interval); });
}

void SystemdNotifier::stop_watchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void SystemdNotifier::run_watchdog(EventLoops loops, std::chrono::microseconds interval) {
  const auto round = interval / 4;
  bool missing_logged = false;
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    // Shared with the probes: one that runs after this round is over only touches its own
    // round's counter. Counts up from the probes run; `posted` says how many there are.
    auto ran = std::make_shared<std::atomic<size_t>>(0);
    const size_t posted = loops([ran] { ran->fetch_add(1); });
    lock.lock();
    if (wake_.wait_for(lock, round, [this] { return stop_; })) break;
    const size_t behind = posted - std::min(posted, ran->load());
    if (behind == 0) {
      lock.unlock();
      notify("WATCHDOG=1");
      lock.lock();
      if (missing_logged) spdlog::info("event=systemd_watchdog_resumed");
      missing_logged = false;
    } else if (!missing_logged) {
      // Logged once per stall: systemd restarts the broker if it lasts WatchdogSec.
      spdlog::error(
          "event=systemd_watchdog_withheld network_threads_not_answering={} of {} "
          "(no keep-alive until they answer)",
          behind, posted);
      missing_logged = true;
    }
  }
}

}  // namespace samsa::broker
