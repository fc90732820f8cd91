#pragma once
// Validates the JWT an OAUTHBEARER client presents, with the rules of Kafka's broker-side
// OAuthBearerValidatorCallbackHandler (KIP-768; BrokerJwtValidator on jose4j):
//   * a compact JWS (three base64url parts) with an asymmetric alg (RS*, PS*, ES*), never "none",
//     no unknown "crit" header, signed by a key of the JWKS (by kid when the header names one);
//   * "exp" and "iat" present and numeric; now < exp + clock skew; now + skew >= "nbf" if present;
//   * with sasl.oauthbearer.expected.issuer: "iss" equal to it;
//   * with sasl.oauthbearer.expected.audience: "aud" (string or array) naming one of them; without
//     it, a token carrying "aud" at all is refused (jose4j's default audience check, which Kafka
//     keeps);
//   * the principal claim (sasl.oauthbearer.sub.claim.name) a non-blank string, trimmed;
//   * the scope claim a string or a list of distinct non-blank strings.
// A claim named twice is refused, as jose4j refuses it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/sasl/jwks.h"

namespace samsa::security::oauth {

// Largest token accepted (the whole base64url JWS). Kafka's own bound is only the SASL frame
// size; real access tokens are a few KiB, and this keeps JSON parsing of hostile input small.
constexpr size_t kMaxTokenBytes = 65536;

struct JwtValidatorConfig {
  int64_t clock_skew_seconds = 30;
  std::optional<std::string> expected_issuer;
  std::vector<std::string> expected_audiences;  // empty: no audience expected
  std::string sub_claim = "sub";
  std::string scope_claim = "scope";
};

struct ValidatedToken {
  std::string principal;
  int64_t expiry_ms = 0;  // exp, milliseconds since the epoch
  int64_t issued_at_ms = 0;
  std::vector<std::string> scopes;
};

struct JwtResult {
  std::optional<ValidatedToken> token;
  std::string error;  // why the token was refused (for the broker log and audit, not the client)
};

// Where the validator gets its keys. current() may be called from any network thread.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual std::shared_ptr<const JsonWebKeySet> current() = 0;
  // Re-reads the keys now (SIGHUP); false when that failed and the old keys are kept.
  virtual bool reload() { return true; }
  // A token named a kid that current() lacks: a source that can fetch may do so early.
  virtual void key_not_found(std::string_view /*kid*/) {}
};

class StaticKeys : public KeySource {
 public:
  explicit StaticKeys(JsonWebKeySet set)
      : set_(std::make_shared<const JsonWebKeySet>(std::move(set))) {}
  std::shared_ptr<const JsonWebKeySet> current() override { return set_; }

 private:
  std::shared_ptr<const JsonWebKeySet> set_;
};

// A JWKS file (sasl.oauthbearer.jwks.endpoint.url=file:///path). Read at construction (throws
// JwksError); re-read when its modification time or size has changed, which current() looks at
// no more than once a second, or when reload() is called (SIGHUP). A file that has become
// unreadable or invalid keeps the keys already loaded, and the problem is logged: an identity
// provider's key rotation written half-way must not lock every client out.
class JwksFile : public KeySource {
 public:
  explicit JwksFile(std::string path);
  std::shared_ptr<const JsonWebKeySet> current() override;
  // Re-reads the file now; false (and the old keys kept) when it cannot be used.
  bool reload() override;
  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    bool operator==(const Stamp&) const = default;
  };
  std::optional<Stamp> stat_file() const;
  bool load_locked(const Stamp& stamp);

  const std::string path_;
  std::mutex mu_;
  std::shared_ptr<const JsonWebKeySet> set_;
  Stamp stamp_;
  std::chrono::steady_clock::time_point next_check_;
};

// "file:///abs/path" (or "file:/abs/path") → "/abs/path". Throws JwksError naming what is wrong
// for any other URL (http(s) endpoints are JwksEndpoint's, see jwks_endpoint.h).
std::string jwks_path_from_url(std::string_view url);

class JwtValidator {
 public:
  JwtValidator(JwtValidatorConfig config, std::shared_ptr<KeySource> keys);
  // `now_ms`: milliseconds since the epoch.
  JwtResult validate(std::string_view token, int64_t now_ms) const;
  const JwtValidatorConfig& config() const { return config_; }

 private:
  JwtValidatorConfig config_;
  std::shared_ptr<KeySource> keys_;
};

}  // namespace samsa::security::oauth
