#include "protocol/messages/delete_acls_request.h"
#include "protocol/messages/delete_acls_response.h"
#include "server/acl_service.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/handlers/acl_common.h"

namespace samsa::server {

asio::awaitable<void> handle_delete_acls(RequestContext& ctx) {
  using Response = protocol::DeleteAclsResponse;
  protocol::DeleteAclsRequest request;
  request.decode(ctx.body, ctx.version());
  Response response;
  const int16_t gate = acl_api_gate(ctx, security::AclOperation::kAlter);
  if (gate != 0 || ctx.services.acls == nullptr) {
    for (size_t i = 0; i < request.filters.size(); ++i) {
      Response::DeleteAclsFilterResult r;
      r.error_code =
          gate != 0 ? gate : static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled);
      r.error_message = acl_gate_message(r.error_code);
      response.filter_results.push_back(std::move(r));
    }
    response.encode(ctx.response, ctx.version());
    co_return;
  }
  std::vector<security::AclBindingFilter> filters;
  for (const auto& f : request.filters) filters.push_back(filter_from_wire(f));
  auto* acls = ctx.services.acls;
  auto results = co_await await_callback<std::vector<AclDeleteResult>>(
      [&](auto done) { acls->remove(std::move(filters), std::move(done)); });
  for (const auto& res : results) {
    Response::DeleteAclsFilterResult r;
    r.error_code = res.error_code;
    r.error_message = null_if_empty(res.error_message);
    for (const auto& b : res.matched) {
      Response::DeleteAclsMatchingAcl m;
      m.error_message = std::nullopt;
      m.resource_type = static_cast<int8_t>(b.resource_type);
      m.resource_name = b.resource_name;
      m.pattern_type = static_cast<int8_t>(b.pattern_type);
      m.principal = b.principal;
      m.host = b.host;
      m.operation = static_cast<int8_t>(b.operation);
      m.permission_type = static_cast<int8_t>(b.permission);
      r.matching_acls.push_back(std::move(m));
    }
    response.filter_results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
