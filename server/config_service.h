#pragma once
// Config administration shared by every face (Kafka handlers now, REST later): resolves the value
// in force for a topic or broker key with its source and synonyms, validates alterations through
// the config table, and hands them to the controller as metadata records.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/controller.h"
#include "cluster/metadata_publisher.h"
#include "config/broker_config.h"
#include "config/effective_config.h"

namespace samsa::server {

class PartitionManager;

// Kafka's ConfigSource ids as DescribeConfigs v1+ reports them.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
};

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;  // nullopt for sensitive keys
  ConfigSource source = ConfigSource::kDefault;
};

struct DescribedConfig {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::kDefault;
  bool read_only = false;
  bool sensitive = false;
  int8_t type = 0;  // Kafka's ConfigType id (DescribeConfigs v3+)
  std::string documentation;
  std::vector<ConfigSynonym> synonyms;  // highest precedence first, as Kafka orders them
};

struct DescribeResult {
  int16_t error_code = 0;
  std::string error_message;
  std::vector<DescribedConfig> configs;
};

// IncrementalAlterConfigs operations; AlterConfigs uses only kSet with replace-all semantics.
enum class AlterOp : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

struct ConfigOp {
  std::string key;
  AlterOp op = AlterOp::kSet;
  std::optional<std::string> value;
};

struct AlterResource {
  int8_t resource_type = cluster::kResourceTopic;
  std::string resource_name;
  std::vector<ConfigOp> ops;
};

using ConfigResults = std::vector<cluster::ConfigResult>;

// This broker's configuration in force in `image`: its dynamic configs, then the cluster-wide
// ones, over the static config. A view: `image` and `config` must outlive it.
config::EffectiveConfig effective_config(const config::BrokerConfig& config,
                                         const cluster::MetadataImage& image, int32_t node_id);

// The value in force for topic key `key` (a topic config name) and every synonym that supplies it,
// highest precedence first. `topic` may be null (broker-level default only).
std::vector<ConfigSynonym> topic_config_synonyms(const config::BrokerConfig& config,
                                                 const cluster::MetadataImage& image,
                                                 int32_t node_id, const cluster::TopicState* topic,
                                                 std::string_view key);
// The effective value (converted to the topic key's unit) of a topic config key.
std::string resolve_topic_config(const config::BrokerConfig& config,
                                 const cluster::MetadataImage& image, int32_t node_id,
                                 const cluster::TopicState* topic, std::string_view key);

class ConfigService {
 public:
  ConfigService(cluster::Controller& controller, cluster::MetadataPublisher& publisher,
                const config::BrokerConfig& config, int32_t node_id);

  // keys == nullopt (or empty) describes every key of the resource.
  DescribeResult describe(int8_t resource_type, const std::string& resource_name,
                          const std::optional<std::vector<std::string>>& keys,
                          bool include_synonyms, bool include_documentation) const;
  // Every topic key's effective value for CreateTopics v5+ responses.
  std::vector<DescribedConfig> describe_topic(const cluster::MetadataImage& image,
                                              const cluster::TopicState* topic) const;

  // incremental=false is AlterConfigs: the resource's dynamic configs become exactly the given
  // ones. Results are in request order.
  void alter(std::vector<AlterResource> resources, bool incremental, bool validate_only,
             std::function<void(ConfigResults)> done);

 private:
  DescribeResult describe_broker(const cluster::MetadataImage& image, const std::string& name,
                                 bool include_documentation) const;
  // Checks `r` and turns its ops into a controller alteration; an error fills `result`.
  std::optional<cluster::ConfigAlteration> prepare(const cluster::MetadataImage& image,
                                                   const AlterResource& r, bool incremental,
                                                   cluster::ConfigResult& result) const;
  // Kafka's checks of a broker change against what runs now (thread pools may at most halve or
  // double in one step). `next` is the altered resource's dynamic layer; "" if acceptable.
  std::string check_reconfiguration(const cluster::MetadataImage& image,
                                    const std::string& resource_name,
                                    const config::DynamicLayer& next) const;

  cluster::Controller& controller_;
  cluster::MetadataPublisher& publisher_;
  const config::BrokerConfig& config_;
  int32_t node_id_;
};

}  // namespace samsa::server
