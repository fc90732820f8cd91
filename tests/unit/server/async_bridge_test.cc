// await_callback resumes its coroutine once, even when a service calls the callback twice (review
// finding M5: GroupCoordinator::run's failure path answers again after work that had already
// handed the callback on threw).
#include "server/async_bridge.h"

#include <gtest/gtest.h>

#include <functional>

namespace samsa::server {
namespace {

TEST(AsyncBridge, SecondCompletionIsDropped) {
  asio::io_context io;
  int resumed = 0;
  int value = 0;
  std::function<void(int)> saved;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        value = co_await await_callback<int>([&](std::function<void(int)> done) {
          saved = done;
          done(1);
          done(2);  // the duplicate answer
        });
        ++resumed;
      },
      asio::detached);
  io.run();
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(value, 1);
  // A late third call from a copy of the callback is dropped as well.
  saved(3);
  io.restart();
  io.run();
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(value, 1);
}

}  // namespace
}  // namespace samsa::server
