#include <map>
#include <tuple>

#include "protocol/messages/describe_acls_request.h"
#include "protocol/messages/describe_acls_response.h"
#include "server/acl_service.h"
#include "server/api_table.h"
#include "server/handlers/acl_common.h"

namespace samsa::server {

asio::awaitable<void> handle_describe_acls(RequestContext& ctx) {
  using Response = protocol::DescribeAclsResponse;
  protocol::DescribeAclsRequest request;
  request.decode(ctx.body, ctx.version());
  Response response;
  response.error_message = std::nullopt;
  const int16_t gate = acl_api_gate(ctx, security::AclOperation::kDescribe);
  const auto filter = filter_from_wire(request);
  if (gate != 0 || ctx.services.acls == nullptr) {
    response.error_code =
        gate != 0 ? gate : static_cast<int16_t>(protocol::ErrorCode::kSecurityDisabled);
    response.error_message = acl_gate_message(response.error_code);
  } else if (auto why = filter.invalid_reason()) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kInvalidRequest);
    response.error_message = *why;
  } else {
    // One entry per resource pattern, its ACLs under it (Kafka's DescribeAclsResponse layout).
    std::map<std::tuple<int8_t, std::string, int8_t>, std::vector<Response::AclDescription>>
        by_resource;
    for (const auto& b : ctx.services.acls->describe(filter)) {
      Response::AclDescription d;
      d.principal = b.principal;
      d.host = b.host;
      d.operation = static_cast<int8_t>(b.operation);
      d.permission_type = static_cast<int8_t>(b.permission);
      by_resource[{static_cast<int8_t>(b.resource_type), b.resource_name,
                   static_cast<int8_t>(b.pattern_type)}]
          .push_back(std::move(d));
    }
    for (auto& [key, acls] : by_resource) {
      Response::DescribeAclsResource r;
      r.resource_type = std::get<0>(key);
      r.resource_name = std::get<1>(key);
      r.pattern_type = std::get<2>(key);
      r.acls = std::move(acls);
      response.resources.push_back(std::move(r));
    }
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
