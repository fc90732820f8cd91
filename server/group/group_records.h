#pragma once
// Kafka's key and value formats for the records of __consumer_offsets, so that tools reading that
// topic (Burrow, kcat with a decoder, Kafka's own GroupMetadataMessageFormatter) understand ours.
// Keys and values start with an int16 schema version. We write offset commit key v1 / value v3 and
// group metadata key v2 / value v3, as Kafka 3.x does, and read every version Kafka has written.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocol/types.h"

namespace samsa::server::group {

struct OffsetKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  bool operator==(const OffsetKey&) const = default;
};

struct GroupKey {
  std::string group;
  bool operator==(const GroupKey&) const = default;
};

struct OffsetValue {
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = 0;
  int64_t expire_timestamp = -1;  // only in value v1
  bool operator==(const OffsetValue&) const = default;
};

struct MemberValue {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout = -1;
  int32_t session_timeout = 0;
  protocol::Bytes subscription;
  protocol::Bytes assignment;
  bool operator==(const MemberValue&) const = default;
};

struct GroupValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;
  std::vector<MemberValue> members;
  bool operator==(const GroupValue&) const = default;
};

using RecordKey = std::variant<OffsetKey, GroupKey>;

std::string encode_offset_key(const OffsetKey& key);
std::string encode_group_key(const GroupKey& key);
std::string encode_offset_value(const OffsetValue& value);
std::string encode_group_value(const GroupValue& value);

// Returns nullopt for key versions this broker does not know (e.g. the new consumer protocol's
// records), which replay skips. Throws protocol::DecodeError for malformed bytes.
std::optional<RecordKey> decode_key(std::span<const uint8_t> bytes);
OffsetValue decode_offset_value(std::span<const uint8_t> bytes);
GroupValue decode_group_value(std::span<const uint8_t> bytes);

}  // namespace samsa::server::group
