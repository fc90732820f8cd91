#pragma once
// SCRAM credential derivation as Kafka's ScramFormatter does it (RFC 5802 with SHA-256/512):
//   SaltedPassword = PBKDF2-HMAC-H(password as UTF-8, salt, iterations)   (no SASLprep, as Kafka)
//   ClientKey      = HMAC(SaltedPassword, "Client Key")
//   StoredKey      = H(ClientKey)
//   ServerKey      = HMAC(SaltedPassword, "Server Key")
// Only salt, StoredKey, ServerKey and iterations are ever stored. The SCRAM server exchange
// (scram_server.*) and PLAIN verification use these functions too.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "security/sasl/credential_store.h"

namespace samsa::security {

using Bytes = std::vector<uint8_t>;

// Kafka's bounds (ScramMechanism.minIterations, ScramControlManager.MAX_ITERATIONS).
inline constexpr int32_t kScramMinIterations = 4096;
inline constexpr int32_t kScramMaxIterations = 16384;

// "SCRAM-SHA-256" / "SCRAM-SHA-512"; "UNKNOWN" for kUnknown.
std::string_view scram_mechanism_name(ScramMechanism mechanism);
// Exact, case-sensitive match as in Kafka; kUnknown for anything else.
ScramMechanism scram_mechanism_from_name(std::string_view name);
// The wire value (DescribeUserScramCredentials): 1, 2; anything else is kUnknown.
ScramMechanism scram_mechanism_from_type(int8_t type);
// Digest length in bytes (32 / 64); 0 for kUnknown.
size_t scram_digest_size(ScramMechanism mechanism);

// Each throws std::invalid_argument for kUnknown and std::runtime_error if OpenSSL fails.
Bytes scram_hash(ScramMechanism mechanism, std::span<const uint8_t> data);
Bytes scram_hmac(ScramMechanism mechanism, std::span<const uint8_t> key,
                 std::span<const uint8_t> data);
Bytes scram_salted_password(ScramMechanism mechanism, std::string_view password,
                            std::span<const uint8_t> salt, int32_t iterations);
Bytes scram_client_key(ScramMechanism mechanism, std::span<const uint8_t> salted_password);
Bytes scram_stored_key(ScramMechanism mechanism, std::span<const uint8_t> client_key);
Bytes scram_server_key(ScramMechanism mechanism, std::span<const uint8_t> salted_password);

// Fresh random salt from RAND_bytes (Kafka's clients use 130 random bits; we use 256).
Bytes scram_random_salt(size_t bytes = 32);

// The stored credential for a salted password (what AlterUserScramCredentials carries).
ScramCredential scram_credential_from_salted_password(ScramMechanism mechanism, Bytes salt,
                                                      std::span<const uint8_t> salted_password,
                                                      int32_t iterations);
// The stored credential for a password; a random salt unless one is given.
ScramCredential make_scram_credential(ScramMechanism mechanism, std::string_view password,
                                      int32_t iterations, std::optional<Bytes> salt = std::nullopt);
// Whether `password` derives `credential`'s StoredKey (constant-time compare): PLAIN over SCRAM
// credentials, HTTP Basic, and the --add-scram restart check.
bool scram_password_matches(ScramMechanism mechanism, const ScramCredential& credential,
                            std::string_view password);

// Standard base64 (RFC 4648 with padding), as SCRAM messages and Kafka's tools use it.
std::string base64_encode(std::span<const uint8_t> data);
// nullopt on any character outside the alphabet or a bad length/padding.
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace samsa::security
