#include "server/topic_service.h"

#include "protocol/error_codes.h"
#include "server/config_service.h"

namespace samsa::server {

TopicService::TopicService(cluster::Controller& controller, cluster::MetadataPublisher& publisher,
                           const config::BrokerConfig& config)
    : controller_(controller),
      publisher_(publisher),
      config_(config),
      produce_configs_(config, config.node_id()) {
  // Subscribe first, then build from what is already published: the cache ignores an older
  // image, so the two cannot race it backwards.
  publisher_.subscribe("topic-produce-configs", [this](const cluster::MetadataImage& image) {
    produce_configs_.rebuild(image);
  });
  produce_configs_.rebuild(*publisher_.latest());
}

std::shared_ptr<const TopicProduceConfig> TopicService::produce_config(
    const cluster::TopicState& topic) const {
  if (auto cached = produce_configs_.get(topic.name)) return cached;
  // A topic the published image does not know (the caller holds a newer one): resolve it now.
  return std::make_shared<const TopicProduceConfig>(
      resolve_produce_config(config_, *image(), config_.node_id(), topic));
}

bool TopicService::auto_create_enabled() const {
  return config_.get_bool("auto.create.topics.enable");
}

std::string TopicService::effective_config(const cluster::TopicState& topic,
                                           const std::string& key) const {
  // Dynamic broker configs (cluster-wide default and this broker's) count as well as static ones.
  return resolve_topic_config(config_, *image(), config_.node_id(), &topic, key);
}

int64_t TopicService::effective_config_long(const cluster::TopicState& topic,
                                            const std::string& key) const {
  return std::stoll(effective_config(topic, key));
}

TopicCallback TopicService::sync_then(TopicCallback done) {
  // Runs on the quorum thread once the change is in the quorum's image; answers once the
  // metadata publisher has applied that image, so the partitions exist (or are gone) locally.
  return [this, done = std::move(done)](TopicResults results) mutable {
    auto shared = std::make_shared<TopicResults>(std::move(results));
    publisher_.when_applied(controller_.image()->offset(),
                            [done = std::move(done), shared] { done(std::move(*shared)); });
  };
}

void TopicService::create_topics(std::vector<cluster::CreateTopicRequest> topics,
                                 bool validate_only, TopicCallback done) {
  // Topics with a bad config are answered here; the rest go to the controller in one batch.
  TopicResults rejected;
  std::vector<cluster::CreateTopicRequest> accepted;
  for (auto& t : topics) {
    std::optional<std::string> error;
    for (const auto& [key, value] : t.configs) {
      if ((error = config::validate_topic_config(key, value))) break;
    }
    if (error) {
      cluster::TopicResult r;
      r.name = t.name;
      r.error_code = static_cast<int16_t>(protocol::ErrorCode::kInvalidConfig);
      r.error_message = *error;
      rejected.push_back(std::move(r));
    } else {
      accepted.push_back(std::move(t));
    }
  }
  if (accepted.empty()) {
    done(std::move(rejected));
    return;
  }
  controller_.create_topics(
      std::move(accepted), validate_only,
      sync_then([rejected = std::move(rejected), done = std::move(done)](TopicResults results) {
        results.insert(results.end(), rejected.begin(), rejected.end());
        done(std::move(results));
      }));
}

void TopicService::auto_create(std::vector<std::string> names, TopicCallback done) {
  std::vector<cluster::CreateTopicRequest> topics;
  for (auto& name : names) {
    cluster::CreateTopicRequest t;
    t.name = std::move(name);
    topics.push_back(
        std::move(t));  // -1 partitions / RF: the controller applies the broker defaults
  }
  controller_.create_topics(std::move(topics), false, sync_then(std::move(done)));
}

void TopicService::delete_topics(std::vector<std::string> names, TopicCallback done) {
  controller_.delete_topics(std::move(names), sync_then(std::move(done)));
}

void TopicService::delete_topics_by_id(std::vector<cluster::Uuid> ids, TopicCallback done) {
  controller_.delete_topics_by_id(std::move(ids), sync_then(std::move(done)));
}

void TopicService::create_partitions(std::vector<std::pair<std::string, int32_t>> counts,
                                     bool validate_only, TopicCallback done) {
  controller_.create_partitions(std::move(counts), validate_only, sync_then(std::move(done)));
}

}  // namespace samsa::server
