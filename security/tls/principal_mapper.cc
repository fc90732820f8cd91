#include "security/tls/principal_mapper.h"

#include <cctype>

namespace samsa::security::tls {
namespace {

void skip_spaces(std::string_view s, size_t& i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
}

// A rule part up to the next unescaped '/': `\x` pairs are kept as written (the regex or the
// replacement gives them meaning).
std::optional<std::string> read_part(std::string_view s, size_t& i) {
  std::string out;
  while (i < s.size() && s[i] != '/') {
    if (s[i] == '\\' && i + 1 < s.size()) out += s[i++];
    out += s[i++];
  }
  if (i >= s.size()) return std::nullopt;
  ++i;  // the '/'
  return out;
}

// Java Matcher.appendReplacement: `\x` is x, `$n` a group (digits taken while the number stays a
// valid group), `$` with no valid group kept literally.
std::string substitute(const std::string& replacement, const std::smatch& m) {
  std::string out;
  const size_t groups = m.size() - 1;
  for (size_t i = 0; i < replacement.size(); ++i) {
    const char c = replacement[i];
    if (c == '\\' && i + 1 < replacement.size()) {
      out += replacement[++i];
    } else if (c == '$' && i + 1 < replacement.size() &&
               std::isdigit(static_cast<unsigned char>(replacement[i + 1])) &&
               static_cast<size_t>(replacement[i + 1] - '0') <= groups) {
      size_t n = static_cast<size_t>(replacement[++i] - '0');
      while (i + 1 < replacement.size() &&
             std::isdigit(static_cast<unsigned char>(replacement[i + 1])) &&
             n * 10 + static_cast<size_t>(replacement[i + 1] - '0') <= groups) {
        n = n * 10 + static_cast<size_t>(replacement[++i] - '0');
      }
      out += m[n].str();
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

PrincipalMapper PrincipalMapper::parse(std::string_view rules) {
  PrincipalMapper mapper;
  size_t i = 0;
  skip_spaces(rules, i);
  if (i == rules.size()) {
    Rule rule;
    rule.is_default = true;
    mapper.rules_.push_back(std::move(rule));
    return mapper;
  }
  while (i < rules.size()) {
    skip_spaces(rules, i);
    const size_t start = i;
    Rule rule;
    if (rules.substr(i, 7) == "DEFAULT") {
      rule.is_default = true;
      i += 7;
    } else if (rules.substr(i, 5) == "RULE:") {
      i += 5;
      auto pattern = read_part(rules, i);
      auto replacement = pattern ? read_part(rules, i) : std::nullopt;
      if (!pattern || !replacement) {
        throw std::invalid_argument("Invalid rule: " + std::string(rules.substr(start)));
      }
      try {
        rule.pattern = std::regex(*pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        throw std::invalid_argument("Invalid rule: " + std::string(rules.substr(start)) +
                                    " (regex: " + e.what() + ")");
      }
      rule.replacement = *replacement;
      if (i < rules.size() && (rules[i] == 'L' || rules[i] == 'U')) rule.case_fold = rules[i++];
      // Kafka's rule grammar ignores whatever follows the flag up to the next comma.
      while (i < rules.size() && rules[i] != ',') ++i;
    } else {
      throw std::invalid_argument("Invalid rule: " + std::string(rules.substr(start)));
    }
    skip_spaces(rules, i);
    if (i < rules.size()) {
      if (rules[i] != ',') {
        throw std::invalid_argument("Invalid rule: " + std::string(rules.substr(start)));
      }
      ++i;
    }
    mapper.rules_.push_back(std::move(rule));
  }
  return mapper;
}

std::optional<std::string> PrincipalMapper::map(const std::string& dn) const {
  for (const auto& rule : rules_) {
    if (rule.is_default) return dn;
    if (!std::regex_match(dn, rule.pattern)) continue;
    // replaceAll: every match found scanning the DN is replaced, the text between is kept.
    std::string result;
    auto last = dn.cbegin();
    for (std::sregex_iterator it(dn.begin(), dn.end(), rule.pattern), end; it != end; ++it) {
      result.append(last, (*it)[0].first);
      result += substitute(rule.replacement, *it);
      last = (*it)[0].second;
    }
    result.append(last, dn.cend());
    for (auto& c : result) {
      if (rule.case_fold == 'L') c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (rule.case_fold == 'U') c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return result;
  }
  return std::nullopt;
}

}  // namespace samsa::security::tls
