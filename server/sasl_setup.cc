#include "server/sasl_setup.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "security/sasl/jaas_config.h"
#include "security/sasl/jwks_endpoint.h"
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

// The CA bundle for an https JWKS endpoint, where Kafka reads it: the ssl.truststore.* options
// of the listener's OAUTHBEARER JAAS config. Empty (the system's CAs) when there is none.
std::string oauthbearer_truststore(const config::BrokerConfig& config,
                                   const std::string& listener) {
  const std::string key = "listener.name." + lower(listener) + ".oauthbearer.sasl.jaas.config";
  const auto jaas = config.listener_value_string(listener, "oauthbearer.sasl.jaas.config");
  if (!jaas) return "";
  try {
    const auto module = security::parse_jaas_config(*jaas);
    auto option = [&](const std::string& name) {
      auto it = module.options.find(name);
      return it == module.options.end() ? std::string() : it->second;
    };
    const std::string location = option("ssl.truststore.location");
    const std::string type = option("ssl.truststore.type");
    if (location.empty()) return "";
    if (!type.empty() && lower(type) != "pem")
      throw security::JaasError("ssl.truststore.type " + type +
                                " is not supported for the JWKS endpoint; use a PEM file");
    if (::access(location.c_str(), R_OK) != 0)
      throw security::JaasError("ssl.truststore.location " + location + " cannot be read");
    return location;
  } catch (const security::JaasError& e) {
    throw std::runtime_error(key + ": " + e.what());
  }
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
        lower(listener) +
        ".sasl.oauthbearer.jwks.endpoint.url to the identity provider's https:// JWKS URL "
        "or to file:///path/to/jwks.json)");
  }
  const std::string url_key = where;
  oauth::JwksEndpointOptions endpoint;
  endpoint.url = trimmed(*url);
  auto millis = [&](const std::string& key, int64_t fallback, int64_t floor) {
    const std::string text = trimmed(value(key).value_or(std::to_string(fallback)));
    try {
      size_t used = 0;
      const int64_t ms = std::stoll(text, &used);
      if (used != text.size() || ms < floor) throw std::invalid_argument(text);
      return ms;
    } catch (const std::exception&) {
      throw std::runtime_error(where + ": '" + text +
                               "' is not a number of milliseconds >= " + std::to_string(floor));
    }
  };
  endpoint.refresh_ms = millis("sasl.oauthbearer.jwks.endpoint.refresh.ms", 3600000, 1000);
  endpoint.retry_backoff_ms = millis("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", 100, 1);
  endpoint.retry_backoff_max_ms =
      millis("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", 10000, 1);
  endpoint.ca_file = oauthbearer_truststore(config, listener);
  try {
    lc.jwks = oauth::make_key_source(std::move(endpoint));
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
  lc.oauthbearer = std::make_shared<const oauth::JwtValidator>(std::move(vc), lc.jwks);
}

constexpr std::string_view kKrb5LoginModule = "com.sun.security.auth.module.Krb5LoginModule";

// A GSSAPI setting of listener `l`: the mechanism-scoped override
// (listener.name.<l>.gssapi.<key>) first, then listener.name.<l>.<key>, then the broker-wide key.
// `name` is set to the key the value came from, for messages.
std::optional<std::string> gssapi_value(const config::BrokerConfig& config, const std::string& l,
                                        const std::string& key, std::string& name) {
  const std::string prefix = "listener.name." + lower(l) + ".";
  if (auto v = config.listener_value_string(l, "gssapi." + key)) {
    name = prefix + "gssapi." + key;
    return v;
  }
  name = config.listener_overrides(l, key) ? prefix + key : key;
  std::string value = config.listener_value_string(l, key).value_or("");
  if (value.empty()) return std::nullopt;
  return value;
}

std::string this_hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// GSSAPI on listener `l`: the service principal and keytab come from the listener's
// gssapi.sasl.jaas.config (Kafka's Krb5LoginModule form) or from sasl.kerberos.principal /
// sasl.kerberos.service.name and sasl.kerberos.keytab. Loads Cyrus with the keytab.
std::shared_ptr<const security::GssapiSettings> gssapi_setup(const config::BrokerConfig& config,
                                                             const std::string& l,
                                                             const std::string& default_realm) {
  std::optional<std::string> principal, keytab;
  std::string principal_key, keytab_key, key;
  const std::string jaas_key = "listener.name." + lower(l) + ".gssapi.sasl.jaas.config";
  if (auto jaas = config.listener_value_string(l, "gssapi.sasl.jaas.config")) {
    try {
      const auto module = security::parse_jaas_config(*jaas);
      if (module.class_name != kKrb5LoginModule)
        throw security::JaasError("login module must be " + std::string(kKrb5LoginModule));
      auto opt = [&](const char* name) -> std::optional<std::string> {
        auto it = module.options.find(name);
        if (it == module.options.end()) return std::nullopt;
        return it->second;
      };
      if (opt("keyTab")) {
        if (opt("useKeyTab").value_or("false") != "true")
          throw security::JaasError("keyTab needs useKeyTab=true");
        keytab = opt("keyTab");
        keytab_key = jaas_key + " (keyTab)";
      }
      if ((principal = opt("principal"))) principal_key = jaas_key + " (principal)";
    } catch (const security::JaasError& e) {
      throw std::runtime_error(jaas_key + ": " + e.what());
    }
  }
  if (!keytab) keytab = gssapi_value(config, l, "sasl.kerberos.keytab", keytab_key);
  if (!principal) principal = gssapi_value(config, l, "sasl.kerberos.principal", principal_key);
  auto settings = std::make_shared<security::GssapiSettings>();
  if (principal) {
    try {
      const auto name = security::KerberosName::parse(*principal);
      if (!name.host) throw std::invalid_argument("expected <service>/<host>[@REALM]");
      settings->service = name.service;
      settings->host = *name.host;
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(principal_key + ": service principal " + *principal + ": " +
                               e.what());
    }
  } else {
    auto service = gssapi_value(config, l, "sasl.kerberos.service.name", key);
    if (!service) {
      throw std::runtime_error(key + ": listener " + l +
                               " enables GSSAPI (sasl.enabled.mechanisms) but no Kerberos service "
                               "name is set (sasl.kerberos.service.name, or the principal in "
                               "sasl.kerberos.principal or " +
                               jaas_key + ")");
    }
    settings->service = *service;
    settings->host = this_hostname();
  }
  if (!keytab) {
    throw std::runtime_error(keytab_key + ": listener " + l +
                             " enables GSSAPI (sasl.enabled.mechanisms) but no keytab is set "
                             "(sasl.kerberos.keytab, or keyTab in " +
                             jaas_key + ")");
  }
  const auto rules = split_list(
      gssapi_value(config, l, "sasl.kerberos.principal.to.local.rules", key).value_or("DEFAULT"));
  try {
    settings->namer = std::make_shared<security::KerberosShortNamer>(
        security::KerberosShortNamer::parse(default_realm, rules));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(key + ": " + e.what());
  }
  try {
    security::gssapi_initialize(*keytab);
    security::gssapi_check_acceptor(settings->service, settings->host);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(keytab_key + ": listener " + l + ": " + e.what());
  }
  return settings;
}

}  // namespace

std::unique_ptr<security::SaslServerFactory> make_sasl_factory(
    const config::BrokerConfig& config, const std::vector<config::Listener>& listeners,
    const security::CredentialStore* credentials) {
  auto factory = std::make_unique<security::SaslServerFactory>(credentials);
  std::optional<std::string> default_realm;  // asked once, only when GSSAPI is on
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
                                 "SCRAM-SHA-512, OAUTHBEARER, GSSAPI)");
      }
    }
    if (std::find(lc.mechanisms.begin(), lc.mechanisms.end(), "GSSAPI") != lc.mechanisms.end()) {
      if (!default_realm) default_realm = security::kerberos_default_realm();
      lc.gssapi = gssapi_setup(config, l.name, *default_realm);
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
