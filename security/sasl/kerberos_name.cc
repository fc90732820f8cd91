#include "security/sasl/kerberos_name.h"

#include <cctype>

namespace samsa::security {
namespace {

// Kafka's KerberosName.NAME_PARSER and KerberosShortNamer.RULE_PARSER.
const std::regex& name_parser() {
  static const std::regex re(R"(([^/@]+)(/([^/@]+))?(@([^/@]+))?)");
  return re;
}

const std::regex& rule_parser() {
  static const std::regex re(
      R"(((DEFAULT)|((RULE:\[(\d*):([^\]]*)\](\(([^)]*)\))?(s/([^/]*)/([^/]*)/(g)?)?/?(L|U)?))))");
  return re;
}

// KerberosRule.replaceParameters: `$n` is params[n]; text between is kept.
std::string replace_parameters(const std::string& format, const std::vector<std::string>& params) {
  std::string out;
  size_t i = 0;
  while (i < format.size()) {
    if (format[i] != '$') {
      out += format[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) ++j;
    const std::string digits = format.substr(i + 1, j - i - 1);
    if (digits.empty() || digits.size() > 9)
      throw KerberosMappingError("bad format in username mapping in " + format);
    const size_t n = std::stoul(digits);
    if (n >= params.size()) {
      throw KerberosMappingError("index " + digits + " from " + format +
                                 " is outside of the valid range 0 to " +
                                 std::to_string(params.size() - 1));
    }
    out += params[n];
    i = j;
  }
  return out;
}

// java.util.regex.Matcher.appendReplacement's reading of a replacement string.
void append_replacement(std::string& out, const std::string& to, const std::smatch& m) {
  const size_t groups = m.size() - 1;
  for (size_t i = 0; i < to.size(); ++i) {
    const char c = to[i];
    if (c == '\\') {
      if (++i == to.size()) throw KerberosMappingError("character to be escaped is missing");
      out += to[i];
    } else if (c == '$') {
      if (++i == to.size() || !std::isdigit(static_cast<unsigned char>(to[i])))
        throw KerberosMappingError("Illegal group reference in " + to);
      size_t ref = static_cast<size_t>(to[i] - '0');
      if (ref > groups) throw KerberosMappingError("No group " + std::to_string(ref));
      // Further digits belong to the reference while it stays a valid group number.
      while (i + 1 < to.size() && std::isdigit(static_cast<unsigned char>(to[i + 1]))) {
        const size_t next = ref * 10 + static_cast<size_t>(to[i + 1] - '0');
        if (next > groups) break;
        ref = next;
        ++i;
      }
      if (m[ref].matched) out += m[ref].str();
    } else {
      out += c;
    }
  }
}

// KerberosRule.replaceSubstitution: Java's replaceFirst / replaceAll.
std::string replace_substitution(const std::string& base, const std::regex& from,
                                 const std::string& to, bool repeat) {
  std::string out;
  auto last = base.cbegin();
  for (std::sregex_iterator it(base.begin(), base.end(), from), end; it != end; ++it) {
    const std::smatch& m = *it;
    out.append(last, m[0].first);
    append_replacement(out, to, m);
    last = m[0].second;
    if (!repeat) break;
  }
  out.append(last, base.cend());
  return out;
}

std::regex compile(const std::string& pattern, const std::string& rule) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("Invalid rule: " + rule + " (regex " + pattern + ": " + e.what() +
                                ")");
  }
}

}  // namespace

KerberosName KerberosName::parse(std::string_view text) {
  const std::string s(text);
  std::smatch m;
  KerberosName name;
  if (!std::regex_match(s, m, name_parser())) {
    if (s.find('@') != std::string::npos)
      throw std::invalid_argument("Malformed Kerberos name: " + s);
    name.service = s;
    return name;
  }
  name.service = m[1].str();
  if (m[3].matched) name.host = m[3].str();
  if (m[5].matched) name.realm = m[5].str();
  return name;
}

std::string KerberosName::to_string() const {
  std::string out = service;
  if (host) out += "/" + *host;
  if (realm) out += "@" + *realm;
  return out;
}

KerberosShortNamer KerberosShortNamer::parse(const std::string& default_realm,
                                             const std::vector<std::string>& rules) {
  KerberosShortNamer namer;
  namer.default_realm_ = default_realm;
  for (const auto& text : rules) {
    std::smatch m;
    if (!std::regex_match(text, m, rule_parser()))
      throw std::invalid_argument("Invalid rule: `" + text + "`");
    Rule rule;
    rule.text = text;
    if (m[2].matched) {
      rule.is_default = true;
    } else {
      const std::string n = m[5].str();
      if (n.empty() || n.size() > 9)
        throw std::invalid_argument("Invalid rule: `" + text + "`: no component count");
      rule.components = std::stoi(n);
      rule.format = m[6].str();
      if (m[8].matched) rule.match = compile(m[8].str(), text);
      if (m[10].matched) {
        rule.from = compile(m[10].str(), text);
        rule.to = m[11].str();
        rule.repeat = m[12].matched;
      }
      if (m[13].matched) rule.case_fold = m[13].str()[0];
    }
    namer.rules_.push_back(std::move(rule));
  }
  return namer;
}

std::optional<std::string> KerberosShortNamer::apply(const Rule& rule,
                                                     const std::vector<std::string>& params) const {
  std::optional<std::string> result;
  if (rule.is_default) {
    if (params[0] == default_realm_) result = params[1];
  } else if (params.size() - 1 == static_cast<size_t>(rule.components)) {
    const std::string base = replace_parameters(rule.format, params);
    if (!rule.match || std::regex_match(base, *rule.match)) {
      result = rule.from ? replace_substitution(base, *rule.from, rule.to, rule.repeat) : base;
    }
  }
  if (!result) return result;
  if (result->find_first_of("/@") != std::string::npos)
    throw KerberosMappingError("Non-simple name " + *result + " after auth_to_local rule " +
                               rule.text);
  // Locale.ENGLISH case mapping, for the ASCII letters principal names are made of.
  if (rule.case_fold == 'L') {
    for (auto& c : *result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else if (rule.case_fold == 'U') {
    for (auto& c : *result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return result;
}

std::string KerberosShortNamer::short_name(const KerberosName& name) const {
  std::vector<std::string> params;
  if (!name.host) {
    // A bare name is already short.
    if (!name.realm) return name.service;
    params = {*name.realm, name.service};
  } else {
    params = {name.realm.value_or(""), name.service, *name.host};
  }
  for (const auto& rule : rules_) {
    if (auto result = apply(rule, params)) return *result;
  }
  std::string listed;
  for (const auto& rule : rules_) listed += (listed.empty() ? "" : ", ") + rule.text;
  throw KerberosMappingError("No rules apply to " + name.to_string() + ", rules [" + listed + "]");
}

}  // namespace samsa::security
