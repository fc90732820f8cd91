#pragma once
// Follows this broker's dynamic configs through the metadata images and tells the runtime pieces
// when a setting they were built with changes, so AlterConfigs on a BROKER resource ("" or this
// broker's id) takes effect without a restart, and values stored before a restart are back in
// force after it. The composition root subscribes what it wires (the log cleaner, the network
// thread pool); each subscriber sees only changes of what it extracted.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "cluster/metadata_image.h"
#include "config/broker_config.h"
#include "config/effective_config.h"

namespace samsa::server {

class DynamicBrokerConfig {
 public:
  DynamicBrokerConfig(const config::BrokerConfig& config, int32_t node_id);

  // `apply` is called with extract(view) on the next apply_image and then whenever that value
  // differs from the one last applied. Call before the first apply_image.
  template <typename T>
  void subscribe(std::function<T(const config::EffectiveConfig&)> extract,
                 std::function<void(const T&)> apply) {
    auto last = std::make_shared<std::optional<T>>();
    std::lock_guard lock(mutex_);
    subscribers_.push_back([extract = std::move(extract), apply = std::move(apply),
                            last](const config::EffectiveConfig& view) {
      T now = extract(view);
      if (*last && **last == now) return;
      *last = now;
      apply(now);
    });
  }

  // Recomputes from `image` and notifies. Thread-safe; an image older than one already applied
  // is ignored, so the quorum thread and the startup call cannot reorder changes.
  void apply_image(const cluster::MetadataImage& image);

 private:
  const config::BrokerConfig& config_;
  const int32_t node_id_;
  std::mutex mutex_;
  int64_t applied_offset_ = -1;
  std::vector<std::function<void(const config::EffectiveConfig&)>> subscribers_;
};

}  // namespace samsa::server
