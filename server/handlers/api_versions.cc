#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"
#include "server/api_table.h"

namespace samsa::server {

asio::awaitable<void> handle_api_versions(RequestContext& ctx) {
  protocol::ApiVersionsRequest request;
  request.decode(ctx.body, ctx.version());
  protocol::ApiVersionsResponse response;
  list_supported_apis(response);
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
