#pragma once
// Hands out producer ids for InitProducerId. Ids come from the metadata quorum in blocks (a
// ProducerIdsRecord per block), so they stay unique across restarts and, later, across brokers;
// one controller round trip serves a whole block.
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace samsa::server {

class ProducerIdAllocator {
 public:
  // Reserves [first, first + count) or reports a Kafka error code; may call back on any thread.
  using BlockSource =
      std::function<void(int32_t count, std::function<void(int64_t first, int16_t error)> done)>;
  struct Result {
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int16_t error = 0;
  };
  using Callback = std::function<void(Result)>;

  static constexpr int32_t kDefaultBlockSize = 1000;
  // Epochs are remembered for this many recently issued ids (KIP-360 bumps); older ones get a
  // fresh id instead, which the client accepts just as well.
  static constexpr size_t kMaxTrackedProducers = 100000;

  explicit ProducerIdAllocator(BlockSource source, int32_t block_size = kDefaultBlockSize);

  // For a non-transactional producer. With current_id/current_epoch (InitProducerId v3+, KIP-360)
  // matching an id this broker issued, the epoch is bumped (a new id when the epoch would reach
  // INT16_MAX); otherwise a new id with epoch 0. `done` runs on the caller's thread when an id is
  // at hand, else on the thread delivering the next block.
  void init_producer_id(int64_t current_id, int16_t current_epoch, Callback done);

 private:
  void on_block(int64_t first, int16_t error);
  Result issue_locked();

  BlockSource source_;
  const int32_t block_size_;
  std::mutex mu_;
  int64_t next_ = 0;  // the current block is [next_, end_)
  int64_t end_ = 0;
  bool fetching_ = false;
  std::deque<Callback> waiters_;
  std::unordered_map<int64_t, int16_t> epochs_;
  std::deque<int64_t> issued_order_;
};

}  // namespace samsa::server
