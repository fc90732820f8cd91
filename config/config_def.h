#pragma once

// The typed configuration table: one definition per key drives parsing, validation,
// DescribeConfigs, the REST config endpoints and the generated reference in docs/.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace samsa::config {

enum class Type { kBoolean, kInt, kLong, kDouble, kString, kList, kPassword };
enum class Importance { kHigh, kMedium, kLow };

// How a key may change at runtime. The first three are Kafka's broker classification; topic configs
// are always alterable per topic, which kPerTopic states explicitly.
enum class DynamicScope { kReadOnly, kPerBroker, kClusterWide, kPerTopic };

std::string_view type_name(Type t);                   // "BOOLEAN", "INT", ...
std::string_view importance_name(Importance i);       // "HIGH", "MEDIUM", "LOW"
std::string_view dynamic_scope_name(DynamicScope d);  // "read-only", "per-broker", ...

// A parsed value. INT is stored as int32_t, LONG as int64_t, STRING and PASSWORD as std::string.
using Value = std::variant<bool, int32_t, int64_t, double, std::string, std::vector<std::string>>;

struct ConfigError : std::runtime_error {
  ConfigError(std::string key_in, const std::string& message)
      : std::runtime_error(message), key(std::move(key_in)) {}
  std::string key;
};

// Validates an already type-parsed value. `describe` is the accepted-values text used both in
// error messages and in the generated reference, so the two never disagree.
struct Validator {
  enum class Kind { kNone, kRange, kOneOf, kListOf, kCustom };
  Kind kind = Kind::kNone;
  // kRange: bounds apply to INT/LONG via the integer fields and to DOUBLE via the double fields.
  std::optional<int64_t> min_int, max_int;
  std::optional<double> min_double, max_double;
  std::vector<std::string> allowed;  // kOneOf / kListOf
  // kCustom: returns an explanation when the value is rejected.
  std::function<std::optional<std::string>(const Value&)> custom;
  std::string custom_description;

  std::string describe() const;  // "" for kNone
  // nullopt if acceptable, else why not (without the key name).
  std::optional<std::string> check(const Value& v) const;
};

Validator at_least(int64_t min);
Validator between(int64_t min, int64_t max);
Validator between_double(double min, double max);
Validator at_least_double(double min);
Validator one_of(std::vector<std::string> values);
Validator list_of(std::vector<std::string> values);  // every element in values, no duplicates
Validator custom_validator(std::string description,
                           std::function<std::optional<std::string>(const Value&)> fn);

struct ConfigDef {
  std::string name;
  Type type = Type::kString;
  std::optional<std::string> default_value;  // nullopt: no default (unset means null)
  Validator validator;
  Importance importance = Importance::kMedium;
  std::string doc;
  DynamicScope dynamic = DynamicScope::kReadOnly;
  // For topic configs: broker-level keys supplying the default, most specific first. For broker
  // keys: lower-precedence keys for the same setting (e.g. log.retention.ms -> minutes, hours).
  std::vector<std::string> synonyms;
  bool is_topic_config = false;

  bool sensitive() const { return type == Type::kPassword; }
};

const std::vector<ConfigDef>& broker_config_defs();
const std::vector<ConfigDef>& topic_config_defs();
const ConfigDef* find_broker_def(std::string_view name);
const ConfigDef* find_topic_def(std::string_view name);

// Parses `raw` as def.type and runs def.validator. Throws ConfigError naming the key, the value
// (masked for passwords) and what is accepted.
Value parse_value(const ConfigDef& def, std::string_view raw);

// Canonical string form of a value, as DescribeConfigs reports it (lists joined with ",").
std::string value_to_string(const Value& v);

// Splits a comma-separated list as Kafka does: surrounding whitespace trimmed, "" is the empty
// list.
std::vector<std::string> split_list(std::string_view s);
std::string_view trim(std::string_view s);

}  // namespace samsa::config
