#include "config/effective_config.h"

#include <fmt/format.h>

#include <stdexcept>

namespace samsa::config {
namespace {

[[noreturn]] void misuse(std::string_view name, std::string_view why) {
  throw std::logic_error(fmt::format("config key '{}': {}", name, why));
}

const ConfigDef& def_of(std::string_view name) {
  const ConfigDef* def = find_broker_def(name);
  if (!def) misuse(name, "not a broker config key");
  return *def;
}

// Kafka ignores stored dynamic values a key may not have at that level (they can exist from an
// older release or a direct metadata write), so both describing and applying skip them.
bool dynamic_allowed(const ConfigDef& def, Layer layer) {
  if (def.dynamic == DynamicScope::kReadOnly) return false;
  return !(layer == Layer::kClusterDefault && def.dynamic == DynamicScope::kPerBroker);
}

}  // namespace

int64_t time_unit_ms(std::string_view key) {
  if (key.ends_with(".hours")) return 3600 * 1000;
  if (key.ends_with(".minutes")) return 60 * 1000;
  return 1;
}

EffectiveConfig::EffectiveConfig(const BrokerConfig& base, const DynamicLayer* per_broker,
                                 const DynamicLayer* cluster_default)
    : base_(base),
      reload_(base.reloaded()),
      per_broker_(per_broker),
      cluster_default_(cluster_default) {}

std::vector<LayeredValue> EffectiveConfig::layered(const std::vector<std::string>& names) const {
  std::vector<LayeredValue> out;
  auto add_dynamic = [&](const DynamicLayer* layer, Layer which) {
    if (!layer) return;
    for (const auto& n : names) {
      const ConfigDef* def = find_broker_def(n);
      auto it = layer->find(n);
      if (def && it != layer->end() && dynamic_allowed(*def, which))
        out.push_back({n, it->second, which});
    }
  };
  add_dynamic(per_broker_, Layer::kPerBroker);
  add_dynamic(cluster_default_, Layer::kClusterDefault);
  for (const auto& n : names) {
    if (!find_broker_def(n)) continue;
    if (reload_) {
      if (auto it = reload_->values.find(n); it != reload_->values.end()) {
        out.push_back({n, it->second, Layer::kStatic});
        continue;
      }
      if (reload_->removed.count(n) != 0) continue;
    }
    if (!base_.is_set(n)) continue;
    if (auto v = base_.value_string(n)) out.push_back({n, *v, Layer::kStatic});
  }
  for (const auto& n : names) {
    const ConfigDef* def = find_broker_def(n);
    if (def && def->default_value) out.push_back({n, *def->default_value, Layer::kDefault});
  }
  return out;
}

std::optional<std::pair<std::string, Value>> EffectiveConfig::resolve(std::string_view name) const {
  const ConfigDef& def = def_of(name);
  std::vector<std::string> names{def.name};
  names.insert(names.end(), def.synonyms.begin(), def.synonyms.end());
  for (auto& lv : layered(names)) {
    try {
      Value v = parse_value(def_of(lv.name), lv.value);
      return std::make_pair(std::move(lv.name), std::move(v));
    } catch (const ConfigError&) {
      continue;  // validated on the way in; a bad stored value falls through to the next layer
    }
  }
  return std::nullopt;
}

int32_t EffectiveConfig::get_int(std::string_view name) const {
  auto r = resolve(name);
  if (!r) misuse(name, "has no value");
  if (!std::holds_alternative<int32_t>(r->second)) misuse(name, "is not an INT");
  return std::get<int32_t>(r->second);
}

int64_t EffectiveConfig::get_long(std::string_view name) const {
  auto r = resolve(name);
  if (!r) misuse(name, "has no value");
  int64_t n;
  if (std::holds_alternative<int64_t>(r->second)) {
    n = std::get<int64_t>(r->second);
  } else if (std::holds_alternative<int32_t>(r->second)) {
    n = std::get<int32_t>(r->second);
  } else {
    misuse(name, "is not an INT or LONG");
  }
  // A synonym in hours or minutes supplies a key in milliseconds (log.retention.hours -> .ms).
  const int64_t from = time_unit_ms(r->first), to = time_unit_ms(name);
  return from == to || n < 0 ? n : n * from / to;
}

double EffectiveConfig::get_double(std::string_view name) const {
  auto r = resolve(name);
  if (!r) misuse(name, "has no value");
  if (!std::holds_alternative<double>(r->second)) misuse(name, "is not a DOUBLE");
  return std::get<double>(r->second);
}

bool EffectiveConfig::get_bool(std::string_view name) const {
  auto r = resolve(name);
  if (!r) misuse(name, "has no value");
  if (!std::holds_alternative<bool>(r->second)) misuse(name, "is not a BOOLEAN");
  return std::get<bool>(r->second);
}

std::string EffectiveConfig::get_string(std::string_view name) const {
  auto r = resolve(name);
  if (!r) return "";
  if (!std::holds_alternative<std::string>(r->second)) misuse(name, "is not a STRING");
  return std::get<std::string>(r->second);
}

std::string EffectiveConfig::topic_default(std::string_view topic_key) const {
  const ConfigDef* def = find_topic_def(topic_key);
  if (!def) misuse(topic_key, "not a topic config key");
  for (const auto& lv : layered(def->synonyms)) {
    Value v;
    try {
      v = parse_value(def_of(lv.name), lv.value);
    } catch (const ConfigError&) {
      continue;  // validated on the way in; a bad stored value falls through to the next layer
    }
    const int64_t unit = time_unit_ms(lv.name);
    if (unit == 1) return value_to_string(v);
    const int64_t n =
        std::holds_alternative<int32_t>(v) ? std::get<int32_t>(v) : std::get<int64_t>(v);
    // Kafka treats any negative retention as "forever"; INT hours/minutes cannot overflow.
    return n < 0 ? "-1" : std::to_string(n * unit);
  }
  return def->default_value.value_or("");
}

}  // namespace samsa::config
