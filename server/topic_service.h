#pragma once
// Topic administration shared by every face (Kafka handlers now, REST later): validates what the
// controller cannot know about (topic configs), forwards to the controller, and answers once the
// metadata publisher has applied the change, so the local partitions exist before a client hears
// "created" and can produce at once.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/controller.h"
#include "cluster/metadata_publisher.h"
#include "config/broker_config.h"
#include "server/partition_manager.h"
#include "server/topic_produce_config.h"

namespace samsa::server {

using TopicResults = std::vector<cluster::TopicResult>;
using TopicCallback = std::function<void(TopicResults)>;

class TopicService {
 public:
  TopicService(cluster::Controller& controller, cluster::MetadataPublisher& publisher,
               const config::BrokerConfig& config);

  // The published image: everything in it is already in force on this broker (its partitions
  // exist locally, its configs reached the logs). Request paths read this one.
  std::shared_ptr<const cluster::MetadataImage> image() const { return publisher_.latest(); }
  // The typed configs a produce to `topic` needs, resolved once per image.
  std::shared_ptr<const TopicProduceConfig> produce_config(const cluster::TopicState& topic) const;
  bool auto_create_enabled() const;
  // A topic config's value in force: the topic's override, else the broker-level default.
  std::string effective_config(const cluster::TopicState& topic, const std::string& key) const;
  int64_t effective_config_long(const cluster::TopicState& topic, const std::string& key) const;

  void create_topics(std::vector<cluster::CreateTopicRequest> topics, bool validate_only,
                     TopicCallback done);
  // Creates missing topics with the broker defaults (auto.create.topics.enable).
  void auto_create(std::vector<std::string> names, TopicCallback done);
  void delete_topics(std::vector<std::string> names, TopicCallback done);
  void delete_topics_by_id(std::vector<cluster::Uuid> ids, TopicCallback done);
  void create_partitions(std::vector<std::pair<std::string, int32_t>> counts, bool validate_only,
                         TopicCallback done);

 private:
  TopicCallback sync_then(TopicCallback done);

  cluster::Controller& controller_;
  cluster::MetadataPublisher& publisher_;
  const config::BrokerConfig& config_;
  TopicProduceConfigCache produce_configs_;
};

}  // namespace samsa::server
