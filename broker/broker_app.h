#pragma once
// The composition root: builds every module in dependency order, starts them, and stops them in
// reverse. Nothing else in the tree wires modules together.
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/controller.h"
#include "cluster/quorum/metadata_quorum.h"
#include "config/broker_config.h"
#include "server/config_service.h"
#include "server/group/group_coordinator.h"
#include "server/kafka_server.h"
#include "server/partition_manager.h"
#include "server/producer_id_allocator.h"
#include "server/topic_service.h"
#include "storage/log_cleaner.h"
#include "storage/log_manager.h"

namespace samsa::broker {

class BrokerApp {
 public:
  explicit BrokerApp(const config::BrokerConfig& config);
  ~BrokerApp();

  // Recovers the log dirs, loads the metadata, registers this broker and opens the listeners.
  // Throws std::runtime_error with a message an operator can act on.
  void start();
  void stop();

 private:
  void run_housekeeping();
  void start_cleaner();
  std::string resolve_cluster_id() const;

  const config::BrokerConfig& config_;
  int32_t node_id_;
  std::vector<std::filesystem::path> log_dirs_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<cluster::Controller> controller_;
  std::unique_ptr<server::PartitionManager> partitions_;
  std::unique_ptr<server::TopicService> topics_;
  std::unique_ptr<server::group::GroupCoordinator> groups_;
  std::unique_ptr<server::ProducerIdAllocator> producer_ids_;
  std::unique_ptr<server::ConfigService> configs_;
  std::unique_ptr<storage::LogCleaner> cleaner_;
  server::ServerStats stats_;
  std::unique_ptr<server::Services> services_;
  std::unique_ptr<server::KafkaServer> kafka_;

  std::thread housekeeping_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool started_ = false;
};

}  // namespace samsa::broker
