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
  std::vector<security::AclBindingFilter> filters;
  for (const auto& f : request.filters) filters.push_back(filter_from_wire(f));
  const int16_t gate = acl_api_gate(ctx, security::AclOperation::kAlter);
  if (gate != 0 || ctx.services.acls == nullptr) {
    for (const auto& f : filters) {
      Response::DeleteAclsFilterResult r;
      r.error_code =
          gate != 0 ? gate : static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled);
      r.error_message = acl_gate_message(r.error_code);
      ctx.audit_change(acl_audit_resource(f), "DELETE", r.error_code, *r.error_message);
      response.filter_results.push_back(std::move(r));
    }
    response.encode(ctx.response, ctx.version());
    co_return;
  }
  auto* acls = ctx.services.acls;
  // The service answers one result per filter, in order; the copy names failed ones in the log.
  auto results = co_await await_callback<std::vector<AclDeleteResult>>(
      [&](auto done) { acls->remove(filters, std::move(done)); });
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& res = results[i];
    // A failed filter is one failed change; a filter that worked changed each ACL it removed
    // (and nothing, if it matched none).
    if (res.error_code != 0 && i < filters.size()) {
      ctx.audit_change(acl_audit_resource(filters[i]), "DELETE", res.error_code, res.error_message);
    }
    Response::DeleteAclsFilterResult r;
    r.error_code = res.error_code;
    r.error_message = null_if_empty(res.error_message);
    for (const auto& b : res.matched) {
      ctx.audit_change(acl_audit_resource(b), "DELETE", 0);
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
