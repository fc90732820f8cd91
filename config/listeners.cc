#include "config/listeners.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace samsa::config {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

bool valid_host(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':' || c == '%';
  });
}

[[noreturn]] void fail(std::string_view key, std::string_view value, std::string_view why) {
  throw ConfigError(std::string(key),
                    fmt::format("Invalid value '{}' for configuration '{}': {}", value, key, why));
}

}  // namespace

std::optional<std::string> split_host_port(std::string_view s, std::string& host, int& port) {
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return "unterminated '[' in IPv6 address";
    host = std::string(s.substr(1, close - 1));
    if (close + 1 >= s.size() || s[close + 1] != ':') return "missing ':port' after IPv6 address";
    port_text = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return "missing ':port'";
    host = std::string(s.substr(0, colon));
    if (host.find(':') != std::string::npos) return "IPv6 addresses must be written in [brackets]";
    port_text = s.substr(colon + 1);
  }
  if (!valid_host(host)) return fmt::format("invalid host '{}'", host);
  int p = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      p < 0 || p > 65535) {
    return fmt::format("port '{}' is not a number in [0, 65535]", port_text);
  }
  port = p;
  return std::nullopt;
}

std::map<std::string, std::string> parse_protocol_map(std::string_view value,
                                                      std::string_view key) {
  std::map<std::string, std::string> out;
  for (const auto& entry : split_list(value)) {
    size_t colon = entry.find(':');
    if (colon == std::string::npos) {
      fail(key, value, fmt::format("entry '{}' is not of the form LISTENER_NAME:PROTOCOL", entry));
    }
    std::string name = upper(trim(std::string_view(entry).substr(0, colon)));
    std::string proto = upper(trim(std::string_view(entry).substr(colon + 1)));
    if (!valid_name(name)) fail(key, value, fmt::format("invalid listener name '{}'", name));
    if (std::find(kSecurityProtocols.begin(), kSecurityProtocols.end(), proto) ==
        kSecurityProtocols.end()) {
      fail(key, value,
           fmt::format("unknown security protocol '{}'; must be one of PLAINTEXT, SSL, "
                       "SASL_PLAINTEXT, SASL_SSL",
                       proto));
    }
    if (!out.emplace(name, proto).second) {
      fail(key, value, fmt::format("listener name '{}' is mapped twice", name));
    }
  }
  return out;
}

std::vector<Listener> parse_listener_endpoints(std::string_view value, std::string_view key) {
  std::vector<Listener> out;
  std::set<std::string> names;
  std::set<int> ports;
  for (const auto& entry : split_list(value)) {
    size_t sep = entry.find("://");
    if (sep == std::string::npos) {
      fail(key, value, fmt::format("listener '{}' is not of the form NAME://host:port", entry));
    }
    Listener l;
    l.name = upper(std::string_view(entry).substr(0, sep));
    if (!valid_name(l.name)) {
      fail(key, value,
           fmt::format("invalid listener name '{}' (letters, digits, _ and -)", l.name));
    }
    if (auto why = split_host_port(std::string_view(entry).substr(sep + 3), l.host, l.port)) {
      fail(key, value, fmt::format("listener '{}': {}", entry, *why));
    }
    if (!names.insert(l.name).second) {
      fail(key, value, fmt::format("listener name '{}' is used twice", l.name));
    }
    // Port 0 means "pick a free port", so several listeners may ask for it.
    if (l.port != 0 && !ports.insert(l.port).second) {
      fail(key, value, fmt::format("port {} is used by two listeners", l.port));
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<Listener> parse_listeners(const std::string& value,
                                      const std::map<std::string, std::string>& protocol_map,
                                      std::string_view key) {
  std::vector<Listener> out = parse_listener_endpoints(value, key);
  for (auto& l : out) {
    if (auto it = protocol_map.find(l.name); it != protocol_map.end()) {
      l.security_protocol = it->second;
    } else if (std::find(kSecurityProtocols.begin(), kSecurityProtocols.end(), l.name) !=
               kSecurityProtocols.end()) {
      l.security_protocol = l.name;
    } else {
      fail(key, value,
           fmt::format("no security protocol is defined for listener '{}'; add it to "
                       "listener.security.protocol.map",
                       l.name));
    }
  }
  return out;
}

std::vector<QuorumVoter> parse_quorum_voters(std::string_view value, std::string_view key) {
  std::vector<QuorumVoter> out;
  std::set<int32_t> ids;
  for (const auto& entry : split_list(value)) {
    size_t at = entry.find('@');
    if (at == std::string::npos) {
      fail(key, value, fmt::format("voter '{}' is not of the form id@host:port", entry));
    }
    QuorumVoter v;
    std::string_view id_text = std::string_view(entry).substr(0, at);
    auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), v.id);
    if (id_text.empty() || ec != std::errc() || ptr != id_text.data() + id_text.size() ||
        v.id < 0) {
      fail(key, value, fmt::format("voter id '{}' is not a non-negative integer", id_text));
    }
    if (auto why = split_host_port(std::string_view(entry).substr(at + 1), v.host, v.port)) {
      fail(key, value, fmt::format("voter '{}': {}", entry, *why));
    }
    if (v.host.empty() || v.port == 0) {
      fail(key, value, fmt::format("voter '{}' needs an explicit host and a non-zero port", entry));
    }
    if (!ids.insert(v.id).second)
      fail(key, value, fmt::format("voter id {} is listed twice", v.id));
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<AdminListener> parse_admin_listeners(std::string_view value, std::string_view key) {
  std::vector<AdminListener> out;
  std::set<int> ports;
  for (const auto& entry : split_list(value)) {
    size_t sep = entry.find("://");
    AdminListener a;
    if (sep != std::string::npos) a.scheme = entry.substr(0, sep);
    std::transform(a.scheme.begin(), a.scheme.end(), a.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (sep == std::string::npos || (a.scheme != "http" && a.scheme != "https")) {
      fail(key, value,
           fmt::format("'{}' is not of the form http://host:port or https://host:port", entry));
    }
    if (auto why = split_host_port(std::string_view(entry).substr(sep + 3), a.host, a.port)) {
      fail(key, value, fmt::format("'{}': {}", entry, *why));
    }
    if (a.port != 0 && !ports.insert(a.port).second) {
      fail(key, value, fmt::format("port {} is used twice", a.port));
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::pair<std::string, int32_t>> parse_connection_overrides(std::string_view value) {
  std::vector<std::pair<std::string, int32_t>> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string_view entry = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    while (!entry.empty() && std::isspace(static_cast<unsigned char>(entry.front())))
      entry.remove_prefix(1);
    while (!entry.empty() && std::isspace(static_cast<unsigned char>(entry.back())))
      entry.remove_suffix(1);
    if (entry.empty()) continue;
    // The count follows the last colon, so IPv6 addresses keep theirs.
    const size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == entry.size())
      throw std::invalid_argument(fmt::format("'{}' is not host:count", entry));
    std::string_view host = entry.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    std::string_view digits = entry.substr(colon + 1);
    int32_t count = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (ec != std::errc() || end != digits.data() + digits.size() || count < 0)
      throw std::invalid_argument(
          fmt::format("'{}': the count must be an integer from 0 to 2147483647", entry));
    out.emplace_back(std::string(host), count);
  }
  return out;
}

}  // namespace samsa::config
