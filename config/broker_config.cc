#include "config/broker_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <random>
#include <set>

namespace samsa::config {

namespace {

constexpr std::string_view kListenerPrefix = "listener.name.";

[[noreturn]] void misuse(std::string_view name, std::string_view why) {
  throw std::logic_error(fmt::format("config key '{}': {}", name, why));
}

// Milliseconds per unit for broker keys that Kafka expresses in coarser units.
int64_t unit_ms(std::string_view key) {
  auto ends_with = [&](std::string_view suffix) {
    return key.size() >= suffix.size() && key.substr(key.size() - suffix.size()) == suffix;
  };
  if (ends_with(".hours")) return 3600 * 1000;
  if (ends_with(".minutes")) return 60 * 1000;
  return 1;
}

}  // namespace

BrokerConfig BrokerConfig::from_properties(const std::map<std::string, std::string>& props) {
  BrokerConfig c;
  for (const auto& def : broker_config_defs()) {
    Entry e;
    e.def = &def;
    auto it = props.find(def.name);
    if (it != props.end()) {
      e.value = parse_value(def, it->second);
      e.set = true;
    } else if (def.default_value) {
      e.value = parse_value(def, *def.default_value);
    }
    c.values_.emplace(def.name, std::move(e));
  }
  for (const auto& [key, value] : props) {
    if (!find_broker_def(key) && !key.starts_with(kListenerPrefix)) c.unknown_.push_back(key);
  }
  c.validate_cross_key_rules();
  c.collect_listener_overrides(props);
  return c;
}

void BrokerConfig::collect_listener_overrides(const std::map<std::string, std::string>& props) {
  std::set<std::string> names;
  for (const auto& l : listeners_) names.insert(l.name);
  if (names.contains(std::string(kAdminHttpListener))) {
    throw ConfigError("listeners", fmt::format("Invalid configuration 'listeners': the listener "
                                               "name {} is reserved for the admin HTTP server",
                                               kAdminHttpListener));
  }
  // The admin HTTP server's own overrides (its https TLS settings, its JAAS PLAIN users).
  names.insert(std::string(kAdminHttpListener));
  for (const auto& [key, raw] : props) {
    if (!key.starts_with(kListenerPrefix)) continue;
    const std::string rest = key.substr(kListenerPrefix.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size()) {
      throw ConfigError(key, fmt::format("Invalid configuration '{}': expected "
                                         "listener.name.<listener>.<key>",
                                         key));
    }
    std::string listener = rest.substr(0, dot);
    std::transform(listener.begin(), listener.end(), listener.begin(), ::toupper);
    const std::string inner = rest.substr(dot + 1);
    if (!names.contains(listener)) {
      throw ConfigError(key, fmt::format("Invalid configuration '{}': '{}' is not one of the "
                                         "listeners",
                                         key, listener));
    }
    std::string canonical = raw;
    if (const ConfigDef* def = find_broker_def(inner)) {
      // Checked as the broker-wide key would be; a bad value names the override's own key.
      try {
        canonical = value_to_string(parse_value(*def, raw));
      } catch (const ConfigError& e) {
        throw ConfigError(key, fmt::format("Invalid configuration '{}': {}", key, e.what()));
      }
    } else if (inner.find(".sasl.") == std::string::npos) {
      // Mechanism-scoped SASL keys (`plain.sasl.jaas.config`) are the only ones Kafka takes
      // that are not broker keys.
      throw ConfigError(key, fmt::format("Invalid configuration '{}': '{}' is not a broker "
                                         "config key or a <mechanism>.sasl.* key",
                                         key, inner));
    }
    listener_overrides_[listener][inner] = canonical;
  }
}

std::optional<std::string> BrokerConfig::listener_value_string(std::string_view listener,
                                                               std::string_view key) const {
  std::string name(listener);
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  if (auto l = listener_overrides_.find(name); l != listener_overrides_.end()) {
    if (auto v = l->second.find(key); v != l->second.end()) return v->second;
  }
  if (!find_broker_def(key)) return std::nullopt;
  return value_string(key);
}

bool BrokerConfig::listener_overrides(std::string_view listener, std::string_view key) const {
  std::string name(listener);
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  auto l = listener_overrides_.find(name);
  return l != listener_overrides_.end() && l->second.contains(key);
}

void BrokerConfig::validate_cross_key_rules() {
  auto error = [](std::string_view key, const std::string& msg) {
    return ConfigError(std::string(key), fmt::format("Invalid configuration '{}': {}", key, msg));
  };

  // broker.id is the older name of node.id: it fills node.id in, but may not contradict it.
  Entry& node = values_.at("node.id");
  const Entry& broker = values_.at("broker.id");
  if (broker.set) {
    int32_t bid = std::get<int32_t>(*broker.value);
    if (node.set && std::get<int32_t>(*node.value) != bid) {
      throw error("node.id", fmt::format("node.id={} and broker.id={} differ; set only one",
                                         std::get<int32_t>(*node.value), bid));
    }
    node.value = bid;
    node.set = true;
  }

  auto roles = get_list("process.roles");
  if (roles.empty()) throw error("process.roles", "must name at least one of broker, controller");

  auto protocol_map = parse_protocol_map(get_string("listener.security.protocol.map"));
  listeners_ = parse_listeners(get_string("listeners"), protocol_map, "listeners");
  std::set<std::string> names;
  for (const auto& l : listeners_) names.insert(l.name);
  if (names.contains(std::string(kAdminHttpListener))) {
    throw ConfigError("listeners", fmt::format("Invalid configuration 'listeners': the listener "
                                               "name {} is reserved for the admin HTTP server",
                                               kAdminHttpListener));
  }
  // The admin HTTP server's own overrides (its https TLS settings, its JAAS PLAIN users).
  names.insert(std::string(kAdminHttpListener));
  if (is_set("advertised.listeners")) {
    advertised_ =
        parse_listeners(get_string("advertised.listeners"), protocol_map, "advertised.listeners");
    for (const auto& a : advertised_) {
      if (!names.count(a.name)) {
        throw error("advertised.listeners",
                    fmt::format("listener '{}' is not one of the listeners", a.name));
      }
      if (a.host == "0.0.0.0" || a.host == "::") {
        throw error("advertised.listeners",
                    fmt::format("'{}' advertises the non-routable address {}", a.name, a.host));
      }
      if (a.port == 0) {
        throw error("advertised.listeners", fmt::format("'{}' advertises port 0", a.name));
      }
    }
  } else {
    advertised_ = listeners_;
  }
  if (has_value("inter.broker.listener.name")) {
    std::string ib = get_string("inter.broker.listener.name");
    std::transform(ib.begin(), ib.end(), ib.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    if (!names.count(ib)) {
      throw error("inter.broker.listener.name",
                  fmt::format("'{}' is not one of the listeners", ib));
    }
  }

  voters_ = parse_quorum_voters(value_string("controller.quorum.voters").value_or(""));
  const bool controller = std::find(roles.begin(), roles.end(), "controller") != roles.end();
  if (voters_.empty()) {
    if (!controller) {
      throw error("controller.quorum.voters",
                  "must be set when process.roles does not include controller");
    }
    voters_.push_back(QuorumVoter{node_id(), "127.0.0.1", 9093});
  } else if (controller) {
    bool listed = std::any_of(voters_.begin(), voters_.end(),
                              [&](const QuorumVoter& v) { return v.id == node_id(); });
    if (!listed) {
      throw error(
          "controller.quorum.voters",
          fmt::format("this node ({}) has the controller role but is not a voter", node_id()));
    }
  }

  if (has_value("log.dirs")) {
    auto dirs = get_list("log.dirs");
    if (dirs.empty() || std::any_of(dirs.begin(), dirs.end(), [](auto& d) { return d.empty(); })) {
      throw error("log.dirs", "must be a comma-separated list of non-empty directories");
    }
  } else if (get_string("log.dir").empty()) {
    throw error("log.dir", "must not be empty");
  }

  if (get_int("group.min.session.timeout.ms") > get_int("group.max.session.timeout.ms")) {
    throw error("group.min.session.timeout.ms", "must not exceed group.max.session.timeout.ms");
  }

  std::set<std::string> label_names;
  for (const auto& [name, value] : metrics_constant_labels()) label_names.insert(name);
  if (label_names.size() != get_list("metrics.constant.labels").size()) {
    throw error("metrics.constant.labels", "a label name is given twice");
  }
}

const BrokerConfig::Entry& BrokerConfig::entry(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) misuse(name, "not a broker config key");
  return it->second;
}

const Value& BrokerConfig::value_of(std::string_view name) const {
  const Entry& e = entry(name);
  if (!e.value) misuse(name, "has no value (no default and not set)");
  return *e.value;
}

bool BrokerConfig::get_bool(std::string_view name) const {
  const Value& v = value_of(name);
  if (!std::holds_alternative<bool>(v)) misuse(name, "is not a BOOLEAN");
  return std::get<bool>(v);
}

int32_t BrokerConfig::get_int(std::string_view name) const {
  const Value& v = value_of(name);
  if (!std::holds_alternative<int32_t>(v)) misuse(name, "is not an INT");
  return std::get<int32_t>(v);
}

int64_t BrokerConfig::get_long(std::string_view name) const {
  const Value& v = value_of(name);
  if (const int32_t* i = std::get_if<int32_t>(&v)) return *i;
  if (!std::holds_alternative<int64_t>(v)) misuse(name, "is not a LONG");
  return std::get<int64_t>(v);
}

double BrokerConfig::get_double(std::string_view name) const {
  const Value& v = value_of(name);
  if (!std::holds_alternative<double>(v)) misuse(name, "is not a DOUBLE");
  return std::get<double>(v);
}

std::string BrokerConfig::get_string(std::string_view name) const {
  const Value& v = value_of(name);
  if (!std::holds_alternative<std::string>(v)) misuse(name, "is not a STRING or PASSWORD");
  return std::get<std::string>(v);
}

std::vector<std::string> BrokerConfig::get_list(std::string_view name) const {
  const Value& v = value_of(name);
  if (const auto* s = std::get_if<std::string>(&v)) return split_list(*s);
  if (!std::holds_alternative<std::vector<std::string>>(v)) misuse(name, "is not a LIST");
  return std::get<std::vector<std::string>>(v);
}

bool BrokerConfig::is_set(std::string_view name) const {
  return entry(name).set;
}

bool BrokerConfig::has_value(std::string_view name) const {
  return entry(name).value.has_value();
}

std::vector<std::string> BrokerConfig::reload_from(const BrokerConfig& fresh) {
  auto reload = std::make_shared<StaticReload>();
  std::vector<std::string> needs_restart;
  for (const auto& [name, e] : values_) {
    const bool now_set = fresh.is_set(name);
    const auto now = fresh.value_string(name);
    const bool changed = now_set != e.set || now != value_string(name);
    if (!changed) continue;
    if (e.def->dynamic == DynamicScope::kReadOnly) {
      needs_restart.push_back(name);
    } else if (now_set && now) {
      reload->values[name] = *now;
    } else {
      reload->removed.insert(name);
    }
  }
  std::lock_guard lock(reload_->mutex);
  reload_->current = std::move(reload);
  return needs_restart;
}

std::shared_ptr<const StaticReload> BrokerConfig::reloaded() const {
  std::lock_guard lock(reload_->mutex);
  return reload_->current;
}

std::optional<std::string> BrokerConfig::value_string(std::string_view name) const {
  const Entry& e = entry(name);
  if (!e.value) return std::nullopt;
  return value_to_string(*e.value);
}

std::string BrokerConfig::topic_default(std::string_view topic_key) const {
  const ConfigDef* def = find_topic_def(topic_key);
  if (!def) misuse(topic_key, "not a topic config key");
  for (const auto& synonym : def->synonyms) {
    const Entry& e = entry(synonym);
    if (!e.value) continue;
    int64_t unit = unit_ms(synonym);
    if (unit == 1) return value_to_string(*e.value);
    int64_t n = get_long(synonym);
    // Kafka treats any negative retention as "forever"; INT hours/minutes cannot overflow int64.
    if (n < 0) return "-1";
    return std::to_string(n * unit);
  }
  return def->default_value.value_or("");
}

std::map<std::string, std::string> BrokerConfig::topic_config(
    const std::map<std::string, std::string>& overrides) const {
  for (const auto& [key, value] : overrides) {
    const ConfigDef* def = find_topic_def(key);
    if (!def) throw ConfigError(key, fmt::format("Unknown topic configuration '{}'", key));
    parse_value(*def, value);
  }
  std::map<std::string, std::string> out;
  for (const auto& def : topic_config_defs()) {
    auto it = overrides.find(def.name);
    out[def.name] = it != overrides.end() ? value_to_string(parse_value(def, it->second))
                                          : topic_default(def.name);
  }
  return out;
}

std::vector<std::string> BrokerConfig::log_dirs() const {
  if (has_value("log.dirs")) return get_list("log.dirs");
  return {get_string("log.dir")};
}

std::string BrokerConfig::metadata_log_dir() const {
  if (has_value("metadata.log.dir")) return get_string("metadata.log.dir");
  return log_dirs().front();
}

std::vector<AdminListener> BrokerConfig::admin_listeners() const {
  return parse_admin_listeners(value_string("admin.listeners").value_or(""));
}

std::map<std::string, std::string> BrokerConfig::metrics_constant_labels() const {
  std::map<std::string, std::string> out;
  for (const auto& item : get_list("metrics.constant.labels")) {
    size_t eq = item.find('=');
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::optional<std::string> validate_topic_config(std::string_view key, std::string_view value) {
  const ConfigDef* def = find_topic_def(key);
  if (!def) return fmt::format("Unknown topic configuration '{}'", key);
  try {
    parse_value(*def, value);
  } catch (const ConfigError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::string generate_cluster_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  uint8_t bytes[16];
  for (auto& b : bytes) b = static_cast<uint8_t>(rd());
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  out += kAlphabet[(acc << (6 - bits)) & 0x3F];  // 128 = 21*6 + 2 leftover bits
  return out;
}

}  // namespace samsa::config
