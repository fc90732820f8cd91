#pragma once
// Kafka's Kerberos principal names and `sasl.kerberos.principal.to.local.rules`, as its
// KerberosName, KerberosRule and KerberosShortNamer (clients/.../security/kerberos/) do them:
//
//   name   = primary[/instance][@REALM]
//   rules  = DEFAULT | RULE:[n:format](match-regex)s/from-regex/to/g/L|U   (a list, tried in order)
//
// DEFAULT maps a name of the default realm to its primary (`alice@R` -> `alice`,
// `kafka/host@R` -> `kafka`) and applies to nothing else. A RULE applies to names with exactly n
// components (1: no instance, 2: primary/instance); `format` builds the string to match from $0
// (realm), $1 (primary), $2 (instance); the optional (match-regex) must match that whole string;
// the optional sed part replaces the first match of from-regex (every match with g) by `to`
// (Java replacement syntax: $n groups, \x literal); L/U lower- or upper-cases the result. A
// result still holding '/' or '@' is an error, as is a name no rule applies to: the client is
// not authenticated.
//
// Regexes run on std::regex (ECMAScript): it covers what auth_to_local rules use (classes,
// groups, anchors, lazy quantifiers) but not Java-only constructs such as possessive quantifiers.
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::security {

struct KerberosName {
  std::string service;              // the primary
  std::optional<std::string> host;  // the instance
  std::optional<std::string> realm;

  // Kafka's KerberosName.parse: a string without '/' or '@' structure is taken whole as the
  // primary; a malformed name holding '@' throws std::invalid_argument.
  static KerberosName parse(std::string_view text);
  std::string to_string() const;
};

// A rule's failure to produce a name (Kafka's NoMatchingRule / BadFormatString): the client is
// not authenticated, and the message goes to the broker log and the audit line.
struct KerberosMappingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class KerberosShortNamer {
 public:
  // `rules` as listed in the config (already split at commas). Throws std::invalid_argument
  // naming the bad rule.
  static KerberosShortNamer parse(const std::string& default_realm,
                                  const std::vector<std::string>& rules);

  // The short name (the principal's name is then User:<short name>). Throws
  // KerberosMappingError when no rule applies or a rule is unusable for this name.
  std::string short_name(const KerberosName& name) const;

  const std::string& default_realm() const { return default_realm_; }

 private:
  struct Rule {
    std::string text;  // as written, for messages
    bool is_default = false;
    int components = 0;
    std::string format;
    std::optional<std::regex> match;
    std::optional<std::regex> from;
    std::string to;
    bool repeat = false;
    char case_fold = 0;  // 'L', 'U' or 0
  };
  std::optional<std::string> apply(const Rule& rule, const std::vector<std::string>& params) const;

  std::string default_realm_;
  std::vector<Rule> rules_;
};

}  // namespace samsa::security
