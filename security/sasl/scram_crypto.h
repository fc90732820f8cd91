#pragma once
// The primitives SCRAM and PLAIN need, on OpenSSL: SHA-256/512, HMAC, PBKDF2, base64, random
// bytes and a constant-time compare. Kept apart from the credential derivation (ScramFormatter) so
// the mechanisms depend only on these.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "security/sasl/credential_store.h"

namespace samsa::security::scram {

using Bytes = std::vector<uint8_t>;

// "SCRAM-SHA-256" / "SCRAM-SHA-512"; kUnknown for anything else.
ScramMechanism mechanism_from_name(std::string_view name);
const char* mechanism_name(ScramMechanism mechanism);

Bytes hash(ScramMechanism m, std::span<const uint8_t> data);
Bytes hmac(ScramMechanism m, std::span<const uint8_t> key, std::span<const uint8_t> data);
Bytes pbkdf2(ScramMechanism m, std::string_view password, std::span<const uint8_t> salt,
             int32_t iterations);
// StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server
// Key").
Bytes stored_key_from_salted(ScramMechanism m, std::span<const uint8_t> salted);
Bytes server_key_from_salted(ScramMechanism m, std::span<const uint8_t> salted);

std::string base64_encode(std::span<const uint8_t> data);
// Strict RFC 4648 base64 with padding; nullopt on any other character or a bad length.
std::optional<Bytes> base64_decode(std::string_view text);

Bytes random_bytes(size_t n);
// Equal length and content, in time that depends only on the lengths.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace samsa::security::scram
