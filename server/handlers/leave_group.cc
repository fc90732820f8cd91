#include "protocol/error_codes.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/leave_group_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_leave_group(RequestContext& ctx) {
  protocol::LeaveGroupRequest request;
  request.decode(ctx.body, ctx.version());
  if (!group_allowed(ctx, security::AclOperation::kRead, request.group_id)) {
    protocol::LeaveGroupResponse denied;
    denied.error_code = kGroupAuthorizationFailed;
    denied.encode(ctx.response, ctx.version());
    co_return;
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> members;
  if (ctx.version() < 3) {
    members.emplace_back(request.member_id, std::nullopt);
  } else {
    for (const auto& m : request.members) members.emplace_back(m.member_id, m.group_instance_id);
  }
  auto* groups = ctx.services.groups;
  auto result = co_await await_callback<group::LeaveResult>(
      [&](auto done) { groups->leave_group(request.group_id, members, std::move(done)); });
  protocol::LeaveGroupResponse response;
  response.error_code = result.error;
  if (ctx.version() < 3) {
    // One member: its error is the request's error.
    if (result.error == 0 && !result.member_errors.empty()) {
      response.error_code = result.member_errors.front();
    }
  } else if (result.error == 0) {
    for (size_t i = 0; i < members.size() && i < result.member_errors.size(); ++i) {
      protocol::LeaveGroupResponse::MemberResponse m;
      m.member_id = members[i].first;
      m.group_instance_id = members[i].second;
      m.error_code = result.member_errors[i];
      response.members.push_back(std::move(m));
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
