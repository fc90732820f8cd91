// AlterConfigs replaces a resource's dynamic configs with exactly the ones given.
#include "protocol/error_codes.h"
#include "protocol/messages/alter_configs_request.h"
#include "protocol/messages/alter_configs_response.h"
#include "server/api_table.h"
#include "server/handlers/alter_configs_common.h"

namespace samsa::server {

asio::awaitable<void> handle_alter_configs(RequestContext& ctx) {
  protocol::AlterConfigsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::AlterConfigsResponse;
  Response response;
  std::vector<AlterResource> resources;
  for (const auto& r : request.resources) {
    AlterResource a;
    a.resource_type = r.resource_type;
    a.resource_name = r.resource_name;
    for (const auto& c : r.configs) a.ops.push_back({c.name, AlterOp::kSet, c.value});
    resources.push_back(std::move(a));
  }
  auto results = co_await alter_through_service(ctx, resources, false, request.validate_only);
  fill_alter_results(results, response);
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
