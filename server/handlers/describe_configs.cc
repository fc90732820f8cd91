#include "protocol/error_codes.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_configs_response.h"
#include "server/api_table.h"
#include "server/authz.h"
#include "server/config_service.h"

namespace samsa::server {

asio::awaitable<void> handle_describe_configs(RequestContext& ctx) {
  protocol::DescribeConfigsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::DescribeConfigsResponse;
  Response response;
  for (const auto& r : request.resources) {
    Response::DescribeConfigsResult out;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    out.error_message = std::nullopt;
    if (int16_t denied = config_resource_denied(ctx, r.resource_type, r.resource_name,
                                                security::AclOperation::kDescribeConfigs)) {
      out.error_code = denied;
      response.results.push_back(std::move(out));
      continue;
    }
    if (ctx.services.configs == nullptr) {
      out.error_code = static_cast<int16_t>(protocol::ErrorCode::kUnknownServerError);
      response.results.push_back(std::move(out));
      continue;
    }
    DescribeResult described =
        ctx.services.configs->describe(r.resource_type, r.resource_name, r.configuration_keys,
                                       request.include_synonyms, request.include_documentation);
    out.error_code = described.error_code;
    if (!described.error_message.empty()) out.error_message = described.error_message;
    for (auto& c : described.configs) {
      Response::DescribeConfigsResourceResult e;
      e.name = std::move(c.name);
      e.value = std::move(c.value);
      e.read_only = c.read_only;
      e.is_default = c.source == ConfigSource::kDefault;
      e.config_source = static_cast<int8_t>(c.source);
      e.is_sensitive = c.sensitive;
      for (auto& s : c.synonyms) {
        Response::DescribeConfigsSynonym syn;
        syn.name = std::move(s.name);
        syn.value = std::move(s.value);
        syn.source = static_cast<int8_t>(s.source);
        e.synonyms.push_back(std::move(syn));
      }
      e.config_type = c.type;
      e.documentation = request.include_documentation
                            ? std::optional<std::string>(std::move(c.documentation))
                            : std::nullopt;
      out.configs.push_back(std::move(e));
    }
    response.results.push_back(std::move(out));
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
