#pragma once
// Bridges callback-style services (whose callbacks run on foreign threads, e.g. the metadata
// quorum's loop) into Asio coroutines: the callback's value is posted back to the awaiting
// coroutine's executor, so handler code never runs on the quorum thread.
#include <asio.hpp>
#include <atomic>
#include <functional>
#include <memory>

namespace samsa::server {

template <typename T, typename Start>
asio::awaitable<T> await_callback(Start start) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto executor = asio::get_associated_executor(handler);
        // std::function needs a copyable callable; the Asio handler is move-only. The flag makes
        // the callback one-shot: a service that answers twice (its work threw after it handed the
        // callback on, and its failure path answers again) must not resume the coroutine twice.
        using Handler = decltype(handler);
        struct State {
          explicit State(Handler h) : resume(std::move(h)) {}
          Handler resume;
          std::atomic<bool> completed{false};
        };
        auto state = std::make_shared<State>(std::move(handler));
        start([state, executor](T value) mutable {
          if (state->completed.exchange(true)) return;
          asio::post(executor, [state, value = std::move(value)]() mutable {
            std::move(state->resume)(std::move(value));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace samsa::server
