#include "protocol/error_codes.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"
#include "server/api_table.h"
#include "server/handlers/alter_configs_common.h"

namespace samsa::server {

asio::awaitable<void> handle_incremental_alter_configs(RequestContext& ctx) {
  protocol::IncrementalAlterConfigsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::IncrementalAlterConfigsResponse;
  Response response;
  std::vector<AlterResource> resources;
  for (const auto& r : request.resources) {
    AlterResource a;
    a.resource_type = r.resource_type;
    a.resource_name = r.resource_name;
    // Out-of-range operations reach ConfigService as they are and are refused there.
    for (const auto& c : r.configs) {
      a.ops.push_back({c.name, static_cast<AlterOp>(c.config_operation), c.value});
    }
    resources.push_back(std::move(a));
  }
  auto results = co_await alter_through_service(ctx, resources, true, request.validate_only);
  fill_alter_results(results, response);
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
