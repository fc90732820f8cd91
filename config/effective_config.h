#pragma once
// The broker configuration in force at runtime: the dynamic configs stored in the metadata log
// (this broker's, then the cluster-wide default) over the static BrokerConfig (file and
// --override, with the runtime-changeable keys a SIGHUP re-read), over the table's defaults. Kafka
// resolves broker keys in exactly this order, and so does DescribeConfigs, so what is described is
// what runs.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/broker_config.h"

namespace samsa::config {

// Where a broker value comes from, highest precedence first. The server maps these to Kafka's
// DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG and DEFAULT_CONFIG.
enum class Layer { kPerBroker, kClusterDefault, kStatic, kDefault };

struct LayeredValue {
  std::string name;  // the key supplying the value: the one asked for or one of its synonyms
  std::string value;
  Layer layer = Layer::kDefault;
};

using DynamicLayer = std::map<std::string, std::string>;

// Milliseconds per unit of broker keys Kafka expresses in hours or minutes (else 1).
int64_t time_unit_ms(std::string_view key);

// A cheap view over a BrokerConfig and the two dynamic layers of one metadata image; it must not
// outlive them. Build one per image and read what you need from it.
class EffectiveConfig {
 public:
  EffectiveConfig(const BrokerConfig& base, const DynamicLayer* per_broker,
                  const DynamicLayer* cluster_default);

  // Every value supplying `names` (a key followed by its lower-precedence synonyms) in Kafka's
  // order: per-broker values of all names, then cluster-wide ones, static ones, defaults. A
  // dynamic value is ignored, as Kafka ignores it, when the key cannot change at runtime at that
  // level (read-only keys; per-broker keys in the cluster-wide layer).
  std::vector<LayeredValue> layered(const std::vector<std::string>& names) const;

  // The value in force for broker key `name`, its synonyms included and converted to its unit.
  // Throws std::logic_error for a key not in the table, a type mismatch, or no value at all.
  int32_t get_int(std::string_view name) const;
  int64_t get_long(std::string_view name) const;
  double get_double(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  // "" when the key has no value.
  std::string get_string(std::string_view name) const;

  // The broker-level default of topic config key `topic_key` (what a topic without an override
  // gets), converted to the topic key's unit; any negative retention reads as "-1".
  std::string topic_default(std::string_view topic_key) const;

  const BrokerConfig& base() const { return base_; }

 private:
  // The first layered value of `name` and its synonyms that parses, already typed.
  std::optional<std::pair<std::string, Value>> resolve(std::string_view name) const;

  const BrokerConfig& base_;
  std::shared_ptr<const StaticReload> reload_;  // the static layer's reloaded keys, if any
  const DynamicLayer* per_broker_;
  const DynamicLayer* cluster_default_;
};

}  // namespace samsa::config
