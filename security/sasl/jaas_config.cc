#include "security/sasl/jaas_config.h"

#include <cctype>
#include <optional>
#include <vector>

namespace samsa::security {
namespace {

struct Token {
  enum class Kind { kWord, kQuoted, kEquals, kSemicolon };
  Kind kind;
  std::string text;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '=') {
      out.push_back({Token::Kind::kEquals, "="});
      ++i;
    } else if (c == ';') {
      out.push_back({Token::Kind::kSemicolon, ";"});
      ++i;
    } else if (c == '"') {
      std::string text;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          text += s[i + 1];
          i += 2;
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          text += s[i++];
        }
      }
      if (!closed) throw JaasError("unterminated quoted value");
      out.push_back({Token::Kind::kQuoted, std::move(text)});
    } else {
      std::string text;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '=' &&
             s[i] != ';' && s[i] != '"') {
        text += s[i++];
      }
      out.push_back({Token::Kind::kWord, std::move(text)});
    }
  }
  return out;
}

}  // namespace

JaasLoginModule parse_jaas_config(std::string_view text) {
  const auto tokens = tokenize(text);
  size_t i = 0;
  auto next = [&]() -> const Token* { return i < tokens.size() ? &tokens[i++] : nullptr; };
  JaasLoginModule module;
  const Token* t = next();
  if (t == nullptr) throw JaasError("empty JAAS configuration");
  if (t->kind != Token::Kind::kWord) throw JaasError("expected a login module class name");
  module.class_name = t->text;
  t = next();
  if (t == nullptr || t->kind != Token::Kind::kWord) throw JaasError("expected a control flag");
  if (t->text != "required" && t->text != "requisite" && t->text != "sufficient" &&
      t->text != "optional")
    throw JaasError("unknown control flag '" + t->text + "'");
  module.flag = t->text;
  for (;;) {
    t = next();
    if (t == nullptr) throw JaasError("login module is not terminated with ';'");
    if (t->kind == Token::Kind::kSemicolon) break;
    if (t->kind != Token::Kind::kWord) throw JaasError("expected an option name");
    std::string key = t->text;
    t = next();
    if (t == nullptr || t->kind != Token::Kind::kEquals)
      throw JaasError("expected '=' after option " + key);
    t = next();
    if (t == nullptr || (t->kind != Token::Kind::kWord && t->kind != Token::Kind::kQuoted))
      throw JaasError("expected a value for option " + key);
    if (module.options.count(key) != 0) throw JaasError("option " + key + " given twice");
    module.options.emplace(std::move(key), t->text);
  }
  if (i != tokens.size())
    throw JaasError("more than one login module; a listener's JAAS config takes exactly one");
  return module;
}

std::map<std::string, std::string> jaas_plain_users(const JaasLoginModule& module) {
  std::map<std::string, std::string> users;
  constexpr std::string_view kPrefix = "user_";
  for (const auto& [key, value] : module.options) {
    if (key.size() > kPrefix.size() && key.compare(0, kPrefix.size(), kPrefix) == 0)
      users.emplace(key.substr(kPrefix.size()), value);
  }
  return users;
}

}  // namespace samsa::security
