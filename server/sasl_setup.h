#pragma once
// Builds the SASL mechanism factory from the broker config: for each SASL listener its enabled
// mechanisms and its PLAIN JAAS users. Anything we cannot serve stops startup with a message
// naming the key.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/broker_config.h"
#include "config/listeners.h"
#include "security/sasl/sasl_server_factory.h"
#include "server/sasl_auth.h"

namespace samsa::server {

// Throws std::runtime_error naming the offending key.
std::unique_ptr<security::SaslServerFactory> make_sasl_factory(
    const config::BrokerConfig& config, const std::vector<config::Listener>& listeners,
    const security::CredentialStore* credentials);

SaslSettings sasl_settings(const config::BrokerConfig& config);

// The JAAS PLAIN users admin HTTP Basic accepts: listener.name.admin_http.plain.sasl.jaas.config
// when set, else those of every SASL listener (the same users the Kafka listeners take). Throws
// std::runtime_error naming the key of a bad JAAS text.
std::map<std::string, std::string> admin_http_plain_users(
    const config::BrokerConfig& config, const std::vector<config::Listener>& listeners);

}  // namespace samsa::server
