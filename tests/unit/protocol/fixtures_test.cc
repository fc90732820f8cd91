// Hand-built byte fixtures, written from the Kafka schema facts, checked in both directions.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocol/messages/all_messages.h"

namespace samsa::protocol {
namespace {

using ByteVec = std::vector<uint8_t>;

template <class M>
ByteVec encode(const M& m, int16_t v) {
  ByteVec out;
  Writer w(out);
  m.encode(w, v);
  EXPECT_EQ(m.size(v), out.size());
  return out;
}

template <class M>
M decode(const ByteVec& bytes, int16_t v) {
  Reader r(bytes.data(), bytes.size());
  M m;
  m.decode(r, v);
  EXPECT_EQ(r.remaining(), 0u);
  return m;
}

TEST(Fixtures, ApiVersionsRequestV0IsEmpty) {
  EXPECT_TRUE(encode(ApiVersionsRequest{}, 0).empty());
  decode<ApiVersionsRequest>({}, 0);
}

TEST(Fixtures, ApiVersionsRequestV3) {
  const ByteVec bytes{5, 'k', 'c', 'a', 't', 4, '1', '.', '7', 0};
  auto m = decode<ApiVersionsRequest>(bytes, 3);
  EXPECT_EQ(m.client_software_name, "kcat");
  EXPECT_EQ(m.client_software_version, "1.7");
  EXPECT_EQ(encode(m, 3), bytes);
}

TEST(Fixtures, ApiVersionsResponseV0) {
  const ByteVec bytes{0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 12};
  ApiVersionsResponse m;
  m.api_keys.push_back({3, 0, 12});
  m.throttle_time_ms = 99;  // v1+: must not be written in v0
  EXPECT_EQ(encode(m, 0), bytes);
  auto back = decode<ApiVersionsResponse>(bytes, 0);
  ASSERT_EQ(back.api_keys.size(), 1u);
  EXPECT_EQ(back.api_keys[0].api_key, 3);
  EXPECT_EQ(back.api_keys[0].max_version, 12);
  EXPECT_EQ(back.throttle_time_ms, 0);
}

TEST(Fixtures, ApiVersionsResponseV3WithTaggedField) {
  ApiVersionsResponse m;
  m.error_code = 35;
  m.api_keys.push_back({18, 0, 4});
  m.throttle_time_ms = 1;
  m.finalized_features_epoch = 5;  // tag 1, written because it differs from the default -1
  const ByteVec bytes{0, 35,       // error_code
                      2,           // compact array: 1 element
                      0, 18, 0, 0, 0, 4, 0,  // key, min, max, no tags
                      0, 0,  0, 1,           // throttle_time_ms
                      1,                     // one tagged field
                      1, 8,  0, 0, 0, 0, 0, 0, 0, 5};
  EXPECT_EQ(encode(m, 3), bytes);
  auto back = decode<ApiVersionsResponse>(bytes, 3);
  EXPECT_TRUE(back == m);

  // Default-valued tagged fields are omitted entirely.
  m.finalized_features_epoch = -1;
  EXPECT_EQ(encode(m, 3).back(), 0);

  // An unknown tag (7) before a known one is skipped.
  const ByteVec with_unknown{0, 0, 1, 0, 0, 0, 0, 2, 7, 2, 0xaa, 0xbb, 3, 1, 1};
  auto u = decode<ApiVersionsResponse>(with_unknown, 3);
  EXPECT_TRUE(u.zk_migration_ready);
  EXPECT_TRUE(u.api_keys.empty());
}

TEST(Fixtures, MetadataRequestV0) {
  const ByteVec bytes{0, 0, 0, 1, 0, 3, 'f', 'o', 'o'};
  auto m = decode<MetadataRequest>(bytes, 0);
  ASSERT_TRUE(m.topics.has_value());
  ASSERT_EQ(m.topics->size(), 1u);
  EXPECT_EQ((*m.topics)[0].name, "foo");
  EXPECT_TRUE(m.allow_auto_topic_creation);  // default, field absent before v4
  EXPECT_EQ(encode(m, 0), bytes);
}

TEST(Fixtures, MetadataRequestV1NullTopicsMeansAll) {
  const ByteVec bytes{0xff, 0xff, 0xff, 0xff};
  auto m = decode<MetadataRequest>(bytes, 1);
  EXPECT_FALSE(m.topics.has_value());
  EXPECT_EQ(encode(m, 1), bytes);
  // Null is not allowed in v0.
  Reader r(bytes.data(), bytes.size());
  MetadataRequest v0;
  EXPECT_THROW(v0.decode(r, 0), DecodeError);
}

TEST(Fixtures, MetadataRequestV9) {
  const ByteVec bytes{2, 4, 'f', 'o', 'o', 0,  // topics: [{name "foo", no tags}]
                      1,                       // allow_auto_topic_creation
                      0,                       // include_cluster_authorized_operations
                      1,                       // include_topic_authorized_operations
                      0};                      // no tags
  auto m = decode<MetadataRequest>(bytes, 9);
  ASSERT_EQ(m.topics->size(), 1u);
  EXPECT_EQ((*m.topics)[0].name, "foo");
  EXPECT_TRUE(m.allow_auto_topic_creation);
  EXPECT_FALSE(m.include_cluster_authorized_operations);
  EXPECT_TRUE(m.include_topic_authorized_operations);
  EXPECT_EQ(encode(m, 9), bytes);
}

TEST(Fixtures, MetadataRequestV12ByTopicId) {
  ByteVec bytes{2};
  Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i + 1);
  bytes.insert(bytes.end(), id.begin(), id.end());
  // null name, no tags; allow_auto false; include_topic false; no tags.
  bytes.insert(bytes.end(), {0, 0, 0, 0, 0});
  auto m = decode<MetadataRequest>(bytes, 12);
  ASSERT_EQ(m.topics->size(), 1u);
  EXPECT_EQ((*m.topics)[0].topic_id, id);
  EXPECT_FALSE((*m.topics)[0].name.has_value());
  EXPECT_FALSE(m.allow_auto_topic_creation);
  EXPECT_EQ(encode(m, 12), bytes);
}

TEST(Fixtures, ProduceRequestV3) {
  const ByteVec bytes{0xff, 0xff,                                 // transactional_id: null
                      0xff, 0xff,                                 // acks: -1
                      0,    0,    0x75, 0x30,                     // timeout_ms: 30000
                      0,    0,    0,    1,    0,    1,    't',    // one topic "t"
                      0,    0,    0,    1,                        // one partition
                      0,    0,    0,    0,                        // index 0
                      0,    0,    0,    3,    0xaa, 0xbb, 0xcc};  // records
  auto m = decode<ProduceRequest>(bytes, 3);
  EXPECT_FALSE(m.transactional_id.has_value());
  EXPECT_EQ(m.acks, -1);
  EXPECT_EQ(m.timeout_ms, 30000);
  ASSERT_EQ(m.topic_data.size(), 1u);
  EXPECT_EQ(m.topic_data[0].name, "t");
  const ProduceRequest::PartitionProduceData& p = m.topic_data[0].partition_data.at(0);
  ASSERT_TRUE(p.records.has_value());
  // Records are a view into the input buffer, not a copy.
  EXPECT_EQ(p.records->data(), bytes.data() + bytes.size() - 3);
  EXPECT_EQ(p.records->size(), 3u);
  EXPECT_EQ(encode(m, 3), bytes);
}

TEST(Fixtures, ProduceRequestV9) {
  const ByteVec bytes{0,                    // transactional_id: null (compact)
                      0, 1,                 // acks 1
                      0, 0,    0x03, 0xe8,  // timeout 1000
                      2, 2,    't',         // one topic "t"
                      2,                    // one partition
                      0, 0,    0,    2,     // index 2
                      4, 0xaa, 0xbb, 0xcc,  // compact records
                      0, 0,    0};          // partition, topic, request tags
  auto m = decode<ProduceRequest>(bytes, 9);
  EXPECT_EQ(m.acks, 1);
  EXPECT_EQ(m.timeout_ms, 1000);
  EXPECT_EQ(m.topic_data.at(0).partition_data.at(0).index, 2);
  EXPECT_EQ(m.topic_data.at(0).partition_data.at(0).records->size(), 3u);
  EXPECT_EQ(encode(m, 9), bytes);
}

TEST(Fixtures, FetchRequestV4) {
  const ByteVec bytes{0xff, 0xff, 0xff, 0xff,                 // replica_id -1
                      0,    0,    0x01, 0xf4,                 // max_wait_ms 500
                      0,    0,    0,    1,                    // min_bytes 1
                      0,    0x10, 0,    0,                    // max_bytes 1 MiB
                      1,                                      // isolation_level read_committed
                      0,    0,    0,    1,    0, 1, 't',      // topics: ["t"
                      0,    0,    0,    1,                    // partitions: [
                      0,    0,    0,    0,                    // partition 0
                      0,    0,    0,    0,    0, 0, 0,   42,  // fetch_offset 42
                      0,    0x10, 0,    0};                   // partition_max_bytes
  auto m = decode<FetchRequest>(bytes, 4);
  EXPECT_EQ(m.replica_id, -1);
  EXPECT_EQ(m.max_wait_ms, 500);
  EXPECT_EQ(m.max_bytes, 1 << 20);
  EXPECT_EQ(m.isolation_level, 1);
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].topic, "t");
  const auto& p = m.topics[0].partitions.at(0);
  EXPECT_EQ(p.fetch_offset, 42);
  EXPECT_EQ(p.current_leader_epoch, -1);  // v9+ only, keeps its default
  EXPECT_EQ(p.log_start_offset, -1);      // v5+ only
  EXPECT_EQ(encode(m, 4), bytes);
}

TEST(Fixtures, FetchRequestV12TaggedClusterId) {
  FetchRequest m;
  m.cluster_id = "c";
  m.max_wait_ms = 1;
  const ByteVec bytes{0xff, 0xff, 0xff, 0xff,        // replica_id
                      0,    0,    0,    1,           // max_wait_ms
                      0,    0,    0,    0,           // min_bytes
                      0x7f, 0xff, 0xff, 0xff,        // max_bytes default
                      0,                             // isolation_level
                      0,    0,    0,    0,           // session_id
                      0xff, 0xff, 0xff, 0xff,        // session_epoch -1
                      1,                             // topics: []
                      1,                             // forgotten_topics_data: []
                      1,                             // rack_id ""
                      1,    0,    2,    2,    'c'};  // tags: {0: compact "c"}
  EXPECT_EQ(encode(m, 12), bytes);
  EXPECT_TRUE(decode<FetchRequest>(bytes, 12) == m);
}

}  // namespace
}  // namespace samsa::protocol
