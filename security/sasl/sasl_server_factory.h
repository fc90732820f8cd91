#pragma once
// Makes the SaslServer for a mechanism a client asked for on a listener: only mechanisms enabled
// on that listener (sasl.enabled.mechanisms, per listener through listener.name.<l>.*), with the
// listener's PLAIN JAAS users, the broker's SCRAM credentials and the listener's OAUTHBEARER JWT
// validator. Filled once at startup, read by
// every network thread afterwards without locks.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "security/sasl/credential_store.h"
#include "security/sasl/gssapi_server.h"
#include "security/sasl/jwt_validator.h"
#include "security/sasl/sasl_server.h"

namespace samsa::security {

struct SaslListenerConfig {
  std::vector<std::string> mechanisms;             // as configured, in order
  std::map<std::string, std::string> plain_users;  // JAAS user_<name> entries
  // OAUTHBEARER: the validator and where its keys come from, a JWKS file or endpoint (set when
  // OAUTHBEARER is enabled).
  std::shared_ptr<const oauth::JwtValidator> oauthbearer = nullptr;
  std::shared_ptr<oauth::KeySource> jwks = nullptr;
  std::shared_ptr<const GssapiSettings> gssapi;  // set when GSSAPI is enabled
};

class SaslServerFactory {
 public:
  // `credentials` may be null (no SCRAM users; PLAIN only through JAAS users).
  explicit SaslServerFactory(const CredentialStore* credentials = nullptr)
      : credentials_(credentials) {}

  // Whether this broker has an implementation of `mechanism` (PLAIN, SCRAM-SHA-256/512,
  // OAUTHBEARER, GSSAPI).
  static bool implemented(std::string_view mechanism);

  void set_listener(const std::string& listener, SaslListenerConfig config);
  void set_credentials(const CredentialStore* credentials) { credentials_ = credentials; }

  // The mechanisms enabled on `listener` (empty for a listener never set).
  const std::vector<std::string>& mechanisms(const std::string& listener) const;
  // Re-reads every listener's JWKS (SIGHUP); keys that cannot be had keep the old ones serving.
  void reload_jwks();
  // A fresh exchange, or null when `mechanism` is not enabled on `listener`.
  std::unique_ptr<SaslServer> create(const std::string& listener, std::string_view mechanism) const;

 private:
  const CredentialStore* credentials_;
  std::map<std::string, SaslListenerConfig> listeners_;
};

}  // namespace samsa::security
