#include "profile.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

[[noreturn]] void bad_line(size_t line, const std::string& why) {
  throw CliError(ExitCode::kUsage, "line " + std::to_string(line) + ": " + why);
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// A '#' starts a comment at the line start or after a space, outside quotes (YAML's rule).
std::string strip_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

std::string unquote(const std::string& raw, size_t line) {
  if (raw.empty()) return raw;
  const char q = raw.front();
  if (q != '"' && q != '\'') {
    const bool list_item = raw.front() == '-' && raw.size() > 1 && raw[1] == ' ';
    if (raw.front() == '[' || raw.front() == '{' || list_item) {
      bad_line(line, "lists and flow collections are not supported; use nested keys");
    }
    return raw;
  }
  if (raw.size() < 2 || raw.back() != q) bad_line(line, "unterminated quoted string");
  const std::string body = raw.substr(1, raw.size() - 2);
  if (q == '\'') {
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
      out.push_back(body[i]);
      if (body[i] == '\'' && i + 1 < body.size() && body[i + 1] == '\'') ++i;  // '' is one '
    }
    return out;
  }
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out.push_back(body[i]);
      continue;
    }
    switch (body[++i]) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      default:
        bad_line(line, std::string("unsupported escape \\") + body[i]);
    }
  }
  return out;
}

bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0" || v.empty()) return false;
  throw CliError(ExitCode::kUsage, key + ": expected true or false, got '" + v + "'");
}

std::string scalar(const std::string& key, const nlohmann::json& v) {
  if (!v.is_string()) throw CliError(ExitCode::kUsage, key + ": expected a value, got a block");
  return v.get<std::string>();
}

void apply_tls(const std::string& where, const nlohmann::json& block, TlsSettings& tls) {
  if (!block.is_object()) throw CliError(ExitCode::kUsage, where + ": expected a block of keys");
  for (const auto& [key, value] : block.items()) {
    const std::string name = where + "." + key;
    if (key == "enabled") {
      tls.enabled = parse_bool(name, scalar(name, value));
    } else if (key == "ca_file") {
      tls.ca_file = scalar(name, value);
      tls.enabled = true;
    } else if (key == "cert_file") {
      tls.cert_file = scalar(name, value);
    } else if (key == "key_file") {
      tls.key_file = scalar(name, value);
    } else if (key == "insecure_skip_verify") {
      tls.insecure = parse_bool(name, scalar(name, value));
    } else {
      throw CliError(ExitCode::kUsage, "unknown profile key '" + name + "'");
    }
  }
}

// One level of settings: the file's top level or one entry of `profiles`.
void apply_settings(const std::string& where, const nlohmann::json& block, Profile& p) {
  for (const auto& [key, value] : block.items()) {
    const std::string name = where.empty() ? key : where + "." + key;
    if (where.empty() && (key == "profiles" || key == "current_profile")) continue;
    if (key == "brokers") {
      p.brokers = scalar(name, value);
    } else if (key == "admin_url") {
      p.admin_url = scalar(name, value);
    } else if (key == "timeout_ms") {
      const std::string v = scalar(name, value);
      char* end = nullptr;
      const long ms = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || ms <= 0 || ms > 3600000) {
        throw CliError(ExitCode::kUsage, name + ": expected milliseconds, got '" + v + "'");
      }
      p.timeout_ms = static_cast<int>(ms);
    } else if (key == "sasl") {
      if (!value.is_object()) throw CliError(ExitCode::kUsage, name + ": expected a block");
      for (const auto& [k, v] : value.items()) {
        const std::string n = name + "." + k;
        if (k == "mechanism") {
          p.sasl_mechanism = scalar(n, v);
        } else if (k == "user") {
          p.user = scalar(n, v);
        } else if (k == "password") {
          p.password = scalar(n, v);
        } else {
          throw CliError(ExitCode::kUsage, "unknown profile key '" + n + "'");
        }
      }
    } else if (key == "tls") {
      apply_tls(name, value, p.kafka_tls);
    } else if (key == "admin") {
      if (!value.is_object()) throw CliError(ExitCode::kUsage, name + ": expected a block");
      for (const auto& [k, v] : value.items()) {
        const std::string n = name + "." + k;
        if (k == "user") {
          p.admin_user = scalar(n, v);
        } else if (k == "password") {
          p.admin_password = scalar(n, v);
        } else if (k == "tls") {
          apply_tls(n, v, p.admin_tls);
        } else {
          throw CliError(ExitCode::kUsage, "unknown profile key '" + n + "'");
        }
      }
    } else {
      throw CliError(ExitCode::kUsage, "unknown profile key '" + name + "'");
    }
  }
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

nlohmann::json parse_yaml_subset(const std::string& text) {
  nlohmann::json root = nlohmann::json::object();
  // Open blocks: (indent of their keys, the object). The root's keys sit at column 0.
  std::vector<std::pair<int, nlohmann::json*>> stack{{0, &root}};
  // A `key:` with nothing after it: its block opens at the next, deeper line.
  nlohmann::json* pending = nullptr;
  std::istringstream in(text);
  std::string raw;
  size_t line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string line = strip_comment(raw);
    if (trim(line).empty()) continue;
    const auto indent_end = line.find_first_not_of(' ');
    if (line[indent_end] == '\t') bad_line(line_no, "tabs are not allowed for indentation");
    const int indent = static_cast<int>(indent_end);
    if (pending != nullptr) {
      if (indent <= stack.back().first) {
        *pending = "";  // `key:` with no block is an empty value
      } else {
        *pending = nlohmann::json::object();
        stack.emplace_back(indent, pending);
      }
      pending = nullptr;
    }
    while (stack.size() > 1 && indent < stack.back().first) stack.pop_back();
    if (indent != stack.back().first) bad_line(line_no, "indentation does not match any block");
    const std::string content = trim(line);
    if (content == "---") continue;
    const auto colon = content.find(':');
    if (colon == std::string::npos || colon == 0 ||
        (colon + 1 < content.size() && content[colon + 1] != ' ')) {
      bad_line(line_no, "expected 'key: value'");
    }
    const std::string key = unquote(trim(content.substr(0, colon)), line_no);
    auto& block = *stack.back().second;
    if (block.contains(key)) bad_line(line_no, "duplicate key '" + key + "'");
    const std::string value = trim(content.substr(colon + 1));
    if (value.empty()) {
      block[key] = nullptr;
      pending = &block[key];
    } else {
      block[key] = unquote(value, line_no);
    }
  }
  if (pending != nullptr) *pending = "";
  return root;
}

std::string default_config_path(const EnvLookup& env) {
  if (auto v = env("SAMSACTL_CONFIG"); v && !v->empty()) return *v;
  if (auto v = env("XDG_CONFIG_HOME"); v && !v->empty()) return *v + "/samsa/samsactl.yaml";
  return env("HOME").value_or(".") + "/.config/samsa/samsactl.yaml";
}

Profile resolve_profile(const nlohmann::json& file, const std::string& profile_name,
                        const EnvLookup& env) {
  Profile p;
  apply_settings("", file, p);
  std::string name = profile_name;
  if (name.empty() && file.contains("current_profile")) {
    name = scalar("current_profile", file["current_profile"]);
  }
  if (!name.empty()) {
    const auto profiles = file.value("profiles", nlohmann::json::object());
    if (!profiles.is_object() || !profiles.contains(name)) {
      throw CliError(ExitCode::kUsage, "profile '" + name + "' is not defined in the profile file");
    }
    if (!profiles[name].is_object()) {
      throw CliError(ExitCode::kUsage, "profiles." + name + ": expected a block of settings");
    }
    apply_settings("profiles." + name, profiles[name], p);
  }
  auto set = [&](const char* var, std::string& field) {
    if (auto v = env(var); v && !v->empty()) field = *v;
  };
  set("SAMSACTL_BROKERS", p.brokers);
  set("SAMSACTL_ADMIN_URL", p.admin_url);
  set("SAMSACTL_SASL_MECHANISM", p.sasl_mechanism);
  set("SAMSACTL_USER", p.user);
  set("SAMSACTL_PASSWORD", p.password);
  set("SAMSACTL_ADMIN_USER", p.admin_user);
  set("SAMSACTL_ADMIN_PASSWORD", p.admin_password);
  set("SAMSACTL_ADMIN_TLS_CA", p.admin_tls.ca_file);
  if (auto v = env("SAMSACTL_TLS_CA"); v && !v->empty()) {
    p.kafka_tls.ca_file = *v;
    p.kafka_tls.enabled = true;
  }
  return p;
}

Profile load_profile(const std::string& path, bool must_exist, const std::string& profile_name,
                     const EnvLookup& env) {
  nlohmann::json file = nlohmann::json::object();
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    try {
      file = parse_yaml_subset(text.str());
    } catch (const CliError& e) {
      throw CliError(e.code(), "profile file " + path + ": " + e.what());
    }
  } else if (must_exist) {
    throw CliError(ExitCode::kUsage, "cannot read profile file " + path);
  }
  try {
    return resolve_profile(file, profile_name, env);
  } catch (const CliError& e) {
    throw CliError(e.code(), "profile file " + path + ": " + e.what());
  }
}

}  // namespace samsa::ctl
