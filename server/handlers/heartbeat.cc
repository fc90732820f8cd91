#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_heartbeat(RequestContext& ctx) {
  protocol::HeartbeatRequest request;
  request.decode(ctx.body, ctx.version());
  if (!group_allowed(ctx, security::AclOperation::kRead, request.group_id)) {
    protocol::HeartbeatResponse denied;
    denied.error_code = kGroupAuthorizationFailed;
    denied.encode(ctx.response, ctx.version());
    co_return;
  }
  auto* groups = ctx.services.groups;
  const int16_t error = co_await await_callback<int16_t>([&](auto done) {
    groups->heartbeat(request.group_id, request.member_id, request.group_instance_id,
                      request.generation_id, std::move(done));
  });
  protocol::HeartbeatResponse response;
  response.error_code = error;
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
