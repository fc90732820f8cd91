#include "server/dynamic_broker_config.h"

#include <spdlog/spdlog.h>

#include "server/config_service.h"

namespace samsa::server {

DynamicBrokerConfig::DynamicBrokerConfig(const config::BrokerConfig& config, int32_t node_id)
    : config_(config), node_id_(node_id) {}

void DynamicBrokerConfig::apply_image(const cluster::MetadataImage& image) {
  std::lock_guard lock(mutex_);
  if (image.offset() < applied_offset_) return;
  applied_offset_ = image.offset();
  const auto view = effective_config(config_, image, node_id_);
  for (auto& subscriber : subscribers_) {
    // One failing subscriber must not keep the others on stale settings.
    try {
      subscriber(view);
    } catch (const std::exception& e) {
      spdlog::error("event=dynamic_config_apply_failed offset={} error=\"{}\"", image.offset(),
                    e.what());
    }
  }
}

}  // namespace samsa::server
