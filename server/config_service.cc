#include "server/config_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "protocol/error_codes.h"
#include "server/partition_manager.h"

namespace samsa::server {
namespace {

using config::ConfigDef;

constexpr int16_t kInvalidConfig = static_cast<int16_t>(protocol::ErrorCode::kInvalidConfig);
constexpr int16_t kInvalidRequest = static_cast<int16_t>(protocol::ErrorCode::kInvalidRequest);
constexpr int16_t kUnknownTopic =
    static_cast<int16_t>(protocol::ErrorCode::kUnknownTopicOrPartition);

int8_t kafka_type(config::Type t) {
  switch (t) {
    case config::Type::kBoolean:
      return 1;
    case config::Type::kString:
      return 2;
    case config::Type::kInt:
      return 3;
    case config::Type::kLong:
      return 5;
    case config::Type::kDouble:
      return 6;
    case config::Type::kList:
      return 7;
    case config::Type::kPassword:
      return 9;
  }
  return 0;
}

const std::map<std::string, std::string>* resource_configs(const cluster::MetadataImage& image,
                                                           const std::string& name) {
  auto it = image.resource_configs().find({cluster::kResourceBroker, name});
  return it == image.resource_configs().end() ? nullptr : &it->second;
}

bool is_broker_id(const std::string& name) {
  return !name.empty() && name.size() <= 10 &&
         name.find_first_not_of("0123456789") == std::string::npos && std::stoll(name) <= INT32_MAX;
}

ConfigSource source_of(config::Layer layer) {
  switch (layer) {
    case config::Layer::kPerBroker:
      return ConfigSource::kDynamicBroker;
    case config::Layer::kClusterDefault:
      return ConfigSource::kDynamicDefaultBroker;
    case config::Layer::kStatic:
      return ConfigSource::kStaticBroker;
    case config::Layer::kDefault:
      return ConfigSource::kDefault;
  }
  return ConfigSource::kUnknown;
}

// Kafka's synonym order for broker keys `names` (a key and its lower-precedence synonyms): every
// per-broker dynamic value, then every cluster-wide dynamic value, then static, then defaults.
std::vector<ConfigSynonym> broker_synonyms(const config::BrokerConfig& config,
                                           const cluster::MetadataImage& image, int32_t node_id,
                                           const std::vector<std::string>& names) {
  std::vector<ConfigSynonym> out;
  for (auto& lv : effective_config(config, image, node_id).layered(names)) {
    const ConfigDef* def = config::find_broker_def(lv.name);
    std::optional<std::string> value;
    if (!def || !def->sensitive()) value = std::move(lv.value);
    out.push_back({std::move(lv.name), std::move(value), source_of(lv.layer)});
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

}  // namespace

config::EffectiveConfig effective_config(const config::BrokerConfig& config,
                                         const cluster::MetadataImage& image, int32_t node_id) {
  return config::EffectiveConfig(config, resource_configs(image, std::to_string(node_id)),
                                 resource_configs(image, ""));
}

std::vector<ConfigSynonym> topic_config_synonyms(const config::BrokerConfig& config,
                                                 const cluster::MetadataImage& image,
                                                 int32_t node_id, const cluster::TopicState* topic,
                                                 std::string_view key) {
  std::vector<ConfigSynonym> out;
  const ConfigDef* def = config::find_topic_def(key);
  if (!def) return out;
  if (topic) {
    auto it = topic->configs.find(def->name);
    if (it != topic->configs.end()) out.push_back({def->name, it->second, ConfigSource::kTopic});
  }
  auto broker = broker_synonyms(config, image, node_id, def->synonyms);
  out.insert(out.end(), broker.begin(), broker.end());
  return out;
}

std::string resolve_topic_config(const config::BrokerConfig& config,
                                 const cluster::MetadataImage& image, int32_t node_id,
                                 const cluster::TopicState* topic, std::string_view key) {
  if (!config::find_topic_def(key)) return "";
  if (topic) {
    auto it = topic->configs.find(std::string(key));
    if (it != topic->configs.end()) return it->second;
  }
  return effective_config(config, image, node_id).topic_default(key);
}

ConfigService::ConfigService(cluster::Controller& controller, cluster::MetadataPublisher& publisher,
                             const config::BrokerConfig& config, int32_t node_id)
    : controller_(controller), publisher_(publisher), config_(config), node_id_(node_id) {}

std::vector<DescribedConfig> ConfigService::describe_topic(const cluster::MetadataImage& image,
                                                           const cluster::TopicState* topic) const {
  std::vector<DescribedConfig> out;
  for (const auto& def : config::topic_config_defs()) {
    DescribedConfig c;
    c.name = def.name;
    c.synonyms = topic_config_synonyms(config_, image, node_id_, topic, def.name);
    c.value = resolve_topic_config(config_, image, node_id_, topic, def.name);
    c.source = c.synonyms.empty() ? ConfigSource::kDefault : c.synonyms.front().source;
    c.sensitive = def.sensitive();
    if (c.sensitive) c.value.reset();
    c.type = kafka_type(def.type);
    c.documentation = def.doc;
    out.push_back(std::move(c));
  }
  return out;
}

DescribeResult ConfigService::describe(int8_t resource_type, const std::string& resource_name,
                                       const std::optional<std::vector<std::string>>& keys,
                                       bool include_synonyms, bool include_documentation) const {
  auto image = controller_.image();
  DescribeResult result;
  if (resource_type == cluster::kResourceTopic) {
    const cluster::TopicState* topic = image->topic(resource_name);
    if (!topic) {
      result.error_code = kUnknownTopic;
      result.error_message = fmt::format("The topic '{}' does not exist.", resource_name);
      return result;
    }
    result.configs = describe_topic(*image, topic);
  } else if (resource_type == cluster::kResourceBroker) {
    result = describe_broker(*image, resource_name, include_documentation);
    if (result.error_code) return result;
  } else {
    result.error_code = kInvalidRequest;
    result.error_message = fmt::format("Unsupported resource type {}", resource_type);
    return result;
  }
  if (keys && !keys->empty()) {
    std::set<std::string> wanted(keys->begin(), keys->end());
    std::erase_if(result.configs, [&](const DescribedConfig& c) { return !wanted.count(c.name); });
  }
  for (auto& c : result.configs) {
    if (!include_synonyms) c.synonyms.clear();
    if (!include_documentation) c.documentation.clear();
  }
  return result;
}

DescribeResult ConfigService::describe_broker(const cluster::MetadataImage& image,
                                              const std::string& name, bool) const {
  DescribeResult result;
  if (name.empty()) {
    // The cluster-wide default resource holds only what was set dynamically at that level.
    if (const auto* layer = resource_configs(image, "")) {
      for (const auto& [key, value] : *layer) {
        const ConfigDef* def = config::find_broker_def(key);
        // Values a key may not have at this level are ignored at runtime, so not described.
        if (!def || def->dynamic == config::DynamicScope::kReadOnly ||
            def->dynamic == config::DynamicScope::kPerBroker)
          continue;
        DescribedConfig c;
        c.name = key;
        c.value = def->sensitive() ? std::nullopt : std::optional<std::string>(value);
        c.source = ConfigSource::kDynamicDefaultBroker;
        c.read_only = def->dynamic == config::DynamicScope::kReadOnly;
        c.sensitive = def->sensitive();
        c.type = kafka_type(def->type);
        c.documentation = def->doc;
        c.synonyms.push_back({key, c.value, c.source});
        result.configs.push_back(std::move(c));
      }
    }
    return result;
  }
  if (name != std::to_string(node_id_)) {
    result.error_code = kInvalidRequest;
    result.error_message =
        fmt::format("Unexpected broker id, expected {}, but received {}", node_id_, name);
    return result;
  }
  for (const auto& def : config::broker_config_defs()) {
    DescribedConfig c;
    c.name = def.name;
    std::vector<std::string> names{def.name};
    names.insert(names.end(), def.synonyms.begin(), def.synonyms.end());
    c.synonyms = broker_synonyms(config_, image, node_id_, names);
    // The key's own value; a lower-precedence synonym only shows up in the synonym list.
    auto own = std::find_if(c.synonyms.begin(), c.synonyms.end(),
                            [&](const ConfigSynonym& s) { return s.name == def.name; });
    if (own != c.synonyms.end()) {
      c.value = own->value;
      c.source = own->source;
    }
    c.read_only = def.dynamic == config::DynamicScope::kReadOnly;
    c.sensitive = def.sensitive();
    if (c.sensitive) c.value.reset();
    c.type = kafka_type(def.type);
    c.documentation = def.doc;
    result.configs.push_back(std::move(c));
  }
  return result;
}

std::optional<cluster::ConfigAlteration> ConfigService::prepare(
    const cluster::MetadataImage& image, const AlterResource& r, bool incremental,
    cluster::ConfigResult& result) const {
  auto fail = [&](int16_t code, std::string message) {
    result.error_code = code;
    result.error_message = std::move(message);
    return std::nullopt;
  };
  const bool topic = r.resource_type == cluster::kResourceTopic;
  const std::map<std::string, std::string>* current = nullptr;
  if (topic) {
    const cluster::TopicState* t = image.topic(r.resource_name);
    if (!t)
      return fail(kUnknownTopic, fmt::format("The topic '{}' does not exist.", r.resource_name));
    current = &t->configs;
  } else if (r.resource_type == cluster::kResourceBroker) {
    if (!r.resource_name.empty() && !is_broker_id(r.resource_name)) {
      return fail(kInvalidRequest,
                  fmt::format("Node id must be an integer, but it is: {}", r.resource_name));
    }
    // As in Kafka, a broker's own configs are altered through that broker.
    if (!r.resource_name.empty() && r.resource_name != std::to_string(node_id_)) {
      return fail(kInvalidRequest, fmt::format("Unexpected broker id, expected {}, but received {}",
                                               node_id_, r.resource_name));
    }
    current = resource_configs(image, r.resource_name);
  } else {
    return fail(kInvalidRequest, fmt::format("Unsupported resource type {}", r.resource_type));
  }

  std::set<std::string> seen;
  cluster::ConfigAlteration out;
  out.resource_type = r.resource_type;
  out.resource_name = r.resource_name;
  out.replace_all = !incremental;
  for (const auto& op : r.ops) {
    if (!seen.insert(op.key).second) {
      return fail(kInvalidRequest, fmt::format("Error due to duplicate config keys: {}", op.key));
    }
    const ConfigDef* def = topic ? config::find_topic_def(op.key) : config::find_broker_def(op.key);
    if (!def) {
      return fail(kInvalidConfig,
                  fmt::format("Unknown {} configuration '{}'", topic ? "topic" : "broker", op.key));
    }
    // Kafka answers every failed broker-config validation with INVALID_REQUEST (KAFKA-13609).
    const int16_t invalid = topic ? kInvalidConfig : kInvalidRequest;
    if (!topic) {
      if (def->dynamic == config::DynamicScope::kReadOnly) {
        return fail(invalid,
                    fmt::format("Cannot update these configs dynamically: Set({})", op.key));
      }
      if (def->dynamic == config::DynamicScope::kPerBroker && r.resource_name.empty()) {
        return fail(invalid,
                    fmt::format("Cannot update these configs at default cluster level, broker id "
                                "must be specified: Set({})",
                                op.key));
      }
    }
    std::optional<std::string> value;
    switch (op.op) {
      case AlterOp::kDelete:
        break;
      case AlterOp::kSet:
        if (!op.value) {
          return fail(kInvalidRequest, fmt::format("Null value not supported for : {}", op.key));
        }
        value = op.value;
        break;
      case AlterOp::kAppend:
      case AlterOp::kSubtract: {
        if (def->type != config::Type::kList) {
          return fail(kInvalidConfig,
                      fmt::format("Config value {} is not allowed for config key: {} (not a list)",
                                  op.op == AlterOp::kAppend ? "append" : "subtract", op.key));
        }
        // Like Kafka: the resource's own value, else the key's default.
        std::string base = def->default_value.value_or("");
        if (current) {
          auto it = current->find(op.key);
          if (it != current->end()) base = it->second;
        }
        auto items = config::split_list(base);
        for (const auto& v : config::split_list(op.value.value_or(""))) {
          if (op.op == AlterOp::kAppend) {
            if (std::find(items.begin(), items.end(), v) == items.end()) items.push_back(v);
          } else {
            std::erase(items, v);
          }
        }
        value = join(items);
        break;
      }
      default:
        return fail(kInvalidRequest, fmt::format("Unknown config operation {} for {}",
                                                 static_cast<int>(op.op), op.key));
    }
    if (value) {
      try {
        config::parse_value(*def, *value);
      } catch (const config::ConfigError& e) {
        return fail(invalid, e.what());
      }
    }
    out.changes[op.key] = value;
  }
  if (!topic) {
    config::DynamicLayer next;
    if (current && incremental) next = *current;
    for (const auto& [key, value] : out.changes) {
      if (value) {
        next[key] = *value;
      } else {
        next.erase(key);
      }
    }
    if (auto why = check_reconfiguration(image, r.resource_name, next); !why.empty())
      return fail(kInvalidRequest, std::move(why));
  }
  return out;
}

std::string ConfigService::check_reconfiguration(const cluster::MetadataImage& image,
                                                 const std::string& resource_name,
                                                 const config::DynamicLayer& next) const {
  const auto now = effective_config(config_, image, node_id_);
  const bool per_broker = !resource_name.empty();
  const config::EffectiveConfig after(
      config_, per_broker ? &next : resource_configs(image, std::to_string(node_id_)),
      per_broker ? resource_configs(image, "") : &next);
  // Kafka's LogCleaner.validateReconfiguration and DynamicThreadPool's rule, with their messages.
  const int cur_cleaners = now.get_int("log.cleaner.threads");
  const int cleaners = after.get_int("log.cleaner.threads");
  if (cleaners != cur_cleaners) {
    if (cleaners < 1) return "Log cleaner threads should be at least 1";
    if (cleaners < cur_cleaners / 2)
      return fmt::format(
          "Log cleaner threads cannot be reduced to less than half the current value {}",
          cur_cleaners);
    if (cleaners > cur_cleaners * 2)
      return fmt::format(
          "Log cleaner threads cannot be increased to more than double the current value {}",
          cur_cleaners);
  }
  const int cur_network = now.get_int("num.network.threads");
  const int network = after.get_int("num.network.threads");
  if (network != cur_network) {
    const auto prefix = fmt::format(
        "Dynamic thread count update validation failed for num.network.threads={}", network);
    if (network < 1) return prefix + ", value should be at least 1";
    if (network < cur_network / 2)
      return fmt::format("{}, value should be at least half the current value {}", prefix,
                         cur_network);
    if (network > cur_network * 2)
      return fmt::format("{}, value should not be greater than double the current value {}", prefix,
                         cur_network);
  }
  return "";
}

void ConfigService::alter(std::vector<AlterResource> resources, bool incremental,
                          bool validate_only, std::function<void(ConfigResults)> done) {
  auto image = controller_.image();
  // A resource named twice in one request is refused every time, as Kafka does.
  std::map<std::pair<int8_t, std::string>, int> counts;
  for (const auto& r : resources) counts[{r.resource_type, r.resource_name}]++;

  auto results = std::make_shared<ConfigResults>(resources.size());
  std::vector<cluster::ConfigAlteration> accepted;
  std::vector<size_t> slots;
  for (size_t i = 0; i < resources.size(); ++i) {
    const auto& r = resources[i];
    auto& res = (*results)[i];
    res.resource_type = r.resource_type;
    res.resource_name = r.resource_name;
    if (counts[{r.resource_type, r.resource_name}] > 1) {
      res.error_code = kInvalidRequest;
      res.error_message = "Error due to duplicate resources: " + r.resource_name;
      continue;
    }
    if (auto a = prepare(*image, r, incremental, res)) {
      accepted.push_back(std::move(*a));
      slots.push_back(i);
    }
  }
  if (accepted.empty()) {
    done(std::move(*results));
    return;
  }
  controller_.alter_configs(
      std::move(accepted), validate_only,
      [this, results, slots = std::move(slots), done = std::move(done)](ConfigResults out) {
        for (size_t i = 0; i < out.size() && i < slots.size(); ++i) (*results)[slots[i]] = out[i];
        // Answer once the metadata publisher has pushed the new configs into the local logs and
        // caches, so the change is in force.
        publisher_.when_applied(controller_.image()->offset(),
                                [results, done = std::move(done)] { done(std::move(*results)); });
      });
}

}  // namespace samsa::server
