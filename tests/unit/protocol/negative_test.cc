// Hostile input: every malformed buffer must end in DecodeError, without large allocations.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "alloc_tracker.h"
#include "protocol/headers.h"
#include "protocol/messages/all_messages.h"
#include "protocol/messages/api_registry.h"
#include "protocol/messages/test_fill.h"

namespace samsa::protocol {
namespace {

using ByteVec = std::vector<uint8_t>;

template <class M>
void expect_decode_error(const ByteVec& bytes, int16_t v) {
  Reader r(bytes.data(), bytes.size());
  M m;
  EXPECT_THROW(m.decode(r, v), DecodeError);
}

TEST(Negative, StringLengthLargerThanBuffer) {
  expect_decode_error<MetadataRequest>({0, 0, 0, 1, 0x00, 0xff, 'a'}, 0);
  expect_decode_error<MetadataRequest>({2, 0xff, 0x01, 'a'}, 9);  // compact length 254
}

TEST(Negative, NegativeLengths) {
  expect_decode_error<MetadataRequest>({0, 0, 0, 1, 0xff, 0xfe}, 0);  // string length -2
  expect_decode_error<MetadataRequest>({0, 0, 0, 1, 0xff, 0xff}, 0);  // null, not nullable
  expect_decode_error<MetadataRequest>({0xff, 0xff, 0xff, 0xfe}, 1);  // array count -2
  expect_decode_error<MetadataRequest>({0xff, 0xff, 0xff, 0xff}, 0);  // null array in v0
  // records length -2
  expect_decode_error<ProduceRequest>({0xff, 0xff, 0, 1, 0, 0, 0, 1, 0, 0,    0,    1,    0,   1,
                                       't',  0,    0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe},
                                      3);
}

TEST(Negative, HugeArrayCountWithFourBytesLeft) {
  testing::AllocationTracker guard;
  expect_decode_error<MetadataRequest>({0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 0);
  // Compact form: uvarint 0xffffffff = count 2^32 - 2.
  expect_decode_error<MetadataRequest>({0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0}, 9);
  // Nested: a plausible outer count, then a hostile inner count.
  expect_decode_error<MetadataResponse>(
      {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 0);
  EXPECT_LT(guard.largest(), 4096u);
}

TEST(Negative, BadVarints) {
  expect_decode_error<MetadataRequest>({0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 9);  // 6 bytes
  expect_decode_error<MetadataRequest>({0x80, 0x80, 0x80, 0x80, 0x10}, 9);  // overflows 32 bits
  ByteVec long_varlong(11, 0xff);
  Reader r(long_varlong.data(), long_varlong.size());
  EXPECT_THROW(r.read_varlong(), DecodeError);
}

TEST(Negative, TaggedFieldLargerThanBuffer) {
  // ApiVersions v3 response: no error, no keys, throttle 0, one tag claiming 100 bytes.
  expect_decode_error<ApiVersionsResponse>({0, 0, 1, 0, 0, 0, 0, 1, 7, 100, 0}, 3);
  // Tag count larger than the bytes left.
  expect_decode_error<ApiVersionsResponse>({0, 0, 1, 0, 0, 0, 0, 0x7f}, 3);
}

TEST(Negative, PrimitiveUnderflow) {
  ByteVec three{1, 2, 3};
  Reader r(three.data(), three.size());
  EXPECT_THROW(r.read_int32(), DecodeError);
  EXPECT_EQ(r.position(), 0u);
  EXPECT_THROW(r.skip(4), DecodeError);
  EXPECT_THROW(r.read_span(4), DecodeError);
  EXPECT_THROW(r.read_uuid(), DecodeError);
  Reader empty(nullptr, 0);
  EXPECT_THROW(empty.read_int8(), DecodeError);
  EXPECT_THROW(read_request_header(empty), DecodeError);
}

// Every strict prefix of a valid encoding must fail: decoding reads the same fields in the same
// order and runs out of bytes somewhere.
template <class M>
void every_truncation_fails() {
  for (int16_t v = M::kMinVersion; v <= M::kMaxVersion; ++v) {
    SCOPED_TRACE(std::string(M::kName) + " v" + std::to_string(v));
    M m;
    testing::fill(m, v);
    ByteVec bytes;
    Writer w(bytes);
    m.encode(w, v);
    for (size_t len = 0; len < bytes.size(); ++len) {
      // Copy so that AddressSanitizer would catch any read past `len`.
      ByteVec prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      Reader r(prefix.data(), prefix.size());
      M out;
      EXPECT_THROW(out.decode(r, v), DecodeError) << "prefix length " << len;
    }
  }
}

#define SAMSA_TRUNCATION_TEST(M) \
  TEST(Truncated, M) {           \
    every_truncation_fails<M>(); \
  }
SAMSA_PROTOCOL_MESSAGES(SAMSA_TRUNCATION_TEST)
#undef SAMSA_TRUNCATION_TEST

TEST(Negative, RegistryRejectsGarbageWithDecodeErrorOnly) {
  // Deterministic pseudo-random bodies for every API and version: decode either succeeds or
  // throws DecodeError, nothing else.
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return static_cast<uint8_t>(state >> 16);
  };
  for (const auto& api : all_apis()) {
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      for (int iter = 0; iter < 200; ++iter) {
        ByteVec bytes(static_cast<size_t>(next() % 64));
        for (auto& b : bytes) b = next();
        Reader r(bytes.data(), bytes.size());
        try {
          EXPECT_TRUE(decode_request_body(api.key, v, r));
        } catch (const DecodeError&) {
        }
        Reader r2(bytes.data(), bytes.size());
        try {
          EXPECT_TRUE(decode_response_body(api.key, v, r2));
        } catch (const DecodeError&) {
        }
      }
    }
  }
}

}  // namespace
}  // namespace samsa::protocol
