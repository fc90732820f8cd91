#pragma once
// Kafka's JAAS configuration text, as in `listener.name.<l>.plain.sasl.jaas.config`:
//   <LoginModule class> <required|requisite|sufficient|optional> [key=value ...];
// Values are bare words or double-quoted strings (backslash escapes the next character). Kafka
// accepts exactly one login module in a per-listener property; so does this parser.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace samsa::security {

struct JaasLoginModule {
  std::string class_name;
  std::string flag;
  std::map<std::string, std::string> options;
};

struct JaasError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws JaasError naming what is wrong (never the option values: they hold passwords).
JaasLoginModule parse_jaas_config(std::string_view text);

inline constexpr std::string_view kPlainLoginModule =
    "org.apache.kafka.common.security.plain.PlainLoginModule";

// PlainLoginModule's `user_<name>="<password>"` options: the users a PLAIN listener accepts.
std::map<std::string, std::string> jaas_plain_users(const JaasLoginModule& module);

}  // namespace samsa::security
