// For every generated message and every version in its range: populate every field present in
// that version with a non-default value, encode, check size(), decode, compare. A second pass sets
// every field nullable in that version to null.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/messages/all_messages.h"
#include "protocol/messages/test_fill.h"

namespace samsa::protocol {
namespace {

template <class M>
void round_trip_all_versions(bool nulls) {
  for (int16_t v = M::kMinVersion; v <= M::kMaxVersion; ++v) {
    SCOPED_TRACE(std::string(M::kName) + " v" + std::to_string(v) + (nulls ? " nulls" : ""));
    M original;
    testing::fill(original, v, nulls);
    std::vector<uint8_t> buf{0xaa};  // pre-existing content must be left alone
    Writer w(buf);
    original.encode(w, v);
    ASSERT_EQ(original.size(v), w.size());
    ASSERT_EQ(buf.size(), w.size() + 1);
    ASSERT_EQ(buf[0], 0xaa);

    Reader r(buf.data() + 1, buf.size() - 1);
    M decoded;
    decoded.decode(r, v);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_TRUE(decoded == original);

    // Encoding the decoded message must give the same bytes.
    std::vector<uint8_t> again;
    Writer w2(again);
    decoded.encode(w2, v);
    EXPECT_EQ(again, std::vector<uint8_t>(buf.begin() + 1, buf.end()));

    // A filled message differs from a default one (fill did something), unless the version
    // has no fields at all (ApiVersions v0-2 requests, ListGroups v3 requests: only the empty
    // tagged-field section of a flexible version).
    const size_t empty_size = v >= M::kFirstFlexibleVersion ? 1 : 0;
    if (!nulls && w.size() > empty_size) {
      EXPECT_FALSE(M() == original);
    }
  }
}

#define SAMSA_ROUND_TRIP_TEST(M)       \
  TEST(RoundTrip, M) {                 \
    round_trip_all_versions<M>(false); \
  }                                    \
  TEST(RoundTripNulls, M) {            \
    round_trip_all_versions<M>(true);  \
  }
SAMSA_PROTOCOL_MESSAGES(SAMSA_ROUND_TRIP_TEST)
#undef SAMSA_ROUND_TRIP_TEST

TEST(RoundTrip, FieldsOutsideVersionAreSkipped) {
  MetadataRequest m;
  m.allow_auto_topic_creation = false;             // exists from v4
  m.include_cluster_authorized_operations = true;  // v8-10
  std::vector<uint8_t> buf;
  Writer w(buf);
  m.encode(w, 3);
  MetadataRequest back;
  Reader r(buf.data(), buf.size());
  back.decode(r, 3);
  EXPECT_TRUE(back.allow_auto_topic_creation);
  EXPECT_FALSE(back.include_cluster_authorized_operations);
}

TEST(RoundTrip, UnsupportedVersionThrows) {
  MetadataRequest m;
  std::vector<uint8_t> buf;
  Writer w(buf);
  EXPECT_THROW(m.encode(w, MetadataRequest::kMaxVersion + 1), EncodeError);
  Reader r(buf.data(), buf.size());
  EXPECT_THROW(m.decode(r, -1), DecodeError);
}

}  // namespace
}  // namespace samsa::protocol
