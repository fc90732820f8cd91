#pragma once
// The systemd notify protocol (sd_notify(3)) for Type=notify units: STATUS= lines through startup,
// READY=1 once the broker is ready as /v1/status/ready defines it, RELOADING=1 around a SIGHUP
// reload, STOPPING=1 at shutdown, and WATCHDOG=1 keep-alives when the unit sets WatchdogSec=.
//
// The keep-alives come from the event loops themselves: every round the watchdog thread posts a
// probe to each network thread's io_context and pings only once every probe of the round has run.
// A network thread that hangs (a blocked syscall, a deadlock, a handler that never yields) stops
// the pings, and systemd restarts the broker after WatchdogSec, as it should. A thread that only
// counted time would keep pinging for a broker that no longer serves anyone.
//
// Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace samsa::broker {

class SystemdNotifier {
 public:
  // Posts the probe to every event loop and returns how many it was posted to.
  using EventLoops = std::function<size_t(const std::function<void()>&)>;

  SystemdNotifier();
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  // Whether the process runs under a service manager that listens (NOTIFY_SOCKET is set).
  bool enabled() const { return enabled_; }
  void status(const std::string& text);
  void ready(const std::string& status);
  void reloading();
  void stopping();

  // With WatchdogSec= set (WATCHDOG_USEC for this pid), starts pinging as described above, a
  // round every quarter of the interval, so a single late probe does not cost the broker its life.
  void start_watchdog(EventLoops loops);
  void stop_watchdog();

 private:
  void notify(const std::string& state);
  void run_watchdog(EventLoops loops, std::chrono::microseconds interval);

  bool enabled_ = false;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread watchdog_;
};

}  // namespace samsa::broker
