// Where samsactl finds its cluster: addresses, credentials and TLS settings, merged from (lowest
// to highest precedence) built-in defaults, the profile file, SAMSACTL_* environment variables and
// command-line flags. The file is a small YAML subset (nested maps of scalars) so it can be
// hand-written and read without a YAML library; see docs/samsactl.md for its keys.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace samsa::ctl {

struct TlsSettings {
  bool enabled = false;  // Kafka side only; the admin side follows the URL scheme
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure = false;  // admin side: skip certificate verification (tests, emergencies)
};

struct Profile {
  std::string brokers = "127.0.0.1:9092";
  std::string admin_url = "http://127.0.0.1:8090";
  // Kafka SASL. An empty user means no SASL.
  std::string sasl_mechanism = "SCRAM-SHA-256";
  std::string user;
  std::string password;
  TlsSettings kafka_tls;
  // HTTP Basic for the admin API; empty falls back to the SASL user and password, as both are
  // checked against the same SCRAM credentials by the broker.
  std::string admin_user;
  std::string admin_password;
  TlsSettings admin_tls;
  int timeout_ms = 15000;

  const std::string& effective_admin_user() const { return admin_user.empty() ? user : admin_user; }
  const std::string& effective_admin_password() const {
    return admin_user.empty() ? password : admin_password;
  }
};

// Reads an environment variable; tests pass a map instead of the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Parses the YAML subset: `key: value` and `key:` followed by an indented block; comments with #;
// scalars plain, 'single' or "double" quoted. Scalars come back as strings. Throws
// CliError(kUsage) naming the line on anything else (lists, flow style, tabs, duplicate keys).
nlohmann::json parse_yaml_subset(const std::string& text);

// $SAMSACTL_CONFIG, else $XDG_CONFIG_HOME/samsa/samsactl.yaml, else ~/.config/samsa/samsactl.yaml.
std::string default_config_path(const EnvLookup& env);

// Applies the file's top-level settings, then those of the selected profile (`profile_name`, else
// the file's `current_profile`), then the environment. Throws CliError(kUsage) for unknown keys,
// bad values or a profile that the file does not have.
Profile resolve_profile(const nlohmann::json& file, const std::string& profile_name,
                        const EnvLookup& env);

// Reads `path` (a missing file is fine unless `must_exist`) and resolves as above.
Profile load_profile(const std::string& path, bool must_exist, const std::string& profile_name,
                     const EnvLookup& env);

}  // namespace samsa::ctl
