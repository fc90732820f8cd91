#pragma once
// The one place access is decided, for the Kafka API handlers and the REST routes alike
// (DESIGN.md §13: nothing else decides access). Kafka's StandardAuthorizer semantics
// (../shared/notes/security.md §5.3).
#include <string>

#include "security/acl/acl.h"
#include "security/session.h"

namespace samsa::security {

// What a request wants to do: `operation` on the resource of `resource_type` named
// `resource_name` (a literal name; "kafka-cluster" for the cluster).
struct Action {
  AclOperation operation;
  ResourceType resource_type;
  std::string resource_name;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual bool authorize(const Session& session, const Action& action) const = 0;
  // Kafka's authorizeByResourceType: may `session` do `operation` on at least one resource of
  // `type` (InitProducerId without a transactional id asks this for WRITE on TOPIC).
  virtual bool authorize_any(const Session& session, AclOperation operation,
                             ResourceType type) const = 0;
};

}  // namespace samsa::security
