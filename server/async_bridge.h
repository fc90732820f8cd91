#pragma once
// Bridges callback-style services (whose callbacks run on foreign threads, e.g. the metadata
// quorum's loop) into Asio coroutines: the callback's value is posted back to the awaiting
// coroutine's executor, so handler code never runs on the quorum thread.
#include <asio.hpp>
#include <functional>
#include <memory>

namespace samsa::server {

template <typename T, typename Start>
asio::awaitable<T> await_callback(Start start) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto executor = asio::get_associated_executor(handler);
        // std::function needs a copyable callable; the Asio handler is move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([shared, executor](T value) mutable {
          asio::post(executor, [shared, value = std::move(value)]() mutable {
            std::move (*shared)(std::move(value));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace samsa::server
