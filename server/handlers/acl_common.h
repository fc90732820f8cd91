#pragma once
// What the three ACL APIs share: the messages Kafka answers with when no authorizer is configured
// or the caller may not touch ACLs, and the wire <-> filter conversion (AclApis.scala).
#include <optional>
#include <string>

#include "protocol/error_codes.h"
#include "security/acl/acl_rules.h"
#include "server/request_context.h"

namespace samsa::server {

inline constexpr const char* kNoAuthorizerMessage = "No Authorizer is configured.";
inline constexpr const char* kClusterAuthorizationMessage = "Cluster authorization failed.";

// SECURITY_DISABLED without an authorizer, CLUSTER_AUTHORIZATION_FAILED without `op` on the
// cluster, else 0. Kafka checks the cluster permission first; without an authorizer it passes.
inline int16_t acl_api_gate(const RequestContext& ctx, security::AclOperation op) {
  if (!ctx.authorized(op, security::ResourceType::kCluster, security::kClusterResourceName)) {
    return static_cast<int16_t>(protocol::ErrorCode::kClusterAuthorizationFailed);
  }
  if (ctx.services.authorizer == nullptr) {
    return static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled);
  }
  return 0;
}

inline std::string acl_gate_message(int16_t error) {
  return error == static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled)
             ? kNoAuthorizerMessage
             : kClusterAuthorizationMessage;
}

// DescribeAcls and DeleteAcls carry the same filter fields.
template <typename Wire>
security::AclBindingFilter filter_from_wire(const Wire& w) {
  security::AclBindingFilter f;
  f.resource_type = security::resource_type_from_code(w.resource_type_filter);
  f.resource_name = w.resource_name_filter;
  f.pattern_type = security::pattern_type_from_code(w.pattern_type_filter);
  f.principal = w.principal_filter;
  f.host = w.host_filter;
  f.operation = security::operation_from_code(w.operation);
  f.permission = security::permission_from_code(w.permission_type);
  return f;
}

inline std::string acl_audit_resource(const security::AclBinding& b) {
  return security::acl_audit_name(b);
}

// A DeleteAcls filter that failed as a whole, the same way; a null field (any) reads "ANY".
inline std::string acl_audit_resource(const security::AclBindingFilter& f) {
  security::AclBinding b;
  b.resource_type = f.resource_type;
  b.resource_name = f.resource_name.value_or("ANY");
  b.pattern_type = f.pattern_type;
  b.principal = f.principal.value_or("ANY");
  b.host = f.host.value_or("ANY");
  b.operation = f.operation;
  b.permission = f.permission;
  return acl_audit_resource(b);
}

inline std::optional<std::string> null_if_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace samsa::server
