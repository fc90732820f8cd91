#include "config/config_def.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

namespace samsa::config {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kBoolean:
      return "BOOLEAN";
    case Type::kInt:
      return "INT";
    case Type::kLong:
      return "LONG";
    case Type::kDouble:
      return "DOUBLE";
    case Type::kString:
      return "STRING";
    case Type::kList:
      return "LIST";
    case Type::kPassword:
      return "PASSWORD";
  }
  return "UNKNOWN";
}

std::string_view importance_name(Importance i) {
  switch (i) {
    case Importance::kHigh:
      return "HIGH";
    case Importance::kMedium:
      return "MEDIUM";
    case Importance::kLow:
      return "LOW";
  }
  return "UNKNOWN";
}

std::string_view dynamic_scope_name(DynamicScope d) {
  switch (d) {
    case DynamicScope::kReadOnly:
      return "read-only";
    case DynamicScope::kPerBroker:
      return "per-broker";
    case DynamicScope::kClusterWide:
      return "cluster-wide";
    case DynamicScope::kPerTopic:
      return "per-topic";
  }
  return "unknown";
}

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  s = trim(s);
  if (s.empty()) return out;
  while (true) {
    size_t comma = s.find(',');
    out.emplace_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::optional<int64_t> parse_int64(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::string Validator::describe() const {
  switch (kind) {
    case Kind::kNone:
      return "";
    case Kind::kRange:
      if (min_double || max_double) {
        return fmt::format("[{},...,{}]", min_double ? fmt::format("{}", *min_double) : "",
                           max_double ? fmt::format("{}", *max_double) : "");
      }
      if (min_int && max_int) return fmt::format("[{},...,{}]", *min_int, *max_int);
      if (min_int) return fmt::format("[{},...]", *min_int);
      if (max_int) return fmt::format("[...,{}]", *max_int);
      return "";
    case Kind::kOneOf:
      return "one of [" + join(allowed, ", ") + "]";
    case Kind::kListOf:
      return "comma-separated list of [" + join(allowed, ", ") + "]";
    case Kind::kCustom:
      return custom_description;
  }
  return "";
}

std::optional<std::string> Validator::check(const Value& v) const {
  switch (kind) {
    case Kind::kNone:
      return std::nullopt;
    case Kind::kRange: {
      if (const double* d = std::get_if<double>(&v)) {
        if (min_double && *d < *min_double)
          return fmt::format("value must be at least {}", *min_double);
        if (max_double && *d > *max_double)
          return fmt::format("value must be no more than {}", *max_double);
        return std::nullopt;
      }
      int64_t n = 0;
      if (const int32_t* i = std::get_if<int32_t>(&v)) {
        n = *i;
      } else if (const int64_t* l = std::get_if<int64_t>(&v)) {
        n = *l;
      } else {
        return "a range applies only to numbers";
      }
      if (min_int && n < *min_int) return fmt::format("value must be at least {}", *min_int);
      if (max_int && n > *max_int) return fmt::format("value must be no more than {}", *max_int);
      return std::nullopt;
    }
    case Kind::kOneOf: {
      const std::string* s = std::get_if<std::string>(&v);
      if (s && std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return std::nullopt;
      return "must be " + describe();
    }
    case Kind::kListOf: {
      const auto* list = std::get_if<std::vector<std::string>>(&v);
      if (!list) return "must be " + describe();
      std::set<std::string> seen;
      for (const auto& item : *list) {
        if (std::find(allowed.begin(), allowed.end(), item) == allowed.end()) {
          return fmt::format("'{}' is not allowed; must be {}", item, describe());
        }
        if (!seen.insert(item).second) return fmt::format("'{}' is listed twice", item);
      }
      return std::nullopt;
    }
    case Kind::kCustom:
      return custom ? custom(v) : std::nullopt;
  }
  return std::nullopt;
}

Validator at_least(int64_t min) {
  Validator v;
  v.kind = Validator::Kind::kRange;
  v.min_int = min;
  return v;
}

Validator between(int64_t min, int64_t max) {
  Validator v = at_least(min);
  v.max_int = max;
  return v;
}

Validator between_double(double min, double max) {
  Validator v;
  v.kind = Validator::Kind::kRange;
  v.min_double = min;
  v.max_double = max;
  return v;
}

Validator at_least_double(double min) {
  Validator v;
  v.kind = Validator::Kind::kRange;
  v.min_double = min;
  return v;
}

Validator one_of(std::vector<std::string> values) {
  Validator v;
  v.kind = Validator::Kind::kOneOf;
  v.allowed = std::move(values);
  return v;
}

Validator list_of(std::vector<std::string> values) {
  Validator v;
  v.kind = Validator::Kind::kListOf;
  v.allowed = std::move(values);
  return v;
}

Validator custom_validator(std::string description,
                           std::function<std::optional<std::string>(const Value&)> fn) {
  Validator v;
  v.kind = Validator::Kind::kCustom;
  v.custom_description = std::move(description);
  v.custom = std::move(fn);
  return v;
}

Value parse_value(const ConfigDef& def, std::string_view raw) {
  const std::string shown =
      def.sensitive() ? std::string("[hidden]") : "'" + std::string(raw) + "'";
  auto fail = [&](const std::string& why) -> ConfigError {
    std::string msg =
        fmt::format("Invalid value {} for configuration '{}': {}", shown, def.name, why);
    std::string accepted = def.validator.describe();
    if (!accepted.empty() && why.find(accepted) == std::string::npos) {
      msg += fmt::format(" (accepted: {} {})", type_name(def.type), accepted);
    }
    return ConfigError(def.name, msg);
  };
  std::string_view s = trim(raw);
  Value value;
  switch (def.type) {
    case Type::kBoolean: {
      std::string lower(s);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "true") {
        value = true;
      } else if (lower == "false") {
        value = false;
      } else {
        throw fail("expected a BOOLEAN (true or false)");
      }
      break;
    }
    case Type::kInt: {
      auto n = parse_int64(s);
      if (!n || *n < std::numeric_limits<int32_t>::min() ||
          *n > std::numeric_limits<int32_t>::max()) {
        throw fail("not a number of type INT (32-bit signed integer)");
      }
      value = static_cast<int32_t>(*n);
      break;
    }
    case Type::kLong: {
      auto n = parse_int64(s);
      if (!n) throw fail("not a number of type LONG (64-bit signed integer)");
      value = *n;
      break;
    }
    case Type::kDouble: {
      auto d = parse_double(s);
      if (!d) throw fail("not a finite number of type DOUBLE");
      value = *d;
      break;
    }
    case Type::kString:
    case Type::kPassword:
      value = std::string(s);
      break;
    case Type::kList: {
      auto items = split_list(s);
      for (const auto& item : items) {
        if (item.empty()) throw fail("a LIST must not contain empty elements");
      }
      value = std::move(items);
      break;
    }
  }
  if (auto why = def.validator.check(value)) throw fail(*why);
  return value;
}

std::string value_to_string(const Value& v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int32_t i) const { return std::to_string(i); }
    std::string operator()(int64_t l) const { return std::to_string(l); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& l) const { return join(l, ","); }
  };
  return std::visit(Visitor{}, v);
}

namespace {
const ConfigDef* find_in(const std::vector<ConfigDef>& defs, std::string_view name) {
  for (const auto& d : defs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}
}  // namespace

const ConfigDef* find_broker_def(std::string_view name) {
  return find_in(broker_config_defs(), name);
}
const ConfigDef* find_topic_def(std::string_view name) {
  return find_in(topic_config_defs(), name);
}

}  // namespace samsa::config
