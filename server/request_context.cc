#include "server/request_context.h"

#include "protocol/error_codes.h"
#include "protocol/messages/api_registry.h"
#include "security/acl/acl_rules.h"

namespace samsa::server {
namespace {

// Who asked, from where, with which API: what every audit line of a request shares.
security::AuditEvent request_event(const RequestContext& ctx, security::AuditEvent::Kind kind) {
  security::AuditEvent e;
  e.kind = kind;
  e.principal = ctx.session.principal.to_string();
  e.client = ctx.session.client_host;
  e.listener = ctx.session.listener;
  const auto* api = protocol::find_api(ctx.header.api_key);
  e.api = api != nullptr ? api->name : std::to_string(ctx.header.api_key);
  return e;
}

}  // namespace

std::string audit_resource(security::ResourceType type, std::string_view name) {
  std::string out = security::name_of(type);
  out += ':';
  out += name;
  return out;
}

bool RequestContext::authorized(security::AclOperation operation, security::ResourceType type,
                                std::string name) const {
  if (services.authorizer == nullptr) return true;
  security::Action action{operation, type, std::move(name)};
  if (services.authorizer->authorize(session, action)) return true;
  if (auditing()) {
    auto e = request_event(*this, security::AuditEvent::Kind::kAuthorization);
    e.resource = audit_resource(type, action.resource_name);
    e.operation = security::name_of(operation);
    e.result = "denied";
    services.audit->record(e);
  }
  return false;
}

void RequestContext::audit_change(const std::string& resource, std::string_view operation,
                                  int16_t error_code, std::string_view message) const {
  if (!auditing()) return;
  const std::string_view error = protocol::error_name(error_code);
  if (error_code != 0 && error.ends_with("_AUTHORIZATION_FAILED")) return;
  auto e = request_event(*this, security::AuditEvent::Kind::kChange);
  e.resource = resource;
  e.operation = operation;
  if (error_code == 0) {
    e.result = "success";
  } else {
    e.result = "failure";
    e.reason = error;
    if (!message.empty()) {
      e.reason += ": ";
      e.reason += message;
    }
  }
  services.audit->record(e);
}

}  // namespace samsa::server
