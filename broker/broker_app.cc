#include "broker/broker_app.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <future>

#include "admin-http/routes/routes.h"
#include "config/listeners.h"
#include "metrics/families.h"
#include "metrics/log_maintenance_metrics.h"
#include "metrics/raft_metrics.h"
#include "protocol/error_codes.h"
#include "protocol/messages/api_registry.h"
#include "server/api_table.h"
#include "server/metrics_sources.h"
#include "server/sasl_setup.h"

namespace samsa::broker {
namespace {

// The cleaner settings in force, dynamic values included (all four keys are cluster-wide dynamic).
storage::CleanerConfig cleaner_config(const config::EffectiveConfig& view) {
  storage::CleanerConfig cc;
  cc.threads = view.get_int("log.cleaner.threads");
  cc.dedupe_buffer_bytes = static_cast<size_t>(view.get_long("log.cleaner.dedupe.buffer.size"));
  cc.io_max_bytes_per_second = view.get_double("log.cleaner.io.max.bytes.per.second");
  cc.backoff_ms = view.get_long("log.cleaner.backoff.ms");
  return cc;
}

// The connection limits in force (all four keys are cluster-wide dynamic). A host name in the
// overrides that does not resolve stops startup; at runtime the previous limits stay.
server::network::ConnectionLimits connection_limits(const config::EffectiveConfig& view) {
  server::network::ConnectionLimits limits;
  limits.max_connections = view.get_int("max.connections");
  limits.max_connections_per_ip = view.get_int("max.connections.per.ip");
  limits.per_ip_overrides = server::network::resolve_per_ip_overrides(
      view.get_string("max.connections.per.ip.overrides"));
  limits.max_connection_creation_rate = view.get_int("max.connection.creation.rate");
  return limits;
}

std::vector<std::filesystem::path> log_dirs_from(const config::BrokerConfig& config) {
  std::vector<std::filesystem::path> out;
  for (const auto& d : config.log_dirs()) {
    out.push_back(std::filesystem::absolute(d).lexically_normal());
  }
  return out;
}

}  // namespace

BrokerApp::BrokerApp(const config::BrokerConfig& config)
    : config_(config),
      node_id_(config.get_int("node.id")),
      metrics_(config.metrics_constant_labels()),
      log_dirs_(log_dirs_from(config)) {
  register_process_metrics();
}

BrokerApp::~BrokerApp() {
  stop();
  // After a failed start() the publisher and the quorum may still run, and both call into the
  // services declared after them: stop them before any member is destroyed (review finding M1).
  if (publisher_) publisher_->stop();
  if (controller_) controller_->stop();
}

std::string BrokerApp::resolve_cluster_id() const {
  for (const auto& dir : log_dirs_) {
    if (auto id = storage::LogManager::read_cluster_id(dir)) return *id;
  }
  if (config_.is_set("cluster.id")) return config_.get_string("cluster.id");
  return config::generate_cluster_id();
}

void BrokerApp::check_bootstrap_credentials(const std::filesystem::path& metadata_dir) const {
  const auto image = controller_->image();
  for (const auto& c : bootstrap_credentials_) {
    if (security::bootstrap_applied(*image, c)) continue;
    // The log was formatted earlier (records are only written on formatting): a credential that
    // differs must be changed through AlterUserScramCredentials, never silently by a restart.
    throw std::runtime_error("--add-scram: the metadata log in " + metadata_dir.string() +
                             " is already formatted and does not hold this " +
                             std::string(security::scram_mechanism_name(c.mechanism)) +
                             " credential for user '" + c.name +
                             "'; remove --add-scram/--add-scram-file or change the credential with "
                             "AlterUserScramCredentials");
  }
  if (!bootstrap_credentials_.empty()) {
    spdlog::info("event=bootstrap_credentials_present count={}", bootstrap_credentials_.size());
  }
}

void BrokerApp::start_admin_http() {
  admin_ctx_ = std::make_unique<admin_http::AdminContext>(config_, metrics_, readiness_, node_id_);
  admin_http::register_routes(admin_router_, *admin_ctx_);
  admin_http::AdminHttpOptions options;
  options.listeners = config_.admin_listeners();
  options.threads = config_.get_int("admin.http.threads");
  options.max_body_bytes = static_cast<size_t>(config_.get_int("admin.http.max.body.bytes"));
  options.request_timeout_ms = config_.get_int("admin.http.request.timeout.ms");
  options.tls = tls_->provider(std::string(config::kAdminHttpListener));
  admin_http::HttpAuthOptions auth;
  const std::string mode = config_.get_string("admin.http.authentication");
  const auto listeners = config_.listeners();
  const bool sasl_listener = std::any_of(listeners.begin(), listeners.end(), [](const auto& l) {
    const auto p = security::parse_security_protocol(l.security_protocol);
    return p && security::uses_sasl(*p);
  });
  auth.required =
      mode == "required" ||
      (mode == "auto" && (!config_.get_string("authorizer.class.name").empty() || sasl_listener));
  auth.open_routes = config_.get_list("admin.http.open.routes");
  auth.plain_users = server::admin_http_plain_users(config_, listeners);
  admin_auth_ = std::make_unique<admin_http::HttpAuth>(std::move(auth));
  spdlog::info("event=admin_http_security authentication={} open_routes={}",
               admin_auth_->required() ? "required" : "optional",
               fmt::join(config_.get_list("admin.http.open.routes"), ","));
  admin_http_ = std::make_unique<admin_http::AdminHttpServer>(options, admin_router_, readiness_,
                                                              *admin_auth_);
  admin_http_->start();
}

void BrokerApp::phase(const std::string& what) {
  readiness_.set_starting(what);
  if (status_sink_) status_sink_(what);
}

size_t BrokerApp::probe_event_loops(const std::function<void()>& probe) {
  return kafka_ ? kafka_->probe_network_threads(probe) : 0;
}

void BrokerApp::start() {
  // Opened first: an audit file that cannot be written stops startup, naming the key.
  audit_ = std::make_unique<security::AuditLog>(security::AuditLogOptions{
      config_.get_string("audit.log.file"), config_.get_long("audit.log.max.bytes"),
      config_.get_int("audit.log.max.files"), config_.get_bool("audit.log.stderr")});
  // Key and trust stores are read first, so a bad file or password fails fast.
  tls_ = std::make_unique<TlsListeners>(config_, metrics_);
  phase("starting the admin HTTP server");
  start_admin_http();
  const std::string cluster_id = resolve_cluster_id();
  const auto listeners = config_.listeners();
  for (const auto& l : listeners) {
    if (!security::parse_security_protocol(l.security_protocol)) {
      throw std::runtime_error("listeners: security protocol " + l.security_protocol + " of " +
                               l.name + " is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
    }
  }
  // Before anything starts: a SASL listener whose mechanisms or JAAS users we cannot serve stops
  // startup. SCRAM credentials come from the metadata image (credentials_).
  sasl_ = server::make_sasl_factory(config_, listeners, &credentials_);
  const auto advertised = config_.advertised_listeners();
  const std::string advertised_host =
      advertised.front().host.empty() || advertised.front().host == "0.0.0.0"
          ? "localhost"
          : advertised.front().host;

  // Storage first: recovery must finish before anything can read or write a partition.
  phase("recovering log dirs");
  storage::LogConfig defaults;
  defaults.segment_bytes = std::stoll(config_.topic_default("segment.bytes"));
  defaults.segment_ms = std::stoll(config_.topic_default("segment.ms"));
  defaults.index_interval_bytes = std::stoi(config_.topic_default("index.interval.bytes"));
  defaults.segment_index_bytes = std::stoi(config_.topic_default("segment.index.bytes"));
  defaults.retention_ms = std::stoll(config_.topic_default("retention.ms"));
  defaults.retention_bytes = std::stoll(config_.topic_default("retention.bytes"));
  defaults.file_delete_delay_ms = std::stoll(config_.topic_default("file.delete.delay.ms"));
  logs_ = std::make_unique<storage::LogManager>(log_dirs_, cluster_id, node_id_, defaults,
                                                config_.get_int("background.threads"),
                                                [this](const std::string& progress) {
                                                  if (status_sink_) status_sink_(progress);
                                                });
  // A dir taken offline by a failed write shows in the metrics, readiness and health overview.
  process_metrics_->set_offline_dirs_source([logs = logs_.get()] {
    std::vector<std::filesystem::path> out;
    for (const auto& [dir, error] : logs->offline_dirs()) out.push_back(dir);
    return out;
  });
  readiness_.set_log_dirs(
      [logs = logs_.get()] {
        std::vector<std::string> out;
        for (const auto& [dir, error] : logs->offline_dirs()) out.push_back(dir.string());
        return out;
      },
      log_dirs_.size());

  phase("loading cluster metadata");
  // Cluster metadata: a quorum of the configured voters (a quorum of one by default).
  cluster::QuorumOptions quorum_options;
  quorum_options.node_id = node_id_;
  quorum_options.cluster_id = cluster_id;
  quorum_options.data_dir =
      std::filesystem::absolute(config_.metadata_log_dir()) / "__cluster_metadata-0";
  std::filesystem::create_directories(quorum_options.data_dir);
  for (const auto& v : config_.quorum_voters()) {
    std::string address = v.host + ":" + std::to_string(v.port);
    quorum_options.voters[v.id] = address;
    if (v.id == node_id_) quorum_options.listen_address = address;
  }
  cluster::ControllerOptions controller_options;
  controller_options.default_num_partitions = config_.get_int("num.partitions");
  controller_options.default_replication_factor =
      static_cast<int16_t>(config_.get_int("default.replication.factor"));
  for (const auto& c : bootstrap_credentials_) {
    quorum_options.bootstrap_records.push_back(security::bootstrap_record(c));
  }
  controller_ = cluster::start_controller(quorum_options, controller_options);
  register_quorum_metrics();
  check_bootstrap_credentials(quorum_options.data_dir);

  cluster::BrokerRegistration registration;
  registration.id = node_id_;
  registration.host = advertised_host;
  registration.port = advertised.front().port;
  for (const auto& a : advertised) {
    const std::string host = a.host.empty() || a.host == "0.0.0.0" ? "localhost" : a.host;
    registration.endpoints.push_back({a.name, host, a.port});
  }
  std::promise<int16_t> registered;
  controller_->register_broker(registration,
                               [&registered](int16_t error) { registered.set_value(error); });
  if (int16_t error = registered.get_future().get(); error != 0) {
    throw std::runtime_error("broker registration failed with Kafka error " +
                             std::to_string(error));
  }

  // Metadata images reach the broker's state through one publisher thread, in offset order; the
  // quorum thread only hands them over. Images offered before start() wait for it.
  publisher_ = std::make_unique<cluster::MetadataPublisher>();
  controller_->on_image_change(
      [publisher = publisher_.get()](std::shared_ptr<const cluster::MetadataImage> image) {
        publisher->offer(std::move(image));
      });
  partitions_ = std::make_unique<server::PartitionManager>(*logs_, config_, node_id_);
  const auto initial_image = controller_->image();
  if (!config_.get_string("authorizer.class.name").empty()) {
    // Every spelling the key accepts means the built-in StandardAuthorizer. Its ACLs follow the
    // metadata log; the first subscriber, so an image is in force for ACLs before anything else.
    security::AuthorizerOptions options;
    options.super_users = security::parse_super_users(config_.get_string("super.users"));
    options.allow_everyone_if_no_acl_found = config_.get_bool("allow.everyone.if.no.acl.found");
    authorizer_ = std::make_unique<security::StandardAuthorizer>(std::move(options));
    authorizer_->update(*initial_image);
    publisher_->subscribe(
        "authorizer", [this](const cluster::MetadataImage& image) { authorizer_->update(image); });
  }
  partitions_->apply_image(*initial_image);
  partitions_->remove_orphans(*initial_image);
  publisher_->subscribe("partitions", [this](const cluster::MetadataImage& image) {
    partitions_->apply_image(image);
  });
  // Credentials first among the subscribers' readers: SASL lookups come from network threads.
  credentials_.update(*initial_image);
  publisher_->subscribe(
      "credentials", [this](const cluster::MetadataImage& image) { credentials_.update(image); });
  publisher_->start(initial_image);
  topics_ = std::make_unique<server::TopicService>(*controller_, *publisher_, config_);
  services_ = std::make_unique<server::Services>(
      server::Services{config_, *topics_, *partitions_, stats_, node_id_});
  services_->audit = audit_.get();
  phase("loading consumer groups");
  // Groups load from __consumer_offsets partitions this broker leads, before the listeners open.
  groups_ =
      std::make_unique<server::group::GroupCoordinator>(*topics_, *partitions_, config_, node_id_);
  groups_->start();
  services_->groups = groups_.get();
  producer_ids_ = std::make_unique<server::ProducerIdAllocator>(
      [controller = controller_.get()](int32_t count, auto done) {
        controller->allocate_producer_ids(count, std::move(done));
      });
  services_->producer_ids = producer_ids_.get();
  configs_ = std::make_unique<server::ConfigService>(*controller_, *publisher_, config_, node_id_);
  services_->configs = configs_.get();
  users_ = std::make_unique<server::UserService>(*controller_, *publisher_);
  services_->users = users_.get();
  services_->credentials = &credentials_;
  produce_ = std::make_unique<server::ProduceService>(*topics_, *partitions_);
  services_->produce = produce_.get();
  services_->sasl = sasl_.get();
  if (authorizer_) {
    acls_ = std::make_unique<server::AclService>(*controller_, *publisher_);
    services_->authorizer = authorizer_.get();
    services_->acls = acls_.get();
  }
  register_service_metrics();
  if (config_.get_bool("log.cleaner.enable")) start_cleaner();

  phase("opening the Kafka listeners");
  std::vector<server::ListenerSpec> specs;
  for (const auto& l : listeners) {
    specs.push_back({l.name, l.host, l.port, "listeners",
                     *security::parse_security_protocol(l.security_protocol),
                     tls_->provider(l.name)});
  }
  const auto view = server::effective_config(config_, *controller_->image(), node_id_);
  server::NetworkSettings network;
  network.threads = view.get_int("num.network.threads");
  network.max_request_bytes = config_.get_int("socket.request.max.bytes");
  network.queued_max_request_bytes = config_.get_long("queued.max.request.bytes");
  network.queued_max_requests = config_.get_int("queued.max.requests");
  network.idle_timeout = std::chrono::milliseconds(config_.get_long("connections.max.idle.ms"));
  network.request_timeout = std::chrono::milliseconds(config_.get_int("request.timeout.ms"));
  network.limits = connection_limits(view);
  network.sasl = server::sasl_settings(config_);
  kafka_ = std::make_unique<server::KafkaServer>(*services_, specs, network);
  kafka_->start();
  tls_->start();
  watch_dynamic_configs();
  housekeeping_ = std::thread([this] { run_housekeeping(); });
  started_ = true;
  admin_ctx_->cluster_id = cluster_id;
  admin_ctx_->audit = audit_.get();
  process_metrics_->set_cluster_id(cluster_id);
  admin_ctx_->topics = topics_.get();
  admin_ctx_->configs = configs_.get();
  admin_ctx_->users = users_.get();
  admin_ctx_->partitions = partitions_.get();
  admin_ctx_->groups = groups_.get();
  admin_ctx_->produce = produce_.get();
  admin_ctx_->acls = acls_.get();
  admin_auth_->set_services(&credentials_, authorizer_.get(), audit_.get(),
                            kafka_metrics_->network.get());
  readiness_.set_ready();

  std::string where;
  for (size_t i = 0; i < listeners.size(); ++i) {
    where += (i ? "," : "") + listeners[i].name + "://" + listeners[i].host + ":" +
             std::to_string(kafka_->bound_port(i));
  }
  std::string dirs;
  for (const auto& d : log_dirs_) dirs += (dirs.empty() ? "" : ",") + d.string();
  std::string admin;
  const auto admin_listeners = config_.admin_listeners();
  const auto admin_ports = admin_http_->bound_ports();
  for (size_t i = 0; i < admin_listeners.size() && i < admin_ports.size(); ++i) {
    admin += (i ? "," : "") + admin_listeners[i].scheme + "://" + admin_listeners[i].host + ":" +
             std::to_string(admin_ports[i]);
  }
  spdlog::info("event=broker_started node_id={} cluster_id={} listeners={} admin={} log_dirs={}",
               node_id_, cluster_id, where, admin.empty() ? "disabled" : admin, dirs);
}

void BrokerApp::run_housekeeping() {
  const auto interval =
      std::chrono::milliseconds(config_.get_long("log.flush.offset.checkpoint.interval.ms"));
  auto next_checkpoint = std::chrono::steady_clock::now() + interval;
  const auto retention_interval =
      std::chrono::milliseconds(config_.get_long("log.retention.check.interval.ms"));
  auto next_retention = std::chrono::steady_clock::now() + retention_interval;
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_) break;
    lock.unlock();
    try {
      partitions_->roll_due_segments();
      if (std::chrono::steady_clock::now() >= next_retention) {
        partitions_->enforce_retention();
        next_retention = std::chrono::steady_clock::now() + retention_interval;
      }
      partitions_->delete_due_files();
      if (std::chrono::steady_clock::now() >= next_checkpoint) {
        partitions_->checkpoint();
        next_checkpoint = std::chrono::steady_clock::now() + interval;
      }
    } catch (const std::exception& e) {
      spdlog::error("event=housekeeping_failed error=\"{}\"", e.what());
    }
    lock.lock();
  }
}

void BrokerApp::start_cleaner() {
  // Topic configs and dynamic broker defaults are read from the current image on every pass.
  auto policy_for =
      [this](const storage::TopicPartition& tp) -> std::optional<storage::CompactionPolicy> {
    auto image = controller_->image();
    const cluster::TopicState* topic = image->topic(tp.topic);
    if (!topic) return std::nullopt;
    auto value = [&](const char* key) {
      return server::resolve_topic_config(config_, *image, node_id_, topic, key);
    };
    if (value("cleanup.policy").find("compact") == std::string::npos) return std::nullopt;
    storage::CompactionPolicy p;
    p.min_cleanable_dirty_ratio = std::stod(value("min.cleanable.dirty.ratio"));
    p.min_compaction_lag_ms = std::stoll(value("min.compaction.lag.ms"));
    p.max_compaction_lag_ms = std::stoll(value("max.compaction.lag.ms"));
    p.delete_retention_ms = std::stoll(value("delete.retention.ms"));
    return p;
  };
  const auto cc =
      cleaner_config(server::effective_config(config_, *controller_->image(), node_id_));
  cleaner_ = std::make_unique<storage::LogCleaner>(*logs_, cc, policy_for);
  cleaner_->start();
  register_log_maintenance_metrics();
  spdlog::info(
      "event=cleaner_started threads={} dedupe_buffer_bytes={} io_max_bytes_per_second={} "
      "backoff_ms={}",
      cc.threads, cc.dedupe_buffer_bytes, cc.io_max_bytes_per_second, cc.backoff_ms);
}

void BrokerApp::watch_dynamic_configs() {
  // Dynamic broker configs reach what was built from the static config. Topic-level defaults
  // need nothing here: the PartitionManager and the cleaner resolve them per image.
  dynamic_ = std::make_unique<server::DynamicBrokerConfig>(config_, node_id_);
  if (cleaner_) {
    dynamic_->subscribe<storage::CleanerConfig>(
        cleaner_config, [this](const storage::CleanerConfig& cc) { cleaner_->reconfigure(cc); });
  }
  dynamic_->subscribe<int>(
      [](const config::EffectiveConfig& view) { return view.get_int("num.network.threads"); },
      [this](const int& threads) {
        if (threads != kafka_->network_threads()) kafka_->resize_network_threads(threads);
      });
  dynamic_->subscribe<server::network::ConnectionLimits>(
      connection_limits, [this](const server::network::ConnectionLimits& limits) {
        kafka_->set_connection_limits(limits);
      });
  // On the publisher thread: resizing the network pool joins threads, which the quorum thread
  // must never wait for.
  publisher_->subscribe("dynamic-broker-configs", [this](const cluster::MetadataImage& image) {
    dynamic_->apply_image(image);
  });
  dynamic_->apply_image(*publisher_->latest());
}

void BrokerApp::apply_reloaded_config() {
  // The same image again: its offset is not older than the last applied, so subscribers re-read
  // the view and act on what changed.
  if (dynamic_ && publisher_) dynamic_->apply_image(*publisher_->latest());
}

void BrokerApp::reload_tls() {
  if (tls_) tls_->reload();
  // OAUTHBEARER JWKS files are re-read on the same signal (and when they change).
  if (sasl_) sasl_->reload_jwks();
}

void BrokerApp::stop() {
  // Routes call into the services below; stop serving HTTP before any of them goes away.
  readiness_.set_stopping();
  if (admin_http_) admin_http_->stop();
  if (!started_) return;
  started_ = false;
  spdlog::info("event=broker_stopping node_id={}", node_id_);
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
  if (cleaner_) cleaner_->stop();
  // Groups first: their waiting JoinGroup/SyncGroup requests are answered while connections live.
  groups_->stop();
  // No image may be applied while the listeners (a dynamic num.network.threads resizes them) and
  // the partitions shut down. Requests still waiting for an image are answered now.
  publisher_->stop();
  kafka_->stop();
  tls_.reset();
  partitions_->shutdown();
  controller_->stop();
  controller_.reset();
  spdlog::info("event=broker_stopped node_id={}", node_id_);
}

}  // namespace samsa::broker
