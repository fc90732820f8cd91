#include "protocol/error_codes.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/config_service.h"

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
  ConfigResults results;
  if (ctx.services.configs == nullptr) {
    for (const auto& r : resources) {
      results.push_back({r.resource_type, r.resource_name,
                         static_cast<int16_t>(protocol::ErrorCode::kUnknownServerError), ""});
    }
  } else if (!resources.empty()) {
    results = co_await await_callback<ConfigResults>([&](std::function<void(ConfigResults)> done) {
      ctx.services.configs->alter(std::move(resources), true, request.validate_only,
                                  std::move(done));
    });
  }
  for (const auto& r : results) {
    Response::AlterConfigsResourceResponse out;
    out.error_code = r.error_code;
    out.error_message =
        r.error_message.empty() ? std::nullopt : std::optional<std::string>(r.error_message);
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    response.responses.push_back(std::move(out));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
