#include "security/sasl/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <array>

#include "protocol/base64url.h"
#include "security/sasl/oauth_json.h"

namespace samsa::security::oauth {
namespace {

constexpr int kMinRsaBits = 2048;  // jose4j refuses shorter RSA keys for RS*/PS*
constexpr size_t kMaxJwksDepth = 8;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

int8_t b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<int8_t>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<int8_t>(c - 'a' + 26);
  if (c >= '0' && c <= '9') return static_cast<int8_t>(c - '0' + 52);
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// One curve per ES algorithm (RFC 7518 §3.4).
struct Curve {
  const char* jwk_name;
  const char* openssl_name;
  size_t coordinate_bytes;
  const char* alg;
};
constexpr std::array<Curve, 3> kCurves{{{"P-256", "prime256v1", 32, "ES256"},
                                        {"P-384", "secp384r1", 48, "ES384"},
                                        {"P-521", "secp521r1", 66, "ES512"}}};

const Curve* curve_by_jwk_name(std::string_view name) {
  for (const auto& c : kCurves)
    if (name == c.jwk_name) return &c;
  return nullptr;
}

const EVP_MD* digest_for(std::string_view alg) {
  if (alg.size() != 5) return nullptr;
  const std::string_view bits = alg.substr(2);
  if (bits == "256") return EVP_sha256();
  if (bits == "384") return EVP_sha384();
  if (bits == "512") return EVP_sha512();
  return nullptr;
}

Bytes member_bytes(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) throw JwksError(std::string("no '") + name + "'");
  auto bytes = base64url_decode(it->get<std::string>());
  if (!bytes || bytes->empty()) throw JwksError(std::string("'") + name + "' is not base64url");
  return *bytes;
}

std::string member_string(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) return "";
  if (!it->is_string()) throw JwksError(std::string("'") + name + "' is not a string");
  return it->get<std::string>();
}

std::shared_ptr<EVP_PKEY> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 ||
      pkey == nullptr) {
    throw JwksError("OpenSSL rejected the key parameters");
  }
  std::shared_ptr<EVP_PKEY> key(pkey, EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    throw JwksError("the public key does not pass OpenSSL's check");
  return key;
}

JsonWebKey rsa_key(const nlohmann::json& jwk) {
  const Bytes n = member_bytes(jwk, "n");
  const Bytes e = member_bytes(jwk, "e");
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    throw JwksError("out of memory building the RSA key");
  }
  JsonWebKey key;
  key.kty = "RSA";
  key.key = key_from_params("RSA", bld.get());
  key.bits = EVP_PKEY_get_bits(key.key.get());
  if (key.bits < kMinRsaBits)
    throw JwksError("RSA modulus of " + std::to_string(key.bits) + " bits (at least 2048 needed)");
  return key;
}

JsonWebKey ec_key(const nlohmann::json& jwk) {
  const std::string crv = member_string(jwk, "crv");
  const Curve* curve = curve_by_jwk_name(crv);
  if (curve == nullptr) throw JwksError("unsupported curve '" + crv + "'");
  const Bytes x = member_bytes(jwk, "x");
  const Bytes y = member_bytes(jwk, "y");
  // RFC 7518 §6.2.1.2: the coordinates are the full field size, leading zeros included.
  if (x.size() != curve->coordinate_bytes || y.size() != curve->coordinate_bytes)
    throw JwksError("'x'/'y' are not " + std::to_string(curve->coordinate_bytes) + " bytes");
  Bytes point{0x04};  // uncompressed SEC1 point
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->openssl_name,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw JwksError("out of memory building the EC key");
  }
  JsonWebKey key;
  key.kty = "EC";
  key.crv = crv;
  key.key = key_from_params("EC", bld.get());
  key.bits = EVP_PKEY_get_bits(key.key.get());
  return key;
}

// JWS ECDSA signatures are R || S (RFC 7518 §3.4); OpenSSL verifies DER.
std::optional<Bytes> ecdsa_der(std::span<const uint8_t> raw, size_t coordinate_bytes) {
  if (raw.size() != 2 * coordinate_bytes) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(coordinate_bytes), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + coordinate_bytes, static_cast<int>(coordinate_bytes), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return std::nullopt;
  return der;
}

}  // namespace

std::optional<Bytes> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = b64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string printable(std::string_view text) {
  static constexpr size_t kMax = 80;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

std::string base64url_encode(std::span<const uint8_t> data) {
  return protocol::base64url_encode(data);
}

bool supported_algorithm(std::string_view alg) {
  if (digest_for(alg) == nullptr) return false;
  const std::string_view family = alg.substr(0, 2);
  return family == "RS" || family == "PS" || family == "ES";
}

bool key_fits(const JsonWebKey& key, std::string_view alg) {
  if (!supported_algorithm(alg)) return false;
  if (!key.alg.empty() && key.alg != alg) return false;
  const std::string_view family = alg.substr(0, 2);
  if (family == "RS" || family == "PS") return key.kty == "RSA";
  const Curve* curve = curve_by_jwk_name(key.crv);
  return key.kty == "EC" && curve != nullptr && alg == curve->alg;
}

bool verify_signature(const JsonWebKey& key, std::string_view alg, std::string_view signing_input,
                      std::span<const uint8_t> signature) {
  if (!key_fits(key, alg) || !key.key) return false;
  const EVP_MD* md = digest_for(alg);
  Bytes der;
  std::span<const uint8_t> sig = signature;
  if (key.kty == "EC") {
    auto converted = ecdsa_der(signature, curve_by_jwk_name(key.crv)->coordinate_bytes);
    if (!converted) return false;
    der = std::move(*converted);
    sig = der;
  } else if (signature.size() != static_cast<size_t>((key.bits + 7) / 8)) {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.key.get()) != 1) return false;
  if (alg.starts_with("PS") &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

JsonWebKeySet JsonWebKeySet::parse(std::string_view json) {
  std::string problem;
  auto doc = parse_strict_json(json, kMaxJwksDepth, &problem);
  if (!doc) throw JwksError("the JWKS is " + problem);
  if (!doc->is_object() || !doc->contains("keys") || !(*doc)["keys"].is_array())
    throw JwksError("the JWKS has no \"keys\" array");
  JsonWebKeySet set;
  size_t index = 0;
  for (const auto& jwk : (*doc)["keys"]) {
    const std::string where = "key " + std::to_string(index++);
    try {
      if (!jwk.is_object()) throw JwksError("not an object");
      const std::string kty = member_string(jwk, "kty");
      const std::string use = member_string(jwk, "use");
      const std::string alg = member_string(jwk, "alg");
      const std::string kid = member_string(jwk, "kid");
      if (!use.empty() && use != "sig") throw JwksError("\"use\" is " + use + ", not sig");
      if (!alg.empty() && !supported_algorithm(alg)) throw JwksError("unsupported \"alg\" " + alg);
      JsonWebKey key;
      if (kty == "RSA")
        key = rsa_key(jwk);
      else if (kty == "EC")
        key = ec_key(jwk);
      else
        throw JwksError("unsupported \"kty\" '" + kty + "'");
      key.kid = kid;
      key.alg = alg;
      if (!alg.empty() && !key_fits(key, alg))
        throw JwksError("\"alg\" " + alg + " does not fit a " + kty + " key");
      set.keys_.push_back(std::move(key));
    } catch (const JwksError& e) {
      const std::string kid = jwk.is_object() && jwk.contains("kid") && jwk["kid"].is_string()
                                  ? " (kid " + jwk["kid"].get<std::string>() + ")"
                                  : "";
      set.skipped_.push_back(where + kid + ": " + e.what());
    }
  }
  if (set.keys_.empty()) {
    std::string why = set.skipped_.empty() ? "it lists no key" : set.skipped_.front();
    throw JwksError("the JWKS has no usable signature key: " + why);
  }
  return set;
}

std::vector<const JsonWebKey*> JsonWebKeySet::candidates(std::string_view kid, bool has_kid,
                                                         std::string_view alg) const {
  std::vector<const JsonWebKey*> out;
  for (const auto& k : keys_) {
    if (has_kid && k.kid != kid) continue;
    if (key_fits(k, alg)) out.push_back(&k);
  }
  return out;
}

}  // namespace samsa::security::oauth
