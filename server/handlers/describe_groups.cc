#include "protocol/messages/describe_groups_request.h"
#include "protocol/messages/describe_groups_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_describe_groups(RequestContext& ctx) {
  protocol::DescribeGroupsRequest request;
  request.decode(ctx.body, ctx.version());
  // Authorized groups are described, then the others fail alone (Kafka's order).
  std::vector<std::string> allowed, denied;
  for (const auto& id : request.groups) {
    (group_allowed(ctx, security::AclOperation::kDescribe, id) ? allowed : denied).push_back(id);
  }
  auto* groups = ctx.services.groups;
  std::vector<group::GroupDescription> described;
  if (!allowed.empty()) {
    described = co_await await_callback<std::vector<group::GroupDescription>>(
        [&](auto done) { groups->describe_groups(allowed, std::move(done)); });
  }
  const bool with_ops = ctx.version() >= 3 && request.include_authorized_operations;
  protocol::DescribeGroupsResponse response;
  for (auto& d : described) {
    protocol::DescribeGroupsResponse::DescribedGroup g;
    g.error_code = d.error;
    g.group_id = d.group_id;
    g.group_state = d.state;
    g.protocol_type = d.protocol_type;
    g.protocol_data = d.protocol;
    for (auto& m : d.members) {
      protocol::DescribeGroupsResponse::DescribedGroupMember member;
      member.member_id = m.member_id;
      member.group_instance_id = m.group_instance_id;
      member.client_id = m.client_id;
      member.client_host = m.client_host;
      member.member_metadata = std::move(m.metadata);
      member.member_assignment = std::move(m.assignment);
      g.members.push_back(std::move(member));
    }
    if (with_ops)
      g.authorized_operations = authorized_ops(ctx, security::ResourceType::kGroup, d.group_id);
    response.groups.push_back(std::move(g));
  }
  for (const auto& id : denied) {
    protocol::DescribeGroupsResponse::DescribedGroup g;
    g.error_code = kGroupAuthorizationFailed;
    g.group_id = id;
    response.groups.push_back(std::move(g));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
