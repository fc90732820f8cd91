#include "server/request_context.h"

#include "protocol/messages/api_registry.h"
#include "security/acl/acl_rules.h"

namespace samsa::server {

bool RequestContext::authorized(security::AclOperation operation, security::ResourceType type,
                                std::string name) const {
  if (services.authorizer == nullptr) return true;
  security::Action action{operation, type, std::move(name)};
  if (services.authorizer->authorize(session, action)) return true;
  if (services.audit != nullptr && services.audit->enabled()) {
    security::AuditEvent e;
    e.kind = security::AuditEvent::Kind::kAuthorization;
    e.principal = session.principal.to_string();
    e.client = session.client_host;
    e.listener = session.listener;
    const auto* api = protocol::find_api(header.api_key);
    e.api = api != nullptr ? api->name : std::to_string(header.api_key);
    e.resource = std::string(security::name_of(type)) + ":" + action.resource_name;
    e.operation = security::name_of(operation);
    e.result = "denied";
    services.audit->record(e);
  }
  return false;
}

}  // namespace samsa::server
