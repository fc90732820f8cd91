#include "protocol/messages/delete_groups_request.h"
#include "protocol/messages/delete_groups_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_delete_groups(RequestContext& ctx) {
  protocol::DeleteGroupsRequest request;
  request.decode(ctx.body, ctx.version());
  // DELETE on each group; only the authorized ones reach the coordinator.
  std::vector<std::string> allowed, denied;
  for (const auto& id : request.groups_names) {
    (group_allowed(ctx, security::AclOperation::kDelete, id) ? allowed : denied).push_back(id);
  }
  auto* groups = ctx.services.groups;
  std::vector<int16_t> errors;
  if (!allowed.empty()) {
    errors = co_await await_callback<std::vector<int16_t>>(
        [&](auto done) { groups->delete_groups(allowed, std::move(done)); });
  }
  protocol::DeleteGroupsResponse response;
  for (size_t i = 0; i < allowed.size() && i < errors.size(); ++i) {
    protocol::DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = allowed[i];
    r.error_code = errors[i];
    ctx.audit_change(audit_resource(security::ResourceType::kGroup, r.group_id), "DELETE",
                     r.error_code);
    response.results.push_back(std::move(r));
  }
  for (const auto& id : denied) {
    protocol::DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = id;
    r.error_code = kGroupAuthorizationFailed;
    response.results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
