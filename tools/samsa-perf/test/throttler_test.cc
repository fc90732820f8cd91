#include "throttler.h"

#include <gtest/gtest.h>

namespace samsa::perf {
namespace {

using Clock = Throttler::Clock;
using std::chrono::milliseconds;

TEST(Throttler, DisabledNeverWaits) {
  auto t0 = Clock::now();
  Throttler t(-1, t0);
  EXPECT_FALSE(t.enabled());
  EXPECT_EQ(t.wait_for(1000000, t0), Clock::duration::zero());
}

TEST(Throttler, SchedulesRecordsEvenly) {
  auto t0 = Clock::time_point{} + std::chrono::hours(1);
  Throttler t(1000, t0);
  EXPECT_TRUE(t.enabled());
  EXPECT_EQ(t.due(0), t0);
  EXPECT_EQ(t.due(1000), t0 + milliseconds(1000));
  EXPECT_EQ(t.wait_for(500, t0 + milliseconds(200)), milliseconds(300));
  // Behind schedule: no wait, so a stall is caught up.
  EXPECT_EQ(t.wait_for(500, t0 + milliseconds(900)), Clock::duration::zero());
}

}  // namespace
}  // namespace samsa::perf
