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
  const int16_t gate = acl_api_gate(ctx, security::AclOperation::kAlter);
  if (gate != 0 || ctx.services.acls == nullptr) {
    for (size_t i = 0; i < request.creations.size(); ++i) {
      Response::AclCreationResult r;
      r.error_code =
          gate != 0 ? gate : static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled);
      r.error_message = acl_gate_message(r.error_code);
      response.results.push_back(std::move(r));
    }
    response.encode(ctx.response, ctx.version());
    co_return;
  }
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
  auto* acls = ctx.services.acls;
  auto results = co_await await_callback<std::vector<AclCreateResult>>(
      [&](auto done) { acls->create(std::move(bindings), std::move(done)); });
  for (const auto& res : results) {
    Response::AclCreationResult r;
    r.error_code = res.error_code;
    r.error_message = null_if_empty(res.error_message);
    response.results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
