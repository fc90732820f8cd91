#pragma once
// JSON Web Keys (RFC 7517) and JWS signature checks (RFC 7515/7518) on OpenSSL, for the
// OAUTHBEARER validator. Only public keys that can verify an asymmetric signature are kept:
// RSA (RS256/384/512, PS256/384/512; 2048 bits or more, as jose4j demands) and EC P-256/384/521
// (ES256/384/512). Symmetric ("oct") keys are never used: accepting HS256 with a public key as
// its secret is the classic JWT key-confusion hole.
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::security::oauth {

using Bytes = std::vector<uint8_t>;

class JwksError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// RFC 4648 §5 without padding, as JWS compact serialization uses it: only [A-Za-z0-9-_], no '=',
// no whitespace, and a length that is not 1 mod 4. nullopt otherwise.
std::optional<Bytes> base64url_decode(std::string_view text);
std::string base64url_encode(std::span<const uint8_t> data);

// `text` fit for a log line or error message: control and non-ASCII bytes as \xNN, cut after
// 80 characters. Token fields (kid, alg, iss, ...) come from the client.
std::string printable(std::string_view text);

struct JsonWebKey {
  std::string kid;  // may be empty
  std::string kty;  // "RSA" or "EC"
  std::string alg;  // the key's own "alg", empty when the JWK has none
  std::string crv;  // EC only: "P-256", "P-384", "P-521"
  int bits = 0;     // RSA modulus size / EC field size
  std::shared_ptr<EVP_PKEY> key;
};

// Whether `key` may verify a JWS with header `alg` (the key type, curve and, if the JWK names one,
// its alg must fit).
bool key_fits(const JsonWebKey& key, std::string_view alg);
// Whether the broker can verify `alg` at all (RS*, PS*, ES*).
bool supported_algorithm(std::string_view alg);

// Verifies `signature` over `signing_input` (the JWS "header.payload" text) for `alg`. False for a
// bad signature, and for an alg the key does not fit.
bool verify_signature(const JsonWebKey& key, std::string_view alg, std::string_view signing_input,
                      std::span<const uint8_t> signature);

class JsonWebKeySet {
 public:
  // Parses a JWKS document ({"keys":[...]}). Keys the broker cannot use (other kty, "use" other
  // than "sig", short RSA moduli, bad parameters) are skipped and described in skipped(), as
  // jose4j skips them; a document that is not a JWKS or leaves no usable key throws JwksError.
  static JsonWebKeySet parse(std::string_view json);

  const std::vector<JsonWebKey>& keys() const { return keys_; }
  const std::vector<std::string>& skipped() const { return skipped_; }

  // The keys a JWS with this header may be checked with: with a kid, the keys of that kid that
  // fit alg; without one, every key that fits alg.
  std::vector<const JsonWebKey*> candidates(std::string_view kid, bool has_kid,
                                            std::string_view alg) const;

 private:
  std::vector<JsonWebKey> keys_;
  std::vector<std::string> skipped_;
};

}  // namespace samsa::security::oauth
