#pragma once
// Test-only JWT minting on OpenSSL: fresh RSA and EC keys, their JWKs, and signed compact JWS
// tokens, so the OAUTHBEARER tests need no fixtures on disk.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "security/sasl/jwks.h"
#include "security/sasl/scram_crypto.h"

namespace samsa::security::oauth::testing {

using nlohmann::json;

inline std::string b64(std::string_view s) {
  return base64url_encode(scram::as_bytes(s));
}

struct TestKey {
  std::shared_ptr<EVP_PKEY> pkey;
  std::string kid;
  bool ec = false;

  static TestKey rsa(std::string kid, unsigned bits = 2048) {
    return {std::shared_ptr<EVP_PKEY>(EVP_RSA_gen(bits), EVP_PKEY_free), std::move(kid), false};
  }
  static TestKey p256(std::string kid) {
    return {std::shared_ptr<EVP_PKEY>(EVP_EC_gen("P-256"), EVP_PKEY_free), std::move(kid), true};
  }

  static std::string bn_b64(const EVP_PKEY* k, const char* name, size_t pad = 0) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) throw std::runtime_error(name);
    Bytes out(pad ? pad : static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
    BN_free(bn);
    return base64url_encode(out);
  }

  json jwk() const {
    json j;
    if (ec) {
      j = {{"kty", "EC"},
           {"crv", "P-256"},
           {"x", bn_b64(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)},
           {"y", bn_b64(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)}};
    } else {
      j = {{"kty", "RSA"},
           {"n", bn_b64(pkey.get(), OSSL_PKEY_PARAM_RSA_N)},
           {"e", bn_b64(pkey.get(), OSSL_PKEY_PARAM_RSA_E)}};
    }
    if (!kid.empty()) j["kid"] = kid;
    j["use"] = "sig";
    return j;
  }

  // Signs `signing_input` for alg (RS256, PS256, ES256), in JWS form.
  std::string sign(const std::string& alg, std::string_view signing_input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey.get());
    if (alg == "PS256") {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    size_t len = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
    EVP_DigestSign(ctx.get(), nullptr, &len, data, signing_input.size());
    Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data, signing_input.size()) != 1)
      throw std::runtime_error("sign");
    sig.resize(len);
    if (!ec) return base64url_encode(sig);
    const unsigned char* p = sig.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    Bytes raw(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw.data() + 32, 32);
    ECDSA_SIG_free(es);
    return base64url_encode(raw);
  }
};

inline std::string jwks_of(std::initializer_list<const TestKey*> keys) {
  json set = {{"keys", json::array()}};
  for (const auto* k : keys) set["keys"].push_back(k->jwk());
  return set.dump();
}

// A signed token: header {"alg", "kid"} (kid from the key unless `header` overrides) and claims.
inline std::string mint(const TestKey& key, const json& claims, const std::string& alg = "RS256",
                        json header = json::object()) {
  if (!header.contains("alg")) header["alg"] = alg;
  if (!header.contains("kid") && !key.kid.empty()) header["kid"] = key.kid;
  const std::string input = b64(header.dump()) + "." + b64(claims.dump());
  return input + "." + key.sign(alg, input);
}

inline std::string client_first(std::string_view token, std::string_view authzid = "") {
  std::string m = "n,";
  if (!authzid.empty()) m += "a=" + std::string(authzid);
  m += ",\x01";
  m += "auth=Bearer " + std::string(token) + "\x01\x01";
  return m;
}

}  // namespace samsa::security::oauth::testing
