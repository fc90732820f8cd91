#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"
#include "server/api_table.h"

namespace samsa::server {

asio::awaitable<void> handle_api_versions(RequestContext& ctx) {
  protocol::ApiVersionsRequest request;
  request.decode(ctx.body, ctx.version());
  protocol::ApiVersionsResponse response;
  for (const auto& api : supported_apis()) {
    protocol::ApiVersionsResponse::ApiVersion v;
    v.api_key = api.key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    response.api_keys.push_back(v);
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
