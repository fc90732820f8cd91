#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "protocol/error_codes.h"
#include "protocol/headers.h"
#include "protocol/messages/api_registry.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace samsa::protocol {
namespace {

using ByteVec = std::vector<uint8_t>;

TEST(Primitives, BigEndianIntegers) {
  ByteVec buf;
  Writer w(buf);
  w.write_int8(-2);
  w.write_int16(0x0102);
  w.write_int32(-1);
  w.write_int64(0x0102030405060708LL);
  w.write_uint16(0xfffe);
  w.write_uint32(0x80000001u);
  w.write_float64(1.5);
  w.write_bool(true);
  EXPECT_EQ(buf, (ByteVec{0xfe, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 1,    2, 3, 4, 5, 6, 7, 8,
                          0xff, 0xfe, 0x80, 0,    0,    1,    0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 1}));
  Reader r(buf.data(), buf.size());
  EXPECT_EQ(r.read_int8(), -2);
  EXPECT_EQ(r.read_int16(), 0x0102);
  EXPECT_EQ(r.read_int32(), -1);
  EXPECT_EQ(r.read_int64(), 0x0102030405060708LL);
  EXPECT_EQ(r.read_uint16(), 0xfffe);
  EXPECT_EQ(r.read_uint32(), 0x80000001u);
  EXPECT_EQ(r.read_float64(), 1.5);
  EXPECT_TRUE(r.read_bool());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.position(), buf.size());
}

TEST(Primitives, VarintsMatchKafkaEncoding) {
  // Zig-zag: 0->0, -1->1, 1->2, -64->127 (one byte), 64->128 (two bytes 0x80 0x01).
  struct Case {
    int32_t value;
    ByteVec bytes;
  };
  for (const auto& c :
       {Case{0, {0}}, Case{-1, {1}}, Case{1, {2}}, Case{-64, {0x7f}}, Case{64, {0x80, 0x01}},
        Case{300, {0xd8, 0x04}},
        Case{std::numeric_limits<int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}}}) {
    ByteVec buf;
    Writer w(buf);
    w.write_varint(c.value);
    EXPECT_EQ(buf, c.bytes) << c.value;
    SizeCounter sc;
    sc.write_varint(c.value);
    EXPECT_EQ(sc.size(), c.bytes.size());
    Reader r(buf.data(), buf.size());
    EXPECT_EQ(r.read_varint(), c.value);
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    ByteVec buf;
    Writer w(buf);
    w.write_varlong(v);
    SizeCounter sc;
    sc.write_varlong(v);
    EXPECT_EQ(sc.size(), buf.size());
    Reader r(buf.data(), buf.size());
    EXPECT_EQ(r.read_varlong(), v);
  }
  ByteVec buf;
  Writer w(buf);
  w.write_unsigned_varint(0xffffffffu);
  EXPECT_EQ(buf, (ByteVec{0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST(Primitives, StringsAndBytes) {
  ByteVec buf;
  Writer w(buf);
  w.write_string("ab");
  w.write_nullable_string(std::nullopt);
  w.write_compact_string("xyz");
  w.write_compact_nullable_string(std::nullopt);
  const uint8_t raw[] = {9, 8};
  w.write_bytes(raw);
  w.write_compact_bytes(raw);
  w.write_nullable_bytes(std::nullopt);
  w.write_compact_nullable_bytes(std::nullopt);
  Uuid u{};
  u[15] = 7;
  w.write_uuid(u);
  ByteVec expected{0, 2, 'a', 'b', 0xff, 0xff, 4, 'x',  'y',  'z',  0,    0, 0,
                   0, 2, 9,   8,   3,    9,    8, 0xff, 0xff, 0xff, 0xff, 0};
  expected.insert(expected.end(), u.begin(), u.end());
  EXPECT_EQ(buf, expected);
  Reader r(buf.data(), buf.size());
  EXPECT_EQ(r.read_string(), "ab");
  EXPECT_EQ(r.read_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_compact_string(), "xyz");
  EXPECT_EQ(r.read_compact_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_bytes(), (Bytes{9, 8}));
  EXPECT_EQ(r.read_compact_bytes(), (Bytes{9, 8}));
  EXPECT_EQ(r.read_nullable_bytes(), std::nullopt);
  EXPECT_EQ(r.read_compact_nullable_bytes(), std::nullopt);
  EXPECT_EQ(r.read_uuid(), u);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Primitives, WriterAppendsAndPatches) {
  ByteVec buf{1, 2};
  Writer w(buf);
  w.write_int32(0);
  w.write_int8(5);
  EXPECT_EQ(w.size(), 5u);
  w.put_int32_at(2, 0x01020304);
  EXPECT_EQ(buf, (ByteVec{1, 2, 1, 2, 3, 4, 5}));
  EXPECT_THROW(w.put_int32_at(4, 0), EncodeError);
}

TEST(Primitives, OversizedStringCannotBeEncoded) {
  ByteVec buf;
  Writer w(buf);
  EXPECT_THROW(w.write_string(std::string(40000, 'x')), EncodeError);
}

TEST(Headers, Versions) {
  EXPECT_EQ(request_header_version(3, 8), 1);    // Metadata v8: not flexible
  EXPECT_EQ(request_header_version(3, 9), 2);    // Metadata v9: flexible
  EXPECT_EQ(request_header_version(18, 3), 2);   // ApiVersions v3 request is flexible
  EXPECT_EQ(response_header_version(18, 3), 0);  // ... but its response header is always v0
  EXPECT_EQ(response_header_version(3, 9), 1);
  EXPECT_EQ(response_header_version(3, 8), 0);
  EXPECT_EQ(request_header_version(7, 0), 0);
  EXPECT_EQ(request_header_version(999, 0), 1);
}

TEST(Headers, RequestHeaderV2KeepsInt16ClientId) {
  RequestHeader h;
  h.api_key = 3;
  h.api_version = 12;
  h.correlation_id = 7;
  h.client_id = "c";
  ByteVec buf;
  Writer w(buf);
  write_request_header(w, h);
  EXPECT_EQ(buf, (ByteVec{0, 3, 0, 12, 0, 0, 0, 7, 0, 1, 'c', 0}));
  Reader r(buf.data(), buf.size());
  EXPECT_TRUE(read_request_header(r) == h);
  EXPECT_EQ(r.remaining(), 0u);

  h.api_version = 1;  // header v1: no tagged fields; null client id
  h.client_id = std::nullopt;
  buf.clear();
  Writer w1(buf);
  write_request_header(w1, h);
  EXPECT_EQ(buf, (ByteVec{0, 3, 0, 1, 0, 0, 0, 7, 0xff, 0xff}));
  Reader r1(buf.data(), buf.size());
  EXPECT_TRUE(read_request_header(r1) == h);
}

TEST(Registry, ListsEveryApi) {
  const auto& apis = all_apis();
  // +DeleteRecords, DescribeLogDirs, 3 config, 3 ACL, 2 SCRAM and 2 SASL APIs
  ASSERT_EQ(apis.size(), 33u);
  const ApiInfo* metadata = find_api(3);
  ASSERT_NE(metadata, nullptr);
  EXPECT_STREQ(metadata->name, "Metadata");
  EXPECT_EQ(metadata->min_version, 0);
  EXPECT_EQ(metadata->max_version, 12);
  EXPECT_EQ(metadata->first_flexible_version, 9);
  EXPECT_EQ(find_api(9999), nullptr);
  ByteVec empty;
  Reader r(empty.data(), 0);
  EXPECT_TRUE(decode_request_body(18, 0, r));  // ApiVersions v0 request is empty
  EXPECT_FALSE(decode_request_body(18, 99, r));
  EXPECT_FALSE(decode_request_body(4242, 0, r));
}

TEST(ErrorCodes, NamesAndValues) {
  EXPECT_EQ(to_int(ErrorCode::kNone), 0);
  EXPECT_EQ(to_int(ErrorCode::kUnknownTopicOrPartition), 3);
  EXPECT_EQ(to_int(ErrorCode::kUnknownServerError), -1);
  EXPECT_EQ(to_int(ErrorCode::kUnsupportedVersion), 35);
  EXPECT_STREQ(error_name(3), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_STREQ(error_name(ErrorCode::kNotLeaderOrFollower), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_STREQ(error_name(12345), "UNRECOGNIZED");
  EXPECT_TRUE(error_retriable(ErrorCode::kNotLeaderOrFollower));
  EXPECT_FALSE(error_retriable(ErrorCode::kTopicAlreadyExists));
}

}  // namespace
}  // namespace samsa::protocol
