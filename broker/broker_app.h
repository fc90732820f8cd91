#pragma once
// The composition root: builds every module in dependency order, starts them, and stops them in
// reverse. Nothing else in the tree wires modules together.
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "admin-http/admin_context.h"
#include "admin-http/http_server.h"
#include "admin-http/readiness.h"
#include "admin-http/router.h"
#include "broker/tls_listeners.h"
#include "cluster/controller.h"
#include "cluster/metadata_publisher.h"
#include "cluster/quorum/metadata_quorum.h"
#include "config/broker_config.h"
#include "metrics/kafka_metrics.h"
#include "metrics/metrics_registry.h"
#include "metrics/process_metrics.h"
#include "security/sasl/bootstrap_credentials.h"
#include "security/sasl/image_credential_store.h"
#include "security/standard_authorizer.h"
#include "server/acl_service.h"
#include "server/config_service.h"
#include "server/dynamic_broker_config.h"
#include "server/group/group_coordinator.h"
#include "server/kafka_server.h"
#include "server/partition_manager.h"
#include "server/produce_service.h"
#include "server/producer_id_allocator.h"
#include "server/topic_service.h"
#include "server/user_service.h"
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
  // SIGHUP: rebuilds the TLS listeners' contexts from their files (new connections get them)
  // and re-reads the OAUTHBEARER JWKS files.
  // After BrokerConfig::reload_from: hands the reloaded runtime-changeable keys to what was
  // built from them (as a dynamic config change would).
  void apply_reloaded_config();
  void reload_tls();

  // Hears each startup phase and recovery progress as it happens (systemd STATUS= lines).
  void set_status_sink(std::function<void(const std::string&)> sink) {
    status_sink_ = std::move(sink);
  }
  // Posts `probe` to every event loop that must keep turning for the broker to serve (each
  // network thread's io_context) and returns how many; 0 before start() and after stop().
  size_t probe_event_loops(const std::function<void()>& probe);

  // --add-scram: written with the cluster id when the metadata log is formatted; on a formatted
  // log start() fails unless each is already there exactly (see docs/security.md).
  void set_bootstrap_credentials(std::vector<security::BootstrapCredential> credentials) {
    bootstrap_credentials_ = std::move(credentials);
  }

 private:
  // Readiness reason and status sink together.
  void phase(const std::string& what);
  std::function<void(const std::string&)> status_sink_;
  // Refuses --add-scram credentials the (already formatted) metadata log does not hold.
  void check_bootstrap_credentials(const std::filesystem::path& metadata_dir) const;
  // The admin HTTP server starts first so /v1/status/ready and /metrics answer during recovery.
  void start_admin_http();
  void run_housekeeping();
  void start_cleaner();
  // Subscribes the cleaner and the network threads to dynamic broker config changes.
  void watch_dynamic_configs();
  // Process, broker-state and connection-layer families; registered at construction so scrapes
  // during startup have them.
  void register_process_metrics();
  // Data-path metrics and the collectors that read the services, once those exist.
  void register_service_metrics();
  void register_quorum_metrics();           // once the controller runs
  void register_log_maintenance_metrics();  // once the cleaner runs
  std::string resolve_cluster_id() const;

  const config::BrokerConfig& config_;
  int32_t node_id_;
  metrics::MetricsRegistry metrics_;
  std::shared_ptr<metrics::ProcessMetrics> process_metrics_;
  std::unique_ptr<metrics::KafkaMetrics> kafka_metrics_;
  admin_http::Readiness readiness_;
  admin_http::Router admin_router_;
  std::unique_ptr<admin_http::AdminContext> admin_ctx_;
  std::unique_ptr<admin_http::HttpAuth> admin_auth_;
  std::unique_ptr<admin_http::AdminHttpServer> admin_http_;
  std::vector<std::filesystem::path> log_dirs_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<cluster::Controller> controller_;
  // Set when authorizer.class.name is; rebuilt from each image's ACLs by a publisher subscriber,
  // so it must outlive the publisher.
  std::unique_ptr<security::StandardAuthorizer> authorizer_;
  // Applies metadata images to the broker's state off the quorum thread (see metadata_publisher.h).
  std::unique_ptr<cluster::MetadataPublisher> publisher_;
  std::unique_ptr<server::AclService> acls_;
  std::unique_ptr<server::PartitionManager> partitions_;
  std::unique_ptr<server::TopicService> topics_;
  std::unique_ptr<server::group::GroupCoordinator> groups_;
  std::unique_ptr<server::ProducerIdAllocator> producer_ids_;
  std::unique_ptr<server::ConfigService> configs_;
  std::unique_ptr<server::ProduceService> produce_;
  std::vector<security::BootstrapCredential> bootstrap_credentials_;
  security::ImageCredentialStore credentials_;
  std::unique_ptr<server::UserService> users_;
  std::unique_ptr<storage::LogCleaner> cleaner_;
  std::unique_ptr<server::DynamicBrokerConfig> dynamic_;
  server::ServerStats stats_;
  std::unique_ptr<security::AuditLog> audit_;
  std::unique_ptr<server::Services> services_;
  std::unique_ptr<TlsListeners> tls_;
  std::unique_ptr<security::SaslServerFactory> sasl_;  // destroyed after kafka_, which uses it
  std::unique_ptr<server::KafkaServer> kafka_;

  std::thread housekeeping_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool started_ = false;
};

}  // namespace samsa::broker
