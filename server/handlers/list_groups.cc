#include <algorithm>

#include "protocol/messages/list_groups_request.h"
#include "protocol/messages/list_groups_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {
namespace {

// Filters compare case-insensitively, as Kafka's do.
bool matches(const std::vector<std::string>& filter, const std::string& value) {
  if (filter.empty()) return true;
  return std::any_of(filter.begin(), filter.end(), [&](const std::string& f) {
    return f.size() == value.size() &&
           std::equal(f.begin(), f.end(), value.begin(),
                      [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  });
}

}  // namespace

asio::awaitable<void> handle_list_groups(RequestContext& ctx) {
  protocol::ListGroupsRequest request;
  request.decode(ctx.body, ctx.version());
  auto* groups = ctx.services.groups;
  auto result = co_await await_callback<group::ListGroupsResult>(
      [&](auto done) { groups->list_groups(std::move(done)); });
  protocol::ListGroupsResponse response;
  response.error_code = result.error;
  // DESCRIBE on the cluster lists every group; otherwise only groups the caller may describe.
  const bool all = cluster_allowed(ctx, security::AclOperation::kDescribe);
  for (const auto& g : result.groups) {
    if (!all && !group_allowed(ctx, security::AclOperation::kDescribe, g.group_id)) continue;
    if (!matches(request.states_filter, g.state) || !matches(request.types_filter, "classic")) {
      continue;
    }
    protocol::ListGroupsResponse::ListedGroup listed;
    listed.group_id = g.group_id;
    listed.protocol_type = g.protocol_type;
    listed.group_state = g.state;
    listed.group_type = "classic";
    response.groups.push_back(std::move(listed));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
