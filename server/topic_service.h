#pragma once
// Topic administration shared by every face (Kafka handlers now, REST later): validates what the
// controller cannot know about (topic configs), forwards to the controller, and makes sure the
// local partitions exist before answering so a client can produce as soon as it hears "created".
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/controller.h"
#include "config/broker_config.h"
#include "server/partition_manager.h"

namespace samsa::server {

using TopicResults = std::vector<cluster::TopicResult>;
using TopicCallback = std::function<void(TopicResults)>;

class TopicService {
 public:
  TopicService(cluster::Controller& controller, PartitionManager& partitions,
               const config::BrokerConfig& config);

  std::shared_ptr<const cluster::MetadataImage> image() const { return controller_.image(); }
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
  PartitionManager& partitions_;
  const config::BrokerConfig& config_;
};

}  // namespace samsa::server
