#pragma once

// Parsing of the address-list style settings: listeners, the listener -> security protocol map,
// controller.quorum.voters and admin.listeners. Each throws ConfigError naming the key.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_def.h"

namespace samsa::config {

struct Listener {
  std::string name;               // upper-cased, as Kafka normalises listener names
  std::string security_protocol;  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
  std::string host;               // empty = all interfaces; IPv6 without brackets
  int port = 0;
};

struct QuorumVoter {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct AdminListener {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;
};

// The name the admin HTTP server goes by in listener.name.<name>.* overrides, sessions and audit
// lines; no Kafka listener may take it.
inline constexpr std::string_view kAdminHttpListener = "ADMIN_HTTP";

inline constexpr std::string_view kDefaultProtocolMap =
    "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_"
    "SSL";
inline const std::vector<std::string> kSecurityProtocols = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT",
                                                            "SASL_SSL"};

// `value` is a listeners string such as "PLAINTEXT://127.0.0.1:9092,SSL://:9093". A listener
// whose name is missing from protocol_map falls back to the name itself when that is a protocol.
std::vector<Listener> parse_listeners(const std::string& value,
                                      const std::map<std::string, std::string>& protocol_map,
                                      std::string_view key = "listeners");

// Syntax only (names, hosts, ports, uniqueness); security_protocol is left empty.
std::vector<Listener> parse_listener_endpoints(std::string_view value,
                                               std::string_view key = "listeners");

// "NAME:PROTOCOL,..." -> {NAME: PROTOCOL}.
std::map<std::string, std::string> parse_protocol_map(
    std::string_view value, std::string_view key = "listener.security.protocol.map");

// "1@host:9093,2@[::1]:9093" -> voters; ids unique and non-negative.
std::vector<QuorumVoter> parse_quorum_voters(std::string_view value,
                                             std::string_view key = "controller.quorum.voters");

// "http://127.0.0.1:8090,https://:8443".
std::vector<AdminListener> parse_admin_listeners(std::string_view value,
                                                 std::string_view key = "admin.listeners");

// max.connections.per.ip.overrides: "host:count,[::1]:count" -> (host, count) pairs, hosts not
// resolved. Throws std::invalid_argument naming the bad entry.
std::vector<std::pair<std::string, int32_t>> parse_connection_overrides(std::string_view value);

// Splits "host:port" / "[v6]:port"; returns an explanation on failure.
std::optional<std::string> split_host_port(std::string_view s, std::string& host, int& port);

}  // namespace samsa::config
