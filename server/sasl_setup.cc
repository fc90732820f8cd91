#include "server/sasl_setup.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "security/sasl/jaas_config.h"
#include "security/session.h"

namespace samsa::server {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    start = comma + 1;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

std::map<std::string, std::string> plain_users_of(const config::BrokerConfig& config,
                                                  const std::string& listener) {
  const auto jaas = config.listener_value_string(listener, "plain.sasl.jaas.config");
  if (!jaas) return {};
  try {
    const auto module = security::parse_jaas_config(*jaas);
    if (module.class_name != security::kPlainLoginModule)
      throw security::JaasError("login module must be " + std::string(security::kPlainLoginModule));
    return security::jaas_plain_users(module);
  } catch (const security::JaasError& e) {
    throw std::runtime_error("listener.name." + lower(listener) +
                             ".plain.sasl.jaas.config: " + e.what());
  }
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// A mechanism setting as Kafka resolves it for a listener: listener.name.<l>.<mech>.<key>, then
// listener.name.<l>.<key>, then <key>. `where` gets the key that supplied the value.
std::optional<std::string> mechanism_value(const config::BrokerConfig& config,
                                           const std::string& listener,
                                           const std::string& mechanism, const std::string& key,
                                           std::string* where) {
  const std::string prefix = "listener.name." + lower(listener) + ".";
  const std::string mech_key = lower(mechanism) + "." + key;
  if (config.listener_overrides(listener, mech_key)) {
    *where = prefix + mech_key;
    return config.listener_value_string(listener, mech_key);
  }
  *where = config.listener_overrides(listener, key) ? prefix + key : key;
  return config.listener_value_string(listener, key);
}

// OAUTHBEARER on one listener: the JWKS file and the claim rules, all checked now so that a
// mistake stops startup naming its key.
void setup_oauthbearer(const config::BrokerConfig& config, const std::string& listener,
                       security::SaslListenerConfig& lc) {
  namespace oauth = security::oauth;
  std::string where;
  auto value = [&](const std::string& key) {
    return mechanism_value(config, listener, "OAUTHBEARER", key, &where);
  };
  auto url = value("sasl.oauthbearer.jwks.endpoint.url");
  if (!url || trimmed(*url).empty()) {
    throw std::runtime_error(
        "sasl.oauthbearer.jwks.endpoint.url: listener " + listener +
        " enables OAUTHBEARER but no JWKS is configured (set sasl.oauthbearer.jwks.endpoint.url "
        "or listener.name." +
        lower(listener) + ".sasl.oauthbearer.jwks.endpoint.url to file:///path/to/jwks.json)");
  }
  const std::string url_key = where;
  try {
    lc.jwks_file = std::make_shared<oauth::JwksFile>(oauth::jwks_path_from_url(trimmed(*url)));
  } catch (const oauth::JwksError& e) {
    throw std::runtime_error(url_key + ": " + e.what());
  }
  oauth::JwtValidatorConfig vc;
  const std::string skew = trimmed(value("sasl.oauthbearer.clock.skew.seconds").value_or("30"));
  try {
    size_t used = 0;
    vc.clock_skew_seconds = std::stoll(skew, &used);
    if (used != skew.size() || vc.clock_skew_seconds < 0 || vc.clock_skew_seconds > INT32_MAX)
      throw std::invalid_argument(skew);
  } catch (const std::exception&) {
    throw std::runtime_error(where + ": '" + skew + "' is not a number of seconds >= 0");
  }
  if (auto issuer = value("sasl.oauthbearer.expected.issuer"); issuer && !issuer->empty())
    vc.expected_issuer = *issuer;
  vc.expected_audiences = split_list(value("sasl.oauthbearer.expected.audience").value_or(""));
  vc.sub_claim = trimmed(value("sasl.oauthbearer.sub.claim.name").value_or("sub"));
  if (vc.sub_claim.empty()) throw std::runtime_error(where + ": must not be empty");
  vc.scope_claim = trimmed(value("sasl.oauthbearer.scope.claim.name").value_or("scope"));
  if (vc.scope_claim.empty()) throw std::runtime_error(where + ": must not be empty");
  lc.oauthbearer = std::make_shared<const oauth::JwtValidator>(std::move(vc), lc.jwks_file);
}

}  // namespace

std::unique_ptr<security::SaslServerFactory> make_sasl_factory(
    const config::BrokerConfig& config, const std::vector<config::Listener>& listeners,
    const security::CredentialStore* credentials) {
  auto factory = std::make_unique<security::SaslServerFactory>(credentials);
  for (const auto& l : listeners) {
    const auto protocol = security::parse_security_protocol(l.security_protocol);
    if (!protocol || !security::uses_sasl(*protocol)) continue;
    const std::string mech_key = config.listener_overrides(l.name, "sasl.enabled.mechanisms")
                                     ? "listener.name." + lower(l.name) + ".sasl.enabled.mechanisms"
                                     : "sasl.enabled.mechanisms";
    security::SaslListenerConfig lc;
    lc.mechanisms =
        split_list(config.listener_value_string(l.name, "sasl.enabled.mechanisms").value_or(""));
    if (lc.mechanisms.empty())
      throw std::runtime_error(mech_key + ": listener " + l.name +
                               " uses SASL but enables no mechanism");
    for (const auto& m : lc.mechanisms) {
      if (!security::SaslServerFactory::implemented(m)) {
        throw std::runtime_error(mech_key + ": SASL mechanism " + m + " of listener " + l.name +
                                 " is not supported (supported: PLAIN, SCRAM-SHA-256, "
                                 "SCRAM-SHA-512, OAUTHBEARER)");
      }
    }
    lc.plain_users = plain_users_of(config, l.name);
    if (std::find(lc.mechanisms.begin(), lc.mechanisms.end(), "OAUTHBEARER") != lc.mechanisms.end())
      setup_oauthbearer(config, l.name, lc);
    factory->set_listener(l.name, std::move(lc));
  }
  return factory;
}

SaslSettings sasl_settings(const config::BrokerConfig& config) {
  SaslSettings s;
  s.max_reauth_ms = config.get_long("connections.max.reauth.ms");
  s.max_receive_size = config.get_int("sasl.server.max.receive.size");
  s.failed_delay_ms = config.get_int("connection.failed.authentication.delay.ms");
  s.authentication_timeout_ms = config.get_long("sasl.authentication.timeout.ms");
  return s;
}

std::map<std::string, std::string> admin_http_plain_users(
    const config::BrokerConfig& config, const std::vector<config::Listener>& listeners) {
  const std::string admin(config::kAdminHttpListener);
  if (config.listener_overrides(admin, "plain.sasl.jaas.config"))
    return plain_users_of(config, admin);
  std::map<std::string, std::string> out;
  for (const auto& l : listeners) {
    const auto protocol = security::parse_security_protocol(l.security_protocol);
    if (!protocol || !security::uses_sasl(*protocol)) continue;
    for (auto& [user, password] : plain_users_of(config, l.name)) out.emplace(user, password);
  }
  return out;
}

}  // namespace samsa::server
