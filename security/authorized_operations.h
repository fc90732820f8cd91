#pragma once
// Kafka's authorized-operations bitfields (Metadata, DescribeGroups, DescribeCluster): bit `code`
// is set for every operation supported on the resource type that the session may do. Without an
// authorizer every supported operation is set, as in Kafka (AuthHelper.authorizedOperations).
#include <cstdint>
#include <string>

#include "security/acl/acl_rules.h"
#include "security/authorizer.h"

namespace samsa::security {

inline int32_t authorized_operations(const Authorizer* authorizer, const Session& session,
                                     ResourceType type, const std::string& name) {
  int32_t bits = 0;
  for (AclOperation op : supported_operations(type)) {
    if (authorizer == nullptr || authorizer->authorize(session, {op, type, name})) {
      bits |= int32_t{1} << static_cast<int>(op);
    }
  }
  return bits;
}

}  // namespace samsa::security
