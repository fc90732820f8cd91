#include <gtest/gtest.h>

#include <random>

#include "cluster/image_builder.h"
#include "cluster/metadata_records.h"

namespace samsa::cluster {
namespace {

Uuid id_of(uint8_t b) {
  Uuid id{};
  id.fill(b);
  return id;
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<MetadataRecord> every_record_type() {
  PartitionState p0{0, {1, 2}, {1, 2}, 1, 0, 0};
  PartitionState p1{1, {2, 1}, {2}, 2, 3, 4};
  return {
      ClusterIdRecord{"abc"},
      FeatureLevelRecord{"metadata.version", 7},
      LeaderChangeRecord{3, 42},
      RegisterBrokerRecord{{1, "h1", 9092, std::string("rack-a"), false, {}}},
      RegisterBrokerRecord{{2,
                            "h2",
                            9093,
                            std::nullopt,
                            false,
                            {{"PLAINTEXT", "h2", 9093}, {"SSL", "h2.example", 9094}}}},
      BrokerFenceRecord{2, true},
      TopicRecord{"orders", id_of(7), false},
      PartitionRecord{id_of(7), p0},
      PartitionRecord{id_of(7), p1},
      PartitionChangeRecord{id_of(7), 0, 2, std::vector<int32_t>{2}, std::nullopt},
      ConfigRecord{kResourceTopic, "orders", "retention.ms", std::string("1000")},
      ConfigRecord{kResourceBroker, "1", "log.retention.hours", std::string("5")},
      TopicRecord{"gone", id_of(9), true},
      RemoveTopicRecord{id_of(9)},
      ProducerIdsRecord{1, 0, 1000},
      AccessControlEntryRecord{{id_of(3), 2, "orders", 4, "User:alice", "10.0.0.1", 3, 3}},
      AccessControlEntryRecord{{id_of(4), 4, "kafka-cluster", 3, "User:*", "*", 7, 2}},
      RemoveAccessControlEntryRecord{id_of(4)},
  };
}

TEST(MetadataRecords, RoundTripEveryType) {
  auto records = every_record_type();
  std::string encoded = encode_batch(records);
  std::string error;
  auto decoded = decode_batch(bytes(encoded), &error);
  ASSERT_TRUE(decoded) << error;
  ASSERT_EQ(decoded->size(), records.size());
  // Re-encoding the decoded records must give the same bytes (field-by-field equality).
  EXPECT_EQ(encode_batch(*decoded), encoded);
  EXPECT_EQ(std::get<RegisterBrokerRecord>((*decoded)[3]).broker.rack, "rack-a");
  EXPECT_FALSE(std::get<RegisterBrokerRecord>((*decoded)[4]).broker.rack.has_value());
  const auto& two = std::get<RegisterBrokerRecord>((*decoded)[4]).broker;
  ASSERT_EQ(two.endpoints.size(), 2u);
  EXPECT_EQ(two.address_for("SSL"), (std::pair<std::string, int32_t>{"h2.example", 9094}));
  EXPECT_EQ(two.address_for("SASL_SSL"), std::nullopt);
  // A registration without endpoints (written before they existed) answers every listener.
  const auto& one = std::get<RegisterBrokerRecord>((*decoded)[3]).broker;
  EXPECT_EQ(one.address_for("ANY"), (std::pair<std::string, int32_t>{"h1", 9092}));
}

TEST(MetadataImageApply, EveryRecordType) {
  ImageBuilder b;
  b.apply_all(every_record_type());
  auto image = b.build(17);
  EXPECT_EQ(b.ignored(), 0u);
  EXPECT_EQ(image->offset(), 17);
  EXPECT_EQ(image->cluster_id(), "abc");
  ASSERT_EQ(image->acls().size(), 1u);
  EXPECT_EQ(image->acls().at(id_of(3)).principal, "User:alice");
  EXPECT_EQ(image->acls().at(id_of(3)).host, "10.0.0.1");
  EXPECT_EQ(image->features().at("metadata.version"), 7);
  EXPECT_EQ(image->controller_id(), 3);
  EXPECT_EQ(image->controller_epoch(), 42);
  ASSERT_EQ(image->brokers().size(), 2u);
  EXPECT_FALSE(image->brokers().at(1).fenced);
  EXPECT_TRUE(image->brokers().at(2).fenced);
  EXPECT_EQ(image->brokers().at(1).rack, "rack-a");
  const TopicState* t = image->topic("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(image->topic_by_id(id_of(7)), t);
  ASSERT_EQ(t->partitions.size(), 2u);
  // PartitionChange: leader 1 -> 2 bumps the leader epoch; every change bumps the partition epoch.
  EXPECT_EQ(t->partitions[0].leader, 2);
  EXPECT_EQ(t->partitions[0].leader_epoch, 1);
  EXPECT_EQ(t->partitions[0].partition_epoch, 1);
  EXPECT_EQ(t->partitions[0].isr, std::vector<int32_t>{2});
  EXPECT_EQ(t->partitions[0].replicas, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(t->partitions[1].leader_epoch, 3);
  EXPECT_EQ(t->configs.at("retention.ms"), "1000");
  EXPECT_EQ(image->resource_configs().at({kResourceBroker, "1"}).at("log.retention.hours"), "5");
  EXPECT_EQ(image->topic("gone"), nullptr);
  EXPECT_EQ(image->topic_by_id(id_of(9)), nullptr);
  EXPECT_EQ(image->topics().size(), 1u);
  EXPECT_EQ(image->next_producer_id(), 1000);
}

TEST(MetadataImageApply, ConfigDeleteAndPartitionChangeWithoutLeader) {
  ImageBuilder b;
  b.apply_all(
      {TopicRecord{"t", id_of(1), false}, PartitionRecord{id_of(1), {0, {1}, {1}, 1, 0, 0}},
       ConfigRecord{kResourceTopic, "t", "k", std::string("v")},
       ConfigRecord{kResourceTopic, "t", "k", std::nullopt},
       PartitionChangeRecord{id_of(1), 0, std::nullopt, std::vector<int32_t>{}, std::nullopt},
       FeatureLevelRecord{"f", 1}, FeatureLevelRecord{"f", 0}});
  auto image = b.build(1);
  const TopicState* t = image->topic("t");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->configs.empty());
  EXPECT_EQ(t->partitions[0].leader, 1);
  EXPECT_EQ(t->partitions[0].leader_epoch, 0);
  EXPECT_EQ(t->partitions[0].partition_epoch, 1);
  EXPECT_TRUE(t->partitions[0].isr.empty());
  EXPECT_TRUE(image->features().empty());
}

TEST(MetadataImageApply, DanglingRecordsAreIgnoredNotFatal) {
  ImageBuilder b;
  b.apply_all({PartitionRecord{id_of(5), {0, {1}, {1}, 1, 0, 0}}, TopicRecord{"t", id_of(1), false},
               PartitionRecord{id_of(1), {3, {1}, {1}, 1, 0, 0}},  // gap
               PartitionChangeRecord{id_of(1), 0, 1, std::nullopt, std::nullopt},
               RemoveTopicRecord{id_of(5)}, BrokerFenceRecord{9, true},
               ConfigRecord{kResourceTopic, "missing", "k", std::string("v")},
               TopicRecord{"t", id_of(2), false}});  // duplicate name
  auto image = b.build(1);
  EXPECT_EQ(b.ignored(), 7u);
  ASSERT_NE(image->topic("t"), nullptr);
  EXPECT_TRUE(image->topic("t")->partitions.empty());
}

TEST(MetadataImageApply, OldImagesAreNotMutated) {
  ImageBuilder b1;
  b1.apply_all(
      {TopicRecord{"t", id_of(1), false}, PartitionRecord{id_of(1), {0, {1}, {1}, 1, 0, 0}}});
  auto v1 = b1.build(1);
  ImageBuilder b2(*v1);
  b2.apply(PartitionRecord{id_of(1), {1, {1}, {1}, 1, 0, 0}});
  b2.apply(TopicRecord{"u", id_of(2), false});
  auto v2 = b2.build(2);
  EXPECT_EQ(v1->topic("t")->partitions.size(), 1u);
  EXPECT_EQ(v1->topic("u"), nullptr);
  EXPECT_EQ(v2->topic("t")->partitions.size(), 2u);
  ImageBuilder b3(*v2);
  b3.apply(TopicRecord{"w", id_of(3), false});
  auto v3 = b3.build(3);
  // An untouched topic is shared, not copied.
  EXPECT_EQ(v3->topic("t"), v2->topic("t"));
}

TEST(MetadataSnapshot, RoundTrip) {
  ImageBuilder b;
  b.apply_all(every_record_type());
  auto image = b.build(99);
  std::string snap = encode_snapshot(*image);
  std::string error;
  auto restored = decode_snapshot(bytes(snap), &error);
  ASSERT_TRUE(restored) << error;
  EXPECT_EQ(restored->offset(), 99);
  EXPECT_EQ(restored->cluster_id(), image->cluster_id());
  EXPECT_EQ(restored->controller_id(), image->controller_id());
  EXPECT_EQ(restored->controller_epoch(), image->controller_epoch());
  EXPECT_EQ(restored->brokers(), image->brokers());
  EXPECT_EQ(restored->features(), image->features());
  EXPECT_EQ(restored->resource_configs(), image->resource_configs());
  EXPECT_EQ(restored->acls(), image->acls());
  EXPECT_EQ(restored->next_producer_id(), image->next_producer_id());
  ASSERT_EQ(restored->topics().size(), image->topics().size());
  for (const auto& [name, t] : image->topics()) {
    ASSERT_NE(restored->topic(name), nullptr);
    EXPECT_EQ(*restored->topic(name), *t);
  }
  EXPECT_EQ(encode_snapshot(*restored), snap);
}

TEST(MetadataDecoding, EveryTruncationIsRejected) {
  std::string encoded = encode_batch(every_record_type());
  for (size_t n = 0; n < encoded.size(); ++n) {
    std::string error;
    EXPECT_FALSE(decode_batch(bytes(encoded.substr(0, n)), &error)) << "prefix " << n;
    EXPECT_FALSE(error.empty());
  }
  std::string snap = encode_snapshot(*ImageBuilder().build(1));
  for (size_t n = 0; n < snap.size(); ++n) {
    EXPECT_EQ(decode_snapshot(bytes(snap.substr(0, n))), nullptr);
  }
  EXPECT_FALSE(decode_batch(bytes(encoded + "x")));  // trailing garbage
}

TEST(MetadataDecoding, HostileLengthsAndTypes) {
  std::string error;
  // format 1, count 0xFFFFFFFF with no bytes behind it: must fail before allocating.
  std::string huge_count("\x01\xff\xff\xff\xff", 5);
  EXPECT_FALSE(decode_batch(bytes(huge_count), &error));
  // One record of unknown type 200.
  std::string unknown("\x01\x00\x00\x00\x01\xc8\x00\x00\x00\x00\x00", 11);
  EXPECT_FALSE(decode_batch(bytes(unknown), &error));
  // Known type with an unsupported version.
  std::string version("\x01\x00\x00\x00\x01\x01\x05\x00\x00\x00\x04\x00\x00\x00\x00", 15);
  EXPECT_FALSE(decode_batch(bytes(version), &error));
  // ClusterId whose string claims 2 GiB.
  std::string big_string("\x01\x00\x00\x00\x01\x01\x00\x00\x00\x00\x04\x7f\xff\xff\xff", 15);
  EXPECT_FALSE(decode_batch(bytes(big_string), &error));
  // Unknown batch format.
  EXPECT_FALSE(decode_batch(bytes(std::string("\x02\x00\x00\x00\x00", 5)), &error));
  // Random garbage never crashes.
  std::mt19937 gen(1234);
  std::string valid = encode_batch(every_record_type());
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = valid;
    for (int k = 0; k < 4; ++k) mutated[gen() % mutated.size()] = static_cast<char>(gen());
    (void)decode_batch(bytes(mutated));
    std::string junk(gen() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(gen());
    (void)decode_batch(bytes(junk));
    (void)decode_snapshot(bytes(junk));
  }
}

}  // namespace
}  // namespace samsa::cluster
