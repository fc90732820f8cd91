#include "protocol/messages/join_group_request.h"
#include "protocol/messages/join_group_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {
namespace {

// Kafka reports client hosts as "/<address>", without the port.
std::string client_host_of(const std::string& peer) {
  auto colon = peer.rfind(':');
  return "/" + (colon == std::string::npos ? peer : peer.substr(0, colon));
}

}  // namespace

asio::awaitable<void> handle_join_group(RequestContext& ctx) {
  protocol::JoinGroupRequest request;
  request.decode(ctx.body, ctx.version());
  if (!group_allowed(ctx, security::AclOperation::kRead, request.group_id)) {
    protocol::JoinGroupResponse denied;
    denied.error_code = kGroupAuthorizationFailed;
    denied.generation_id = -1;
    denied.member_id = request.member_id;
    denied.encode(ctx.response, ctx.version());
    co_return;
  }
  group::JoinParams params;
  params.member_id = request.member_id;
  params.group_instance_id = request.group_instance_id;
  params.client_id = ctx.header.client_id.value_or("");
  params.client_host = client_host_of(ctx.peer);
  params.session_timeout_ms = request.session_timeout_ms;
  // v0 has no rebalance timeout; Kafka then uses the session timeout.
  params.rebalance_timeout_ms =
      request.rebalance_timeout_ms >= 0 ? request.rebalance_timeout_ms : request.session_timeout_ms;
  params.protocol_type = request.protocol_type;
  for (auto& p : request.protocols) params.protocols.push_back({p.name, std::move(p.metadata)});
  params.require_known_member_id = ctx.version() >= 4;

  ctx.park();  // the join waits for the whole group, up to the rebalance timeout
  auto* groups = ctx.services.groups;
  auto result = co_await await_callback<group::JoinResult>(
      [&](auto done) { groups->join_group(request.group_id, std::move(params), std::move(done)); });

  protocol::JoinGroupResponse response;
  response.error_code = result.error;
  response.generation_id = result.generation;
  response.protocol_type = result.protocol_type;
  response.protocol_name = result.protocol_name;
  response.leader = result.leader;
  response.skip_assignment = result.skip_assignment;
  response.member_id = result.member_id;
  for (auto& m : result.members) {
    protocol::JoinGroupResponse::JoinGroupResponseMember member;
    member.member_id = m.member_id;
    member.group_instance_id = m.group_instance_id;
    member.metadata = std::move(m.metadata);
    response.members.push_back(std::move(member));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
