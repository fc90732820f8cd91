#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/sync_group_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_sync_group(RequestContext& ctx) {
  protocol::SyncGroupRequest request;
  request.decode(ctx.body, ctx.version());
  if (!group_allowed(ctx, security::AclOperation::kRead, request.group_id)) {
    protocol::SyncGroupResponse denied;
    denied.error_code = kGroupAuthorizationFailed;
    denied.encode(ctx.response, ctx.version());
    co_return;
  }
  group::SyncParams params;
  params.member_id = request.member_id;
  params.group_instance_id = request.group_instance_id;
  params.generation = request.generation_id;
  params.protocol_type = request.protocol_type;
  params.protocol_name = request.protocol_name;
  for (auto& a : request.assignments) {
    params.assignments.emplace_back(a.member_id, std::move(a.assignment));
  }
  ctx.park();  // the leader's assignment may take a while
  auto* groups = ctx.services.groups;
  auto result = co_await await_callback<group::SyncResult>(
      [&](auto done) { groups->sync_group(request.group_id, std::move(params), std::move(done)); });
  protocol::SyncGroupResponse response;
  response.error_code = result.error;
  response.protocol_type = result.protocol_type;
  response.protocol_name = result.protocol_name;
  response.assignment = std::move(result.assignment);
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
