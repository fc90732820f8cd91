#pragma once
// The per-API authorization rules handlers share (../shared/notes/security.md §5.4/§5.5), so each
// handler asks one question and the Kafka semantics live here: authorization always comes before
// existence, and the error codes are Kafka's.
#include <cstdint>
#include <string>

#include "protocol/error_codes.h"
#include "security/authorized_operations.h"
#include "server/request_context.h"

namespace samsa::server {

inline constexpr int16_t kTopicAuthorizationFailed =
    static_cast<int16_t>(protocol::ErrorCode::kTopicAuthorizationFailed);
inline constexpr int16_t kGroupAuthorizationFailed =
    static_cast<int16_t>(protocol::ErrorCode::kGroupAuthorizationFailed);
inline constexpr int16_t kClusterAuthorizationFailed =
    static_cast<int16_t>(protocol::ErrorCode::kClusterAuthorizationFailed);

inline bool topic_allowed(const RequestContext& ctx, security::AclOperation op,
                          const std::string& topic) {
  return ctx.authorized(op, security::ResourceType::kTopic, topic);
}
inline bool group_allowed(const RequestContext& ctx, security::AclOperation op,
                          const std::string& group) {
  return ctx.authorized(op, security::ResourceType::kGroup, group);
}
inline bool cluster_allowed(const RequestContext& ctx, security::AclOperation op) {
  return ctx.authorized(op, security::ResourceType::kCluster, security::kClusterResourceName);
}
// CreateTopics and Metadata auto-creation: CREATE on the cluster, else CREATE on the topic.
inline bool may_create_topic(const RequestContext& ctx, const std::string& topic) {
  return cluster_allowed(ctx, security::AclOperation::kCreate) ||
         topic_allowed(ctx, security::AclOperation::kCreate, topic);
}
// Describe/Alter/IncrementalAlterConfigs: `op` (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the cluster
// for broker, broker-logger and client-metrics resources, on the topic or on the group; returns
// the matching *_AUTHORIZATION_FAILED, or 0 (also for types the config service rejects itself).
inline int16_t config_resource_denied(const RequestContext& ctx, int8_t resource_type,
                                      const std::string& name, security::AclOperation op) {
  switch (resource_type) {
    case 2:  // TOPIC
      return topic_allowed(ctx, op, name) ? 0 : kTopicAuthorizationFailed;
    case 32:  // GROUP
      return group_allowed(ctx, op, name) ? 0 : kGroupAuthorizationFailed;
    case 4:   // BROKER
    case 8:   // BROKER_LOGGER
    case 16:  // CLIENT_METRICS
      return cluster_allowed(ctx, op) ? 0 : kClusterAuthorizationFailed;
    default:
      return 0;
  }
}

// The authorized-operations bitfield of one resource.
inline int32_t authorized_ops(const RequestContext& ctx, security::ResourceType type,
                              const std::string& name) {
  return security::authorized_operations(ctx.services.authorizer, ctx.session, type, name);
}

}  // namespace samsa::server
