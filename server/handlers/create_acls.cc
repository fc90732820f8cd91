#include "protocol/messages/create_acls_request.h"
#include "protocol/messages/create_acls_response.h"
#include "server/acl_service.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/handlers/acl_common.h"

namespace samsa::server {

asio::awaitable<void> handle_create_acls(RequestContext& ctx) {
  using Response = protocol::CreateAclsResponse;
  protocol::CreateAclsRequest request;
  request.decode(ctx.body, ctx.version());
  Response response;
  std::vector<security::AclBinding> bindings;
  for (const auto& c : request.creations) {
    security::AclBinding b;
    b.resource_type = security::resource_type_from_code(c.resource_type);
    b.resource_name = c.resource_name;
    b.pattern_type = security::pattern_type_from_code(c.resource_pattern_type);
    b.principal = c.principal;
    b.host = c.host;
    b.operation = security::operation_from_code(c.operation);
    b.permission = security::permission_from_code(c.permission_type);
    bindings.push_back(std::move(b));
  }
  const int16_t gate = acl_api_gate(ctx, security::AclOperation::kAlter);
  if (gate != 0 || ctx.services.acls == nullptr) {
    for (const auto& b : bindings) {
      Response::AclCreationResult r;
      r.error_code =
          gate != 0 ? gate : static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled);
      r.error_message = acl_gate_message(r.error_code);
      ctx.audit_change(acl_audit_resource(b), "CREATE", r.error_code, *r.error_message);
      response.results.push_back(std::move(r));
    }
    response.encode(ctx.response, ctx.version());
    co_return;
  }
  auto* acls = ctx.services.acls;
  // The service answers one result per binding, in order; the copy names them in the audit log.
  auto results = co_await await_callback<std::vector<AclCreateResult>>(
      [&](auto done) { acls->create(bindings, std::move(done)); });
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& res = results[i];
    if (i < bindings.size()) {
      ctx.audit_change(acl_audit_resource(bindings[i]), "CREATE", res.error_code,
                       res.error_message);
    }
    Response::AclCreationResult r;
    r.error_code = res.error_code;
    r.error_message = null_if_empty(res.error_message);
    response.results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
