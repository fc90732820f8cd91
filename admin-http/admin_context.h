#pragma once
// What admin routes may use: the same services the Kafka API handlers call (DESIGN §10), plus the
// metric registry and readiness. The service pointers are null until the broker is ready; routes
// not marked available_while_starting are only called once it is.
#include <cstdint>
#include <string>

#include "admin-http/readiness.h"
#include "config/broker_config.h"
#include "metrics/metrics_registry.h"
#include "security/audit_log.h"

namespace samsa::server {
class TopicService;
class ConfigService;
class PartitionManager;
class ProduceService;
class UserService;
class AclService;
namespace group {
class GroupCoordinator;
}
}  // namespace samsa::server

namespace samsa::admin_http {

struct AdminContext {
  AdminContext(const config::BrokerConfig& c, metrics::MetricsRegistry& m, Readiness& r,
               int32_t node)
      : config(c), metrics(m), readiness(r), node_id(node) {}

  const config::BrokerConfig& config;
  metrics::MetricsRegistry& metrics;
  Readiness& readiness;
  int32_t node_id = 0;
  // Set by the composition root before readiness.set_ready().
  std::string cluster_id;
  server::TopicService* topics = nullptr;
  server::ConfigService* configs = nullptr;
  server::PartitionManager* partitions = nullptr;
  server::group::GroupCoordinator* groups = nullptr;
  server::ProduceService* produce = nullptr;
  // The same audit log the Kafka API writes to.
  security::AuditLog* audit = nullptr;
  server::UserService* users = nullptr;
  // Null when no authorizer is configured (the ACL routes answer that security is disabled).
  server::AclService* acls = nullptr;
};

}  // namespace samsa::admin_http
