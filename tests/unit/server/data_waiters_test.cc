// The fetch purgatory: waiters are keyed by partition, so an append wakes only the fetches that
// watch its partition (Kafka's DelayedOperationPurgatory watch keys).
#include <gtest/gtest.h>

#include <filesystem>

#include "server/partition_manager.h"

namespace samsa::server {
namespace {

namespace fs = std::filesystem;
using storage::TopicPartition;

class DataWaitersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "samsa-waiters-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_ = std::make_unique<config::BrokerConfig>(
        config::BrokerConfig::from_properties({{"log.dirs", (dir_ / "data").string()}}));
    logs_ = std::make_unique<storage::LogManager>(std::vector<fs::path>{dir_ / "data"}, "cid", 1,
                                                  storage::LogConfig{});
    partitions_ = std::make_unique<PartitionManager>(*logs_, *config_, 1);
  }
  void TearDown() override {
    partitions_.reset();
    logs_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::unique_ptr<config::BrokerConfig> config_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<PartitionManager> partitions_;
};

TEST_F(DataWaitersTest, AppendWakesOnlyWaitersOfItsPartition) {
  const TopicPartition a{"t", 0}, b{"t", 1}, other{"u", 0};
  int woken_a = 0, woken_b = 0, woken_ab = 0;
  partitions_->add_data_waiter({a}, [&] { ++woken_a; });
  partitions_->add_data_waiter({b}, [&] { ++woken_b; });
  partitions_->add_data_waiter({a, b}, [&] { ++woken_ab; });
  EXPECT_EQ(partitions_->data_waiter_count(), 3u);

  partitions_->notify_data_arrived(other);
  EXPECT_EQ(woken_a + woken_b + woken_ab, 0);

  partitions_->notify_data_arrived(b);
  EXPECT_EQ(woken_a, 0);
  EXPECT_EQ(woken_b, 1);
  EXPECT_EQ(woken_ab, 1);
  EXPECT_EQ(partitions_->data_waiter_count(), 1u);  // only a's waiter is left

  // A fired waiter is gone from every key it watched: a later append to a wakes only a's.
  partitions_->notify_data_arrived(std::vector<TopicPartition>{a, b});
  EXPECT_EQ(woken_a, 1);
  EXPECT_EQ(woken_b, 1);
  EXPECT_EQ(woken_ab, 1);
  EXPECT_EQ(partitions_->data_waiter_count(), 0u);
}

TEST_F(DataWaitersTest, RemovedWaiterIsNotWokenAndLeavesNothingBehind) {
  const TopicPartition a{"t", 0};
  int woken = 0;
  uint64_t id = partitions_->add_data_waiter({a}, [&] { ++woken; });
  partitions_->remove_data_waiter(id);
  partitions_->remove_data_waiter(id);  // twice is harmless (a fetch that timed out after a wake)
  partitions_->notify_data_arrived(a);
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(partitions_->data_waiter_count(), 0u);
}

TEST_F(DataWaitersTest, WakeUpMayRegisterAgainWithoutDeadlock) {
  const TopicPartition a{"t", 0};
  int woken = 0;
  std::function<void()> wake = [&] {
    ++woken;
    if (woken < 3) partitions_->add_data_waiter({a}, wake);
  };
  partitions_->add_data_waiter({a}, wake);
  for (int i = 0; i < 5; ++i) partitions_->notify_data_arrived(a);
  EXPECT_EQ(woken, 3);
}

}  // namespace
}  // namespace samsa::server
