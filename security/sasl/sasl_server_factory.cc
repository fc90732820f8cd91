#include "security/sasl/sasl_server_factory.h"

#include <algorithm>
#include <set>

#include "security/sasl/oauthbearer_server.h"
#include "security/sasl/plain_server.h"
#include "security/sasl/scram_crypto.h"
#include "security/sasl/scram_server.h"

namespace samsa::security {

bool SaslServerFactory::implemented(std::string_view mechanism) {
  return mechanism == "PLAIN" || mechanism == "OAUTHBEARER" || mechanism == "GSSAPI" ||
         scram::mechanism_from_name(mechanism) != ScramMechanism::kUnknown;
}

void SaslServerFactory::set_listener(const std::string& listener, SaslListenerConfig config) {
  listeners_[listener] = std::move(config);
}

void SaslServerFactory::reload_jwks() {
  std::set<const oauth::KeySource*> done;  // listeners may share one source
  for (auto& [name, config] : listeners_)
    if (config.jwks && done.insert(config.jwks.get()).second) config.jwks->reload();
}

const std::vector<std::string>& SaslServerFactory::mechanisms(const std::string& listener) const {
  static const std::vector<std::string> kNone;
  auto it = listeners_.find(listener);
  return it == listeners_.end() ? kNone : it->second.mechanisms;
}

std::unique_ptr<SaslServer> SaslServerFactory::create(const std::string& listener,
                                                      std::string_view mechanism) const {
  auto it = listeners_.find(listener);
  if (it == listeners_.end()) return nullptr;
  const auto& enabled = it->second.mechanisms;
  // Mechanism names compare exactly, as Kafka's do.
  if (std::find(enabled.begin(), enabled.end(), mechanism) == enabled.end()) return nullptr;
  if (mechanism == "PLAIN")
    return std::make_unique<PlainServer>(&it->second.plain_users, credentials_);
  if (mechanism == "OAUTHBEARER")
    return std::make_unique<OAuthBearerServer>(it->second.oauthbearer);
  if (mechanism == "GSSAPI")
    return it->second.gssapi ? std::make_unique<GssapiServer>(it->second.gssapi.get()) : nullptr;
  const auto scram_mechanism = scram::mechanism_from_name(mechanism);
  if (scram_mechanism != ScramMechanism::kUnknown)
    return std::make_unique<ScramServer>(scram_mechanism, credentials_);
  return nullptr;
}

}  // namespace samsa::security
