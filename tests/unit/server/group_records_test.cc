// Byte fixtures for the __consumer_offsets record formats, written out by hand from Kafka's
// OffsetCommitKey/Value and GroupMetadataKey/Value schemas.
#include "server/group/group_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/group/group_coordinator.h"

namespace samsa::server::group {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(GroupRecords, OffsetKeyV1Bytes) {
  const std::string expected = bytes({0, 1, 0, 1, 'g', 0, 2, 't', 'p', 0, 0, 0, 3});
  EXPECT_EQ(encode_offset_key({"g", "tp", 3}), expected);
  auto key = decode_key(span_of(expected));
  ASSERT_TRUE(key);
  EXPECT_EQ(std::get<OffsetKey>(*key), (OffsetKey{"g", "tp", 3}));
}

TEST(GroupRecords, GroupKeyV2Bytes) {
  const std::string expected = bytes({0, 2, 0, 3, 'g', 'r', 'p'});
  EXPECT_EQ(encode_group_key({"grp"}), expected);
  auto key = decode_key(span_of(expected));
  ASSERT_TRUE(key);
  EXPECT_EQ(std::get<GroupKey>(*key).group, "grp");
}

TEST(GroupRecords, UnknownKeyVersionIsSkipped) {
  EXPECT_FALSE(decode_key(span_of(bytes({0, 7, 0, 1, 'g'}))));
}

TEST(GroupRecords, OffsetValueV3Bytes) {
  OffsetValue v;
  v.offset = 0x0102;
  v.leader_epoch = 5;
  v.metadata = "m";
  v.commit_timestamp = 0x1000;
  const std::string expected = bytes({0, 3,                           // version
                                      0, 0, 0,   0, 0, 0, 1,    2,    // offset
                                      0, 0, 0,   5,                   // leader epoch
                                      0, 1, 'm',                      // metadata
                                      0, 0, 0,   0, 0, 0, 0x10, 0});  // commit timestamp
  EXPECT_EQ(encode_offset_value(v), expected);
  EXPECT_EQ(decode_offset_value(span_of(expected)), v);
}

TEST(GroupRecords, OffsetValueOlderVersionsDecode) {
  // v1 carries an expire timestamp and no leader epoch.
  const std::string v1 =
      bytes({0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2});
  auto d = decode_offset_value(span_of(v1));
  EXPECT_EQ(d.offset, 9);
  EXPECT_EQ(d.leader_epoch, -1);
  EXPECT_EQ(d.metadata, "");
  EXPECT_EQ(d.commit_timestamp, 1);
  EXPECT_EQ(d.expire_timestamp, 2);
  // v4 is flexible: compact string (length + 1) and an empty tagged-field section.
  const std::string v4 =
      bytes({0, 4, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 2, 'x', 0, 0, 0, 0, 0, 0, 0, 3, 0});
  d = decode_offset_value(span_of(v4));
  EXPECT_EQ(d.offset, 7);
  EXPECT_EQ(d.leader_epoch, 1);
  EXPECT_EQ(d.metadata, "x");
  EXPECT_EQ(d.commit_timestamp, 3);
}

TEST(GroupRecords, GroupValueV3Bytes) {
  GroupValue v;
  v.protocol_type = "consumer";
  v.generation = 2;
  v.protocol = "range";
  v.leader = "m1";
  v.current_state_timestamp = 1;
  MemberValue m;
  m.member_id = "m1";
  m.client_id = "c";
  m.client_host = "/h";
  m.rebalance_timeout = 300;
  m.session_timeout = 100;
  m.subscription = {0xAA};
  m.assignment = {0xBB, 0xCC};
  v.members.push_back(m);
  const std::string expected = bytes(
      {0,    3,                                               // version
       0,    8,    'c', 'o',  'n',  's', 'u', 'm', 'e', 'r',  // protocol type
       0,    0,    0,   2,                                    // generation
       0,    5,    'r', 'a',  'n',  'g', 'e',                 // protocol
       0,    2,    'm', '1',                                  // leader
       0,    0,    0,   0,    0,    0,   0,   1,              // current state timestamp
       0,    0,    0,   1,                                    // one member
       0,    2,    'm', '1',                                  // member id
       0xFF, 0xFF,                                            // null group instance id
       0,    1,    'c', 0,    2,    '/', 'h',                 // client id, host
       0,    0,    1,   0x2C, 0,    0,   0,   100,            // rebalance, session timeouts
       0,    0,    0,   1,    0xAA, 0,   0,   0,   2,   0xBB, 0xCC});  // subscription, assignment
  EXPECT_EQ(encode_group_value(v), expected);
  EXPECT_EQ(decode_group_value(span_of(expected)), v);
}

TEST(GroupRecords, GroupValueV0Decodes) {
  const std::string v0 = bytes({0, 0, 0, 1, 'x', 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0});
  auto d = decode_group_value(span_of(v0));
  EXPECT_EQ(d.protocol_type, "x");
  EXPECT_EQ(d.generation, 1);
  EXPECT_FALSE(d.protocol);
  EXPECT_FALSE(d.leader);
  EXPECT_TRUE(d.members.empty());
}

TEST(GroupRecords, HostileBytesThrow) {
  EXPECT_THROW(decode_offset_value(span_of(bytes({0, 3, 0, 0}))), protocol::DecodeError);
  EXPECT_THROW(decode_offset_value(span_of(bytes({0, 9}))), protocol::DecodeError);
  // A member count far beyond the bytes present must not allocate.
  EXPECT_THROW(decode_group_value(span_of(bytes({0, 3, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                                                 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF}))),
               protocol::DecodeError);
  EXPECT_THROW(decode_key(span_of(bytes({0, 1, 0, 5, 'g'}))), protocol::DecodeError);
}

}  // namespace
}  // namespace samsa::server::group

namespace samsa::server::group {
namespace {

// Values of Java's String.hashCode, which places groups on __consumer_offsets partitions.
TEST(GroupPlacement, JavaStringHash) {
  EXPECT_EQ(java_string_hash("abc"), 96354);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("\xC3\xA9"), 0xE9);                 // U+00E9, one UTF-16 unit
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 1772899);      // U+1F600, a surrogate pair
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);  // Kafka's Utils.abs maps it to 0
  EXPECT_EQ(partition_for_group("polygenelubricants", 50), 0);
  EXPECT_EQ(partition_for_group("hello", 50), 99162322 % 50);
}

}  // namespace
}  // namespace samsa::server::group
