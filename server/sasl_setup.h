#pragma once
// Builds the SASL mechanism factory from the broker config: for each SASL listener its enabled
// mechanisms and its PLAIN JAAS users. Anything we cannot serve stops startup with a message
// naming the key.
#include <memory>
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

}  // namespace samsa::server
