#include "server/group/group_records.h"

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace samsa::server::group {
namespace {

using protocol::DecodeError;
using protocol::Reader;
using protocol::Writer;

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kGroupValueVersion = 3;
constexpr int16_t kFlexibleValueVersion = 4;

std::string to_string(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// Value schemas became flexible at v4 (KIP-915): compact lengths and a tagged-field section, whose
// content we do not need and skip with bounds checks.
void skip_tagged_fields(Reader& r) {
  uint32_t count = r.read_unsigned_varint();
  if (count > r.remaining()) throw DecodeError("tagged field count exceeds record");
  for (uint32_t i = 0; i < count; ++i) {
    r.read_unsigned_varint();
    uint32_t size = r.read_unsigned_varint();
    r.skip(size);
  }
}

std::string read_str(Reader& r, bool flexible) {
  return flexible ? r.read_compact_string() : r.read_string();
}

std::optional<std::string> read_nullable_str(Reader& r, bool flexible) {
  return flexible ? r.read_compact_nullable_string() : r.read_nullable_string();
}

protocol::Bytes read_bytes_field(Reader& r, bool flexible) {
  auto b = flexible ? r.read_compact_nullable_bytes() : r.read_nullable_bytes();
  return b ? std::move(*b) : protocol::Bytes{};
}

}  // namespace

std::string encode_offset_key(const OffsetKey& key) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.write_int16(kOffsetKeyVersion);
  w.write_string(key.group);
  w.write_string(key.topic);
  w.write_int32(key.partition);
  return to_string(out);
}

std::string encode_group_key(const GroupKey& key) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.write_int16(kGroupKeyVersion);
  w.write_string(key.group);
  return to_string(out);
}

std::string encode_offset_value(const OffsetValue& value) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.write_int16(kOffsetValueVersion);
  w.write_int64(value.offset);
  w.write_int32(value.leader_epoch);
  w.write_string(value.metadata);
  w.write_int64(value.commit_timestamp);
  return to_string(out);
}

std::string encode_group_value(const GroupValue& value) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.write_int16(kGroupValueVersion);
  w.write_string(value.protocol_type);
  w.write_int32(value.generation);
  w.write_nullable_string(value.protocol);
  w.write_nullable_string(value.leader);
  w.write_int64(value.current_state_timestamp);
  w.write_int32(static_cast<int32_t>(value.members.size()));
  for (const auto& m : value.members) {
    w.write_string(m.member_id);
    w.write_nullable_string(m.group_instance_id);
    w.write_string(m.client_id);
    w.write_string(m.client_host);
    w.write_int32(m.rebalance_timeout);
    w.write_int32(m.session_timeout);
    w.write_bytes(m.subscription);
    w.write_bytes(m.assignment);
  }
  return to_string(out);
}

std::optional<RecordKey> decode_key(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  const int16_t version = r.read_int16();
  if (version == 0 || version == 1) {
    OffsetKey key;
    key.group = r.read_string();
    key.topic = r.read_string();
    key.partition = r.read_int32();
    return key;
  }
  if (version == 2) return GroupKey{r.read_string()};
  return std::nullopt;
}

OffsetValue decode_offset_value(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  const int16_t version = r.read_int16();
  if (version < 0 || version > kFlexibleValueVersion) {
    throw DecodeError("unknown offset commit value version " + std::to_string(version));
  }
  const bool flexible = version >= kFlexibleValueVersion;
  OffsetValue v;
  v.offset = r.read_int64();
  if (version >= 3) v.leader_epoch = r.read_int32();
  v.metadata = read_str(r, flexible);
  v.commit_timestamp = r.read_int64();
  if (version == 1) v.expire_timestamp = r.read_int64();
  if (flexible) skip_tagged_fields(r);
  return v;
}

GroupValue decode_group_value(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  const int16_t version = r.read_int16();
  if (version < 0 || version > kFlexibleValueVersion) {
    throw DecodeError("unknown group metadata value version " + std::to_string(version));
  }
  const bool flexible = version >= kFlexibleValueVersion;
  GroupValue v;
  v.protocol_type = read_str(r, flexible);
  v.generation = r.read_int32();
  v.protocol = read_nullable_str(r, flexible);
  v.leader = read_nullable_str(r, flexible);
  if (version >= 2) v.current_state_timestamp = r.read_int64();
  const int32_t count = r.read_array_length(flexible);  // bounded by the remaining bytes
  for (int32_t i = 0; i < count; ++i) {
    MemberValue m;
    m.member_id = read_str(r, flexible);
    if (version >= 3) m.group_instance_id = read_nullable_str(r, flexible);
    m.client_id = read_str(r, flexible);
    m.client_host = read_str(r, flexible);
    if (version >= 1) m.rebalance_timeout = r.read_int32();
    m.session_timeout = r.read_int32();
    m.subscription = read_bytes_field(r, flexible);
    m.assignment = read_bytes_field(r, flexible);
    if (flexible) skip_tagged_fields(r);
    v.members.push_back(std::move(m));
  }
  if (flexible) skip_tagged_fields(r);
  return v;
}

}  // namespace samsa::server::group
