#pragma once
// The topic configs a produce needs, resolved once per metadata image instead of by string lookups
// on every partition of every request (the shape of Redpanda's metadata_cache().get_topic_cfg()).
// The cache is rebuilt by the metadata publisher whenever an image is applied, which covers both
// topic config changes and dynamic broker defaults (both live in the image).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/metadata_image.h"
#include "cluster/published.h"
#include "config/broker_config.h"
#include "protocol/records/record_batch.h"

namespace samsa::server {

struct TopicProduceConfig {
  int64_t max_message_bytes = 1048588;
  int64_t timestamp_before_max_ms = INT64_MAX;
  int64_t timestamp_after_max_ms = INT64_MAX;
  bool log_append_time = false;  // message.timestamp.type=LogAppendTime
  bool compacted = false;        // cleanup.policy contains compact
  // compression.type other than "producer": the codec stored batches must have, and its level.
  std::optional<records::Compression> codec;
  int codec_level = 0;
};

// Resolves every value the way DescribeConfigs does: topic override, dynamic broker default,
// static broker config, table default.
TopicProduceConfig resolve_produce_config(const config::BrokerConfig& config,
                                          const cluster::MetadataImage& image, int32_t node_id,
                                          const cluster::TopicState& topic);

class TopicProduceConfigCache {
 public:
  TopicProduceConfigCache(const config::BrokerConfig& config, int32_t node_id);

  // Rebuilds the whole map from `image` (ignored if older than the last rebuild); readers keep
  // the map they already hold.
  void rebuild(const cluster::MetadataImage& image);
  // The config of `topic` as of the last rebuild, or null if that image had no such topic.
  std::shared_ptr<const TopicProduceConfig> get(const std::string& topic) const;

 private:
  using Map = std::map<std::string, std::shared_ptr<const TopicProduceConfig>, std::less<>>;
  const config::BrokerConfig& config_;
  const int32_t node_id_;
  std::mutex rebuild_mutex_;
  int64_t built_offset_ = -1;  // guarded by rebuild_mutex_
  cluster::Published<Map> map_{std::make_shared<const Map>()};
};

}  // namespace samsa::server
