#pragma once
// Admin routes run on CivetWeb threads and call the callback-style services (TopicService,
// ConfigService, GroupCoordinator), whose callbacks run on the quorum or coordinator thread. This
// blocks the CivetWeb thread until the callback fires, bounded so a stuck controller costs one
// request a timeout instead of a worker thread forever.
#include <chrono>
#include <future>
#include <memory>
#include <optional>

namespace samsa::admin_http {

// How long a route waits for a service: long enough for a metadata write through Raft under load.
inline constexpr std::chrono::milliseconds kServiceCallTimeout{30000};

// Calls start(done) and waits for done(T); nullopt on timeout. The promise is shared with the
// callback, so a late callback after a timeout is harmless.
template <typename T, typename Start>
std::optional<T> call_service(Start&& start,
                              std::chrono::milliseconds timeout = kServiceCallTimeout) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return future.get();
}

}  // namespace samsa::admin_http
