// SCRAM credential records: encoding, applying to the image, snapshots, and the controller-side
// validation (Kafka's ScramControlManager rules).
#include <gtest/gtest.h>

#include "cluster/image_builder.h"
#include "cluster/metadata_records.h"
#include "cluster/scram_control.h"

namespace samsa::cluster {
namespace {

ScramCredentialData data(uint8_t seed, int32_t iterations = 4096) {
  return {
      {seed, 1, 2}, std::vector<uint8_t>(32, seed), std::vector<uint8_t>(32, seed + 1), iterations};
}

std::span<const uint8_t> as_span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ScramRecords, RoundTripAndApply) {
  std::vector<MetadataRecord> records = {
      UserScramCredentialRecord{"alice", 1, data(1)},
      UserScramCredentialRecord{"alice", 2, data(2, 8192)},
      UserScramCredentialRecord{"bob", 1, data(3)},
      RemoveUserScramCredentialRecord{"bob", 1},
  };
  const std::string encoded = encode_batch(records);
  std::string error;
  auto decoded = decode_batch(as_span(encoded), &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(encode_batch(*decoded), encoded);
  EXPECT_EQ(std::get<UserScramCredentialRecord>((*decoded)[1]).credential, data(2, 8192));

  ImageBuilder b;
  b.apply_all(*decoded);
  auto image = b.build(5);
  EXPECT_EQ(b.ignored(), 0u);
  ASSERT_NE(image->scram_credential("alice", 1), nullptr);
  EXPECT_EQ(*image->scram_credential("alice", 2), data(2, 8192));
  EXPECT_EQ(image->scram_credential("bob", 1), nullptr);
  EXPECT_EQ(image->scram_credentials().count("bob"), 0u) << "a user without credentials is gone";

  // Snapshots carry the credentials.
  auto restored = decode_snapshot(as_span(encode_snapshot(*image)), &error);
  ASSERT_TRUE(restored) << error;
  EXPECT_EQ(restored->scram_credentials(), image->scram_credentials());

  // Removing what is not there is ignored (and counted), never a crash.
  ImageBuilder again(*image);
  again.apply(RemoveUserScramCredentialRecord{"nobody", 1});
  EXPECT_EQ(again.ignored(), 1u);
}

TEST(ScramRecords, TruncatedRecordIsRejected) {
  std::string encoded = encode_batch({UserScramCredentialRecord{"alice", 1, data(1)}});
  encoded.resize(encoded.size() - 3);
  EXPECT_FALSE(decode_batch(as_span(encoded)));
}

ScramUpsertion upsert(std::string name, int8_t mechanism, int32_t iterations) {
  return {std::move(name), mechanism, data(9, iterations)};
}

using E = std::pair<int16_t, std::string>;

TEST(ScramControl, KafkaValidationRules) {
  ImageBuilder b;
  b.apply(UserScramCredentialRecord{"existing", 1, data(1)});
  b.apply(UserScramCredentialRecord{"dup", 1, data(2)});  // so its first change is valid
  auto image = b.build(1);
  std::vector<ScramAlterResult> results;
  auto records = build_scram_alteration(
      *image, {{"existing", 1}, {"missing", 1}, {"dup", 1}, {"dup", 2}, {"badmech", 3}},
      {upsert("new", 2, 8192), upsert("few", 1, 4095), upsert("many", 1, 16385),
       upsert("dup", 1, 4096), upsert("", 1, 4096), upsert("edge", 1, 16384)},
      results);
  std::map<std::string, E> by_user;
  for (const auto& r : results) by_user[r.user] = {r.error_code, r.error_message.value_or("")};
  EXPECT_EQ(by_user["existing"].first, 0);
  EXPECT_EQ(by_user["new"].first, 0);
  EXPECT_EQ(by_user["edge"].first, 0);
  EXPECT_EQ(by_user["missing"],
            E(kResourceNotFound, "Attempt to delete a user credential that does not exist"));
  EXPECT_EQ(by_user["dup"],
            E(kDuplicateResource, "A user credential cannot be altered twice in the same request"));
  EXPECT_EQ(by_user["badmech"], E(kUnsupportedSaslMechanism, "Unknown SCRAM mechanism"));
  EXPECT_EQ(by_user["few"], E(kUnacceptableCredential, "Too few iterations"));
  EXPECT_EQ(by_user["many"], E(kUnacceptableCredential, "Too many iterations"));
  EXPECT_EQ(by_user[""], E(kUnacceptableCredential, "Username must not be empty"));
  EXPECT_EQ(results.size(), 9u) << "one result per distinct user";
  // Only the valid changes become records: remove existing, upsert new and edge.
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<RemoveUserScramCredentialRecord>(records[0]));
  EXPECT_EQ(std::get<UserScramCredentialRecord>(records[1]).name, "new");
  EXPECT_EQ(std::get<UserScramCredentialRecord>(records[2]).name, "edge");
}

}  // namespace
}  // namespace samsa::cluster
