#pragma once
// Validation of SCRAM credential changes against the metadata image, with Kafka's rules
// (ScramControlManager.alterCredentials): each user may appear once per request, mechanisms are
// SCRAM-SHA-256 (1) and SCRAM-SHA-512 (2), iterations 4096..16384, a deletion must name an existing
// credential. Runs on the quorum thread inside the write's build step, so it sees the latest image.
// The caller derives StoredKey/ServerKey from the client's salted password before this point
// (cluster cannot depend on security/), so the metadata log never sees the salted password.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"

namespace samsa::cluster {

// Kafka error codes of this API family (values fixed by the Kafka protocol).
inline constexpr int16_t kUnsupportedSaslMechanism = 33;
inline constexpr int16_t kResourceNotFound = 91;
inline constexpr int16_t kDuplicateResource = 92;
inline constexpr int16_t kUnacceptableCredential = 93;

inline constexpr int32_t kMinScramIterations = 4096;
inline constexpr int32_t kMaxScramIterations = 16384;
// Our bounds (Kafka has none): keep records far below the metadata decoder's limits.
inline constexpr size_t kMaxScramUserBytes = 1024;
inline constexpr size_t kMaxScramSaltBytes = 1024;

struct ScramDeletion {
  std::string name;
  int8_t mechanism = 0;
};

struct ScramUpsertion {
  std::string name;
  int8_t mechanism = 0;
  ScramCredentialData credential;  // salt, derived keys and iterations
};

struct ScramAlterResult {
  std::string user;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
};

// Fills `results` (one per distinct user, in order of first appearance) and returns the records
// to append; a user with any error contributes no record.
std::vector<MetadataRecord> build_scram_alteration(const MetadataImage& image,
                                                   const std::vector<ScramDeletion>& deletions,
                                                   const std::vector<ScramUpsertion>& upsertions,
                                                   std::vector<ScramAlterResult>& results);

}  // namespace samsa::cluster
