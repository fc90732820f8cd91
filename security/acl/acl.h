#pragma once
// Kafka's ACL vocabulary. The enum values are the wire codes (CreateAcls, DescribeAcls,
// DeleteAcls, the metadata records), so they are never renumbered.
#include <cstdint>
#include <string>

namespace samsa::security {

enum class ResourceType : int8_t {
  kUnknown = 0,
  kAny = 1,
  kTopic = 2,
  kGroup = 3,
  kCluster = 4,
  kTransactionalId = 5,
  kDelegationToken = 6,
  kUser = 7,
};
enum class PatternType : int8_t { kUnknown = 0, kAny = 1, kMatch = 2, kLiteral = 3, kPrefixed = 4 };
enum class AclOperation : int8_t {
  kUnknown = 0,
  kAny = 1,
  kAll = 2,
  kRead = 3,
  kWrite = 4,
  kCreate = 5,
  kDelete = 6,
  kAlter = 7,
  kDescribe = 8,
  kClusterAction = 9,
  kDescribeConfigs = 10,
  kAlterConfigs = 11,
  kIdempotentWrite = 12,
  kCreateTokens = 13,
  kDescribeTokens = 14,
};
enum class AclPermissionType : int8_t { kUnknown = 0, kAny = 1, kDeny = 2, kAllow = 3 };

inline constexpr const char* kClusterResourceName = "kafka-cluster";
inline constexpr const char* kWildcardResource = "*";
inline constexpr const char* kWildcardPrincipal = "User:*";
inline constexpr const char* kWildcardHost = "*";

// One ACL: `principal` may (ALLOW) or may not (DENY) do `operation` on the resources that
// (resource_type, pattern_type, resource_name) names, from `host`.
struct AclBinding {
  ResourceType resource_type = ResourceType::kUnknown;
  std::string resource_name;
  PatternType pattern_type = PatternType::kLiteral;
  std::string principal;  // "User:alice", "User:*"
  std::string host = kWildcardHost;
  AclOperation operation = AclOperation::kUnknown;
  AclPermissionType permission = AclPermissionType::kUnknown;
  bool operator==(const AclBinding&) const = default;
};

}  // namespace samsa::security
