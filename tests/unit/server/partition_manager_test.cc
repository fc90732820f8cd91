// PartitionManager follows metadata images in offset order only (review finding H1): an image older
// than one already applied, or a request's stale capture passed to get_or_sync, must never
// recreate a deleted topic's log nor remove a live topic's partitions. Also the MetadataPublisher
// that applies images off the quorum thread.
#include "server/partition_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "cluster/image_builder.h"
#include "cluster/metadata_publisher.h"

namespace samsa::server {
namespace {

namespace fs = std::filesystem;

cluster::Uuid id_of(uint8_t n) {
  cluster::Uuid id{};
  id[15] = n;
  return id;
}

cluster::PartitionState local_partition(int32_t index) {
  cluster::PartitionState p;
  p.partition = index;
  p.replicas = {1};
  p.isr = {1};
  p.leader = 1;
  return p;
}

class PartitionManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "samsa-pm-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_ = std::make_unique<config::BrokerConfig>(
        config::BrokerConfig::from_properties({{"log.dirs", (dir_ / "data").string()}}));
    logs_ = std::make_unique<storage::LogManager>(std::vector<fs::path>{dir_ / "data"},
                                                  "test-cluster-id", 1, storage::LogConfig{});
    partitions_ = std::make_unique<PartitionManager>(*logs_, *config_, 1);
  }
  void TearDown() override {
    partitions_.reset();
    logs_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // offset 10: topic "old" exists; offset 20: "old" deleted, "new" created.
  std::shared_ptr<const cluster::MetadataImage> before() {
    cluster::ImageBuilder b;
    b.apply_all({cluster::TopicRecord{"old", id_of(1), false},
                 cluster::PartitionRecord{id_of(1), local_partition(0)}});
    return b.build(10);
  }
  std::shared_ptr<const cluster::MetadataImage> after(const cluster::MetadataImage& base) {
    cluster::ImageBuilder b(base);
    b.apply_all({cluster::RemoveTopicRecord{id_of(1)}, cluster::TopicRecord{"new", id_of(2), false},
                 cluster::PartitionRecord{id_of(2), local_partition(0)}});
    return b.build(20);
  }
  bool has_live_dir(const std::string& name) const { return fs::exists(dir_ / "data" / name); }

  fs::path dir_;
  std::unique_ptr<config::BrokerConfig> config_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<PartitionManager> partitions_;
};

TEST_F(PartitionManagerTest, OlderImageIsIgnored) {
  auto old_image = before();
  auto new_image = after(*old_image);
  partitions_->apply_image(*old_image);
  ASSERT_NE(partitions_->get("old", 0), nullptr);
  partitions_->apply_image(*new_image);
  ASSERT_EQ(partitions_->get("old", 0), nullptr);
  ASSERT_NE(partitions_->get("new", 0), nullptr);

  // A late, older image (the race of H1) changes nothing.
  partitions_->apply_image(*old_image);
  EXPECT_EQ(partitions_->get("old", 0), nullptr);
  EXPECT_NE(partitions_->get("new", 0), nullptr);
  EXPECT_FALSE(has_live_dir("old-0"));
  EXPECT_TRUE(has_live_dir("new-0"));
  EXPECT_EQ(partitions_->applied_offset(), 20);
}

TEST_F(PartitionManagerTest, GetOrSyncWithStaleImageNeverApplies) {
  auto old_image = before();
  auto new_image = after(*old_image);
  partitions_->apply_image(*old_image);
  partitions_->apply_image(*new_image);
  // A request that captured the old image before the delete asks for the deleted partition.
  EXPECT_EQ(partitions_->get_or_sync(*old_image, "old", 0), nullptr);
  EXPECT_EQ(partitions_->get("old", 0), nullptr);
  EXPECT_NE(partitions_->get("new", 0), nullptr);
  EXPECT_FALSE(has_live_dir("old-0"));
  EXPECT_TRUE(has_live_dir("new-0"));
}

TEST_F(PartitionManagerTest, GetOrSyncDoesNotApplyANewerImageEither) {
  // Only the publisher applies images: a request holding an image the publisher has not reached
  // waits briefly for it, then answers "not here" rather than applying it itself.
  auto old_image = before();
  auto new_image = after(*old_image);
  partitions_->apply_image(*old_image);
  EXPECT_EQ(partitions_->get_or_sync(*new_image, "new", 0), nullptr);
  EXPECT_EQ(partitions_->get("new", 0), nullptr);
  EXPECT_NE(partitions_->get("old", 0), nullptr);
  EXPECT_EQ(partitions_->applied_offset(), 10);
}

TEST_F(PartitionManagerTest, GetOrSyncWaitsForThePublisher) {
  auto old_image = before();
  auto new_image = after(*old_image);
  partitions_->apply_image(*old_image);
  cluster::MetadataPublisher publisher;
  publisher.subscribe("partitions", [this](const cluster::MetadataImage& image) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    partitions_->apply_image(image);
  });
  publisher.start(old_image);
  publisher.offer(new_image);
  // The publisher is still sleeping in its subscriber: the lookup waits for it.
  EXPECT_NE(partitions_->get_or_sync(*new_image, "new", 0), nullptr);
  publisher.stop();
}

TEST(MetadataPublisher, AppliesInOffsetOrderOffTheCallersThread) {
  cluster::ImageBuilder b;
  auto i5 = b.build(5);
  auto i7 = b.build(7);
  auto i9 = b.build(9);
  cluster::MetadataPublisher publisher;
  std::vector<int64_t> applied;
  std::mutex mu;
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  publisher.subscribe("record", [&](const cluster::MetadataImage& image) {
    if (std::this_thread::get_id() == caller) on_caller = true;
    std::lock_guard lock(mu);
    applied.push_back(image.offset());
  });
  publisher.start(i5);
  std::promise<int64_t> reached;
  publisher.when_applied(9, [&] { reached.set_value(publisher.applied_offset()); });
  publisher.offer(i9);
  publisher.offer(i7);  // older than one offered: dropped
  auto f = reached.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get(), 9);
  publisher.offer(i5);
  publisher.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(applied, std::vector<int64_t>{9});
  EXPECT_FALSE(on_caller.load());
  EXPECT_EQ(publisher.latest()->offset(), 9);

  // Already applied: runs at once.
  bool ran = false;
  publisher.when_applied(3, [&] { ran = true; });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace samsa::server
