#include "server/producer_id_allocator.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <vector>

namespace samsa::server {
namespace {

using Result = ProducerIdAllocator::Result;

// A controller stand-in: block requests are queued and answered when the test says so.
struct FakeController {
  int64_t next = 5000;
  std::vector<std::pair<int32_t, std::function<void(int64_t, int16_t)>>> pending;
  ProducerIdAllocator::BlockSource source() {
    return [this](int32_t count, std::function<void(int64_t, int16_t)> done) {
      pending.emplace_back(count, std::move(done));
    };
  }
  void grant() {
    auto [count, done] = std::move(pending.front());
    pending.erase(pending.begin());
    int64_t first = next;
    next += count;
    done(first, 0);
  }
  void fail(int16_t error) {
    auto done = std::move(pending.front().second);
    pending.erase(pending.begin());
    done(-1, error);
  }
};

TEST(ProducerIdAllocator, IdsComeFromBlocksAndWaitersAreServedInOrder) {
  FakeController c;
  ProducerIdAllocator alloc(c.source(), 3);
  std::vector<Result> got;
  for (int i = 0; i < 4; ++i) alloc.init_producer_id(-1, -1, [&](Result r) { got.push_back(r); });
  ASSERT_EQ(c.pending.size(), 1u);  // one block request for all waiters
  EXPECT_EQ(c.pending[0].first, 3);
  c.grant();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].producer_id, 5000);
  EXPECT_EQ(got[2].producer_id, 5002);
  EXPECT_EQ(got[0].producer_epoch, 0);
  ASSERT_EQ(c.pending.size(), 1u);  // the fourth waiter needs another block
  c.next = 9000;
  c.grant();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].producer_id, 9000);
  // The rest of that block is served without the controller.
  alloc.init_producer_id(-1, -1, [&](Result r) { got.push_back(r); });
  EXPECT_EQ(got.back().producer_id, 9001);
  EXPECT_TRUE(c.pending.empty());
}

TEST(ProducerIdAllocator, BlockFailureIsRetriable) {
  FakeController c;
  ProducerIdAllocator alloc(c.source(), 10);
  std::vector<Result> got;
  alloc.init_producer_id(-1, -1, [&](Result r) { got.push_back(r); });
  c.fail(41);  // NOT_CONTROLLER
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].error, 14);  // COORDINATOR_LOAD_IN_PROGRESS: the client retries
  EXPECT_EQ(got[0].producer_id, -1);
  alloc.init_producer_id(-1, -1, [&](Result r) { got.push_back(r); });
  c.grant();
  EXPECT_EQ(got.back().error, 0);
  EXPECT_EQ(got.back().producer_id, 5000);
}

TEST(ProducerIdAllocator, EpochBumpForKnownProducerElseNewId) {
  FakeController c;
  ProducerIdAllocator alloc(c.source(), 10);
  Result r;
  alloc.init_producer_id(-1, -1, [&](Result x) { r = x; });
  c.grant();
  ASSERT_EQ(r.producer_id, 5000);
  alloc.init_producer_id(5000, 0, [&](Result x) { r = x; });
  EXPECT_EQ(r.producer_id, 5000);
  EXPECT_EQ(r.producer_epoch, 1);
  alloc.init_producer_id(5000, 1, [&](Result x) { r = x; });
  EXPECT_EQ(r.producer_epoch, 2);
  // A stale epoch or an id this broker never issued gets a fresh id, as Kafka does for
  // non-transactional producers.
  alloc.init_producer_id(5000, 1, [&](Result x) { r = x; });
  EXPECT_EQ(r.producer_id, 5001);
  EXPECT_EQ(r.producer_epoch, 0);
  alloc.init_producer_id(123, 7, [&](Result x) { r = x; });
  EXPECT_EQ(r.producer_id, 5002);
  EXPECT_EQ(r.producer_epoch, 0);
}

TEST(ProducerIdAllocator, EpochExhaustionGivesNewId) {
  FakeController c;
  ProducerIdAllocator alloc(c.source(), 10);
  Result r;
  alloc.init_producer_id(-1, -1, [&](Result x) { r = x; });
  c.grant();
  for (int e = 0; e < INT16_MAX - 1; ++e) {
    alloc.init_producer_id(5000, static_cast<int16_t>(e), [&](Result x) { r = x; });
    ASSERT_EQ(r.producer_id, 5000);
  }
  EXPECT_EQ(r.producer_epoch, INT16_MAX - 1);
  alloc.init_producer_id(5000, INT16_MAX - 1, [&](Result x) { r = x; });
  EXPECT_EQ(r.producer_id, 5001);
  EXPECT_EQ(r.producer_epoch, 0);
}

}  // namespace
}  // namespace samsa::server
