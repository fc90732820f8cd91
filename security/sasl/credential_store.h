#pragma once
// Where SASL mechanisms look up what a user's password must prove. Only salted SCRAM credentials
// are stored (Kafka's UserScramCredentialRecord: salt, StoredKey, ServerKey, iterations), never a
// password; PLAIN is checked against the same record by recomputing StoredKey.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::security {

// Wire values of DescribeUserScramCredentials / AlterUserScramCredentials.
enum class ScramMechanism : int8_t { kUnknown = 0, kSha256 = 1, kSha512 = 2 };

struct ScramCredential {
  std::vector<uint8_t> salt;
  std::vector<uint8_t> stored_key;
  std::vector<uint8_t> server_key;
  int32_t iterations = 0;
  bool operator==(const ScramCredential&) const = default;
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  virtual std::optional<ScramCredential> scram(std::string_view user,
                                               ScramMechanism mechanism) const = 0;
};

}  // namespace samsa::security
