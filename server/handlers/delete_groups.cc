#include "protocol/messages/delete_groups_request.h"
#include "protocol/messages/delete_groups_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_delete_groups(RequestContext& ctx) {
  protocol::DeleteGroupsRequest request;
  request.decode(ctx.body, ctx.version());
  auto* groups = ctx.services.groups;
  auto errors = co_await await_callback<std::vector<int16_t>>(
      [&](auto done) { groups->delete_groups(request.groups_names, std::move(done)); });
  protocol::DeleteGroupsResponse response;
  for (size_t i = 0; i < request.groups_names.size() && i < errors.size(); ++i) {
    protocol::DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = request.groups_names[i];
    r.error_code = errors[i];
    response.results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
