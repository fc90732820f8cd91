#include "server/sasl_setup.h"

#include <algorithm>
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
                                 "SCRAM-SHA-512)");
      }
    }
    lc.plain_users = plain_users_of(config, l.name);
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
