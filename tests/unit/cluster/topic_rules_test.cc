#include "cluster/topic_rules.h"

#include <gtest/gtest.h>

#include <set>

#include "cluster/errors.h"
#include "cluster/image_builder.h"

namespace samsa::cluster {
namespace {

std::shared_ptr<const MetadataImage> image_with(int brokers, std::vector<std::string> topics = {},
                                                std::set<int> fenced = {}) {
  ImageBuilder b;
  for (int i = 1; i <= brokers; ++i) {
    b.apply(RegisterBrokerRecord{{i, "h", 9092, std::nullopt, fenced.count(i) != 0, {}}});
  }
  uint8_t n = 1;
  for (auto& t : topics) {
    Uuid id{};
    id[15] = n++;
    b.apply(TopicRecord{t, id, false});
  }
  return b.build(1);
}

TEST(TopicNames, LegalAndIllegal) {
  EXPECT_FALSE(validate_topic_name("orders"));
  EXPECT_FALSE(validate_topic_name("a.B-c_9"));
  EXPECT_FALSE(validate_topic_name("..."));
  EXPECT_FALSE(validate_topic_name(std::string(249, 'x')));
  EXPECT_TRUE(validate_topic_name(std::string(250, 'x')));
  EXPECT_TRUE(validate_topic_name(""));
  EXPECT_TRUE(validate_topic_name("."));
  EXPECT_TRUE(validate_topic_name(".."));
  for (const std::string& bad : std::vector<std::string>{"a b", "a/b", "a:b", "tópico", "a\nb",
                                                         "a*", std::string("a\0b", 3)}) {
    EXPECT_TRUE(validate_topic_name(bad)) << bad;
  }
}

TEST(TopicNames, DotUnderscoreCollision) {
  EXPECT_TRUE(topic_names_collide("a.b", "a_b"));
  EXPECT_TRUE(topic_names_collide("a_b", "a.b"));
  EXPECT_TRUE(topic_names_collide("a.b", "a.b"));
  EXPECT_FALSE(topic_names_collide("a.b", "a-b"));
  EXPECT_FALSE(topic_names_collide("a.b", "a.bc"));
  auto image = image_with(1, {"metrics_cpu", "plain"});
  EXPECT_EQ(find_colliding_topic(*image, "metrics.cpu"), "metrics_cpu");
  EXPECT_FALSE(find_colliding_topic(*image, "metrics_cpu"));  // equal is "exists", not collision
  EXPECT_FALSE(find_colliding_topic(*image, "metrics.mem"));
  EXPECT_FALSE(find_colliding_topic(*image, "plain"));
}

TEST(Placement, ReplicationFactorAboveBrokerCount) {
  auto image = image_with(1);
  Placement p = place_replicas(*image, 0, 3, 3, 0);
  EXPECT_EQ(p.error, kInvalidReplicationFactor);
  EXPECT_EQ(p.message, "Replication factor: 3 larger than available brokers: 1.");
  // Fenced brokers are not available.
  auto fenced = image_with(3, {}, {2, 3});
  EXPECT_EQ(place_replicas(*fenced, 0, 1, 2, 0).error, kInvalidReplicationFactor);
  EXPECT_EQ(place_replicas(*image, 0, 1, 0, 0).error, kInvalidReplicationFactor);
  EXPECT_EQ(place_replicas(*image_with(0), 0, 1, 1, 0).message,
            "Replication factor: 1 larger than available brokers: 0.");
}

TEST(Placement, RoundRobinSpreadsLeadersAndReplicas) {
  auto image = image_with(3, {}, {});
  for (uint32_t start : {0u, 1u, 7u, 0xffffffffu}) {
    Placement p = place_replicas(*image, 0, 6, 2, start);
    ASSERT_EQ(p.error, kNone);
    ASSERT_EQ(p.replicas.size(), 6u);
    std::map<int32_t, int> leaders;
    for (const auto& r : p.replicas) {
      ASSERT_EQ(r.size(), 2u);
      EXPECT_NE(r[0], r[1]);
      ++leaders[r[0]];
    }
    EXPECT_EQ(leaders.size(), 3u);
    for (auto& [b, n] : leaders) EXPECT_EQ(n, 2) << "broker " << b;
  }
  // Fenced brokers are skipped.
  auto fenced = image_with(3, {}, {2});
  Placement p = place_replicas(*fenced, 0, 4, 2, 0);
  ASSERT_EQ(p.error, kNone);
  for (const auto& r : p.replicas) {
    for (int32_t b : r) EXPECT_NE(b, 2);
  }
}

TEST(Uuids, RandomAndFormatted) {
  std::set<Uuid> seen;
  for (int i = 0; i < 1000; ++i) {
    Uuid id = random_uuid();
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_EQ(id[6] >> 4, 4);
  }
  Uuid zero{};
  EXPECT_EQ(uuid_to_string(zero), "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(random_cluster_id().size(), 22u);
}

}  // namespace
}  // namespace samsa::cluster
