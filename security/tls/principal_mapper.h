#pragma once
// Kafka's ssl.principal.mapping.rules: comma-separated `RULE:<regex>/<replacement>/[L|U]` entries
// and `DEFAULT` (the DN unchanged), tried in order against the client certificate's subject in
// Java RFC 2253 form. A rule applies only when its regex matches the whole DN; the result is then
// Java's replaceAll with `$n` group references (one past the group count is kept literally),
// lower- or upper-cased by L/U. When no rule applies the client is not authenticated.
//
// The regexes run on std::regex (ECMAScript), which covers what mapping rules use (groups, lazy
// quantifiers, classes, anchors) but not Java-only constructs such as possessive quantifiers.
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::security::tls {

class PrincipalMapper {
 public:
  // Throws std::invalid_argument naming the bad rule.
  static PrincipalMapper parse(std::string_view rules);
  // The mapped name, or nullopt when no rule applies.
  std::optional<std::string> map(const std::string& dn) const;

 private:
  struct Rule {
    bool is_default = false;
    std::regex pattern;
    std::string replacement;
    char case_fold = 0;  // 'L', 'U' or 0
  };
  std::vector<Rule> rules_;
};

}  // namespace samsa::security::tls
