#include "server/topic_produce_config.h"

#include "protocol/records/compression.h"
#include "server/config_service.h"

namespace samsa::server {

TopicProduceConfig resolve_produce_config(const config::BrokerConfig& config,
                                          const cluster::MetadataImage& image, int32_t node_id,
                                          const cluster::TopicState& topic) {
  auto text = [&](const char* key) {
    return resolve_topic_config(config, image, node_id, &topic, key);
  };
  auto number = [&](const char* key) { return std::stoll(text(key)); };
  TopicProduceConfig c;
  c.max_message_bytes = number("max.message.bytes");
  c.timestamp_before_max_ms = number("message.timestamp.before.max.ms");
  c.timestamp_after_max_ms = number("message.timestamp.after.max.ms");
  c.log_append_time = text("message.timestamp.type") == "LogAppendTime";
  c.compacted = text("cleanup.policy").find("compact") != std::string::npos;
  c.codec = records::codec_from_topic_config(text("compression.type"));
  c.codec_level = records::kDefaultLevel;
  if (c.codec) {
    const char* level_key = *c.codec == records::Compression::kGzip   ? "compression.gzip.level"
                            : *c.codec == records::Compression::kLz4  ? "compression.lz4.level"
                            : *c.codec == records::Compression::kZstd ? "compression.zstd.level"
                                                                      : nullptr;
    if (level_key) c.codec_level = static_cast<int>(number(level_key));
  }
  return c;
}

TopicProduceConfigCache::TopicProduceConfigCache(const config::BrokerConfig& config,
                                                 int32_t node_id)
    : config_(config), node_id_(node_id) {}

void TopicProduceConfigCache::rebuild(const cluster::MetadataImage& image) {
  std::lock_guard lock(rebuild_mutex_);
  if (image.offset() < built_offset_) return;
  built_offset_ = image.offset();
  auto map = std::make_shared<Map>();
  for (const auto& [name, topic] : image.topics()) {
    map->emplace(name, std::make_shared<const TopicProduceConfig>(
                           resolve_produce_config(config_, image, node_id_, *topic)));
  }
  map_.store(std::move(map));
}

std::shared_ptr<const TopicProduceConfig> TopicProduceConfigCache::get(
    const std::string& topic) const {
  auto map = map_.load();
  auto it = map->find(topic);
  return it == map->end() ? nullptr : it->second;
}

}  // namespace samsa::server
