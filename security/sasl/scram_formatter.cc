#include "security/sasl/scram_formatter.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <limits>
#include <stdexcept>

namespace samsa::security {
namespace {

const EVP_MD* digest(ScramMechanism mechanism) {
  switch (mechanism) {
    case ScramMechanism::kSha256:
      return EVP_sha256();
    case ScramMechanism::kSha512:
      return EVP_sha512();
    default:
      throw std::invalid_argument("unknown SCRAM mechanism");
  }
}

std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string_view scram_mechanism_name(ScramMechanism mechanism) {
  switch (mechanism) {
    case ScramMechanism::kSha256:
      return "SCRAM-SHA-256";
    case ScramMechanism::kSha512:
      return "SCRAM-SHA-512";
    default:
      return "UNKNOWN";
  }
}

ScramMechanism scram_mechanism_from_name(std::string_view name) {
  if (name == "SCRAM-SHA-256") return ScramMechanism::kSha256;
  if (name == "SCRAM-SHA-512") return ScramMechanism::kSha512;
  return ScramMechanism::kUnknown;
}

ScramMechanism scram_mechanism_from_type(int8_t type) {
  if (type == 1) return ScramMechanism::kSha256;
  if (type == 2) return ScramMechanism::kSha512;
  return ScramMechanism::kUnknown;
}

size_t scram_digest_size(ScramMechanism mechanism) {
  switch (mechanism) {
    case ScramMechanism::kSha256:
      return 32;
    case ScramMechanism::kSha512:
      return 64;
    default:
      return 0;
  }
}

Bytes scram_hash(ScramMechanism mechanism, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, digest(mechanism), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  out.resize(len);
  return out;
}

Bytes scram_hmac(ScramMechanism mechanism, std::span<const uint8_t> key,
                 std::span<const uint8_t> data) {
  if (key.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("HMAC key too long");
  }
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (HMAC(digest(mechanism), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  out.resize(len);
  return out;
}

Bytes scram_salted_password(ScramMechanism mechanism, std::string_view password,
                            std::span<const uint8_t> salt, int32_t iterations) {
  const EVP_MD* md = digest(mechanism);
  if (iterations <= 0) throw std::invalid_argument("iterations must be positive");
  if (password.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      salt.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("password or salt too long");
  }
  Bytes out(scram_digest_size(mechanism));
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, md, static_cast<int>(out.size()),
                        out.data()) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

Bytes scram_client_key(ScramMechanism mechanism, std::span<const uint8_t> salted_password) {
  return scram_hmac(mechanism, salted_password, as_bytes("Client Key"));
}

Bytes scram_stored_key(ScramMechanism mechanism, std::span<const uint8_t> client_key) {
  return scram_hash(mechanism, client_key);
}

Bytes scram_server_key(ScramMechanism mechanism, std::span<const uint8_t> salted_password) {
  return scram_hmac(mechanism, salted_password, as_bytes("Server Key"));
}

Bytes scram_random_salt(size_t bytes) {
  Bytes out(bytes);
  if (bytes > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

ScramCredential scram_credential_from_salted_password(ScramMechanism mechanism, Bytes salt,
                                                      std::span<const uint8_t> salted_password,
                                                      int32_t iterations) {
  ScramCredential c;
  c.salt = std::move(salt);
  c.stored_key = scram_stored_key(mechanism, scram_client_key(mechanism, salted_password));
  c.server_key = scram_server_key(mechanism, salted_password);
  c.iterations = iterations;
  return c;
}

ScramCredential make_scram_credential(ScramMechanism mechanism, std::string_view password,
                                      int32_t iterations, std::optional<Bytes> salt) {
  Bytes s = salt ? std::move(*salt) : scram_random_salt();
  Bytes salted = scram_salted_password(mechanism, password, s, iterations);
  auto c = scram_credential_from_salted_password(mechanism, std::move(s), salted, iterations);
  OPENSSL_cleanse(salted.data(), salted.size());
  return c;
}

bool scram_password_matches(ScramMechanism mechanism, const ScramCredential& credential,
                            std::string_view password) {
  if (scram_digest_size(mechanism) == 0 || credential.iterations <= 0) return false;
  Bytes salted = scram_salted_password(mechanism, password, credential.salt, credential.iterations);
  Bytes stored = scram_stored_key(mechanism, scram_client_key(mechanism, salted));
  OPENSSL_cleanse(salted.data(), salted.size());
  return stored.size() == credential.stored_key.size() &&
         CRYPTO_memcmp(stored.data(), credential.stored_key.data(), stored.size()) == 0;
}

std::string base64_encode(std::span<const uint8_t> data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t rest = data.size() - i; rest > 0) {
    uint32_t v = data[i] << 16;
    if (rest == 2) v |= data[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=') {
        // Padding only in the last quantum, only in its last two places, and only at the end.
        if (!last || j < 2) return std::nullopt;
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad > 0) return std::nullopt;
      const int x = value(c);
      if (x < 0) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(x);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

}  // namespace samsa::security
