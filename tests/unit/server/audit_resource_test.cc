// How change events in the audit log name their resources: the forms docs/security.md lists and
// operators grep for, shared with the denials' "TOPIC:orders".
#include <gtest/gtest.h>

#include "server/handlers/acl_common.h"
#include "server/handlers/alter_configs_common.h"
#include "server/request_context.h"

namespace samsa::server {
namespace {

TEST(AuditResource, TypeAndNameAsDenialsWriteThem) {
  EXPECT_EQ(audit_resource(security::ResourceType::kTopic, "orders"), "TOPIC:orders");
  EXPECT_EQ(audit_resource(security::ResourceType::kGroup, "g1"), "GROUP:g1");
  EXPECT_EQ(audit_resource(security::ResourceType::kUser, "alice"), "USER:alice");
  EXPECT_EQ(audit_resource(security::ResourceType::kCluster, security::kClusterResourceName),
            "CLUSTER:kafka-cluster");
}

TEST(AuditResource, ConfigResourcesByWireType) {
  EXPECT_EQ(config_audit_resource(2, "orders"), "TOPIC:orders");
  EXPECT_EQ(config_audit_resource(4, "1"), "BROKER:1");
  EXPECT_EQ(config_audit_resource(4, ""), "BROKER:");
  EXPECT_EQ(config_audit_resource(8, "1"), "BROKER_LOGGER:1");
  EXPECT_EQ(config_audit_resource(16, "m"), "CLIENT_METRICS:m");
  EXPECT_EQ(config_audit_resource(32, "g1"), "GROUP:g1");
  EXPECT_EQ(config_audit_resource(7, "x"), "UNKNOWN(7):x");
}

TEST(AuditResource, AclBindingPatternThenEntry) {
  security::AclBinding b;
  b.resource_type = security::ResourceType::kTopic;
  b.resource_name = "orders";
  b.pattern_type = security::PatternType::kLiteral;
  b.principal = "User:alice";
  b.operation = security::AclOperation::kRead;
  b.permission = security::AclPermissionType::kAllow;
  EXPECT_EQ(acl_audit_resource(b), "ACL:TOPIC:LITERAL:orders:User:alice:*:READ:ALLOW");
  b.resource_type = security::ResourceType::kGroup;
  b.pattern_type = security::PatternType::kPrefixed;
  b.resource_name = "app-";
  b.host = "10.0.0.1";
  b.operation = security::AclOperation::kDescribeConfigs;
  b.permission = security::AclPermissionType::kDeny;
  EXPECT_EQ(acl_audit_resource(b),
            "ACL:GROUP:PREFIXED:app-:User:alice:10.0.0.1:DESCRIBE_CONFIGS:DENY");
}

TEST(AuditResource, AclFilterEmptyFieldsReadAny) {
  security::AclBindingFilter f;
  f.principal = "User:bob";
  EXPECT_EQ(acl_audit_resource(f), "ACL:ANY:ANY:ANY:User:bob:ANY:ANY:ANY");
}

}  // namespace
}  // namespace samsa::server
