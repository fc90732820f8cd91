#pragma once
// What AlterConfigs and IncrementalAlterConfigs share: both hand their resources to the
// ConfigService and answer one result per resource with the same fields.
#include <optional>
#include <string>
#include <vector>

#include "protocol/error_codes.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/config_service.h"
#include "server/request_context.h"

namespace samsa::server {

// A config resource as audit lines name it: "TOPIC:orders", "BROKER:1", "BROKER:" (the
// cluster-wide broker default), "BROKER_LOGGER:1", "CLIENT_METRICS:m", "GROUP:g1".
inline std::string config_audit_resource(int8_t resource_type, const std::string& name) {
  switch (resource_type) {
    case 2:
      return "TOPIC:" + name;
    case 4:
      return "BROKER:" + name;
    case 8:
      return "BROKER_LOGGER:" + name;
    case 16:
      return "CLIENT_METRICS:" + name;
    case 32:
      return "GROUP:" + name;
    default:
      return "UNKNOWN(" + std::to_string(resource_type) + "):" + name;
  }
}

inline asio::awaitable<ConfigResults> alter_through_service(RequestContext& ctx,
                                                            std::vector<AlterResource>& resources,
                                                            bool incremental, bool validate_only) {
  ConfigResults results;
  // ALTER_CONFIGS on each resource first; the denied ones are answered after the rest, as Kafka.
  ConfigResults denied;
  std::vector<AlterResource> allowed;
  for (auto& r : resources) {
    if (int16_t error = config_resource_denied(ctx, r.resource_type, r.resource_name,
                                               security::AclOperation::kAlterConfigs)) {
      denied.push_back({r.resource_type, r.resource_name, error, ""});
    } else {
      allowed.push_back(std::move(r));
    }
  }
  resources = std::move(allowed);
  if (ctx.services.configs == nullptr) {
    for (const auto& r : resources) {
      results.push_back({r.resource_type, r.resource_name,
                         static_cast<int16_t>(protocol::ErrorCode::kUnknownServerError), ""});
    }
  } else if (!resources.empty()) {
    // Captures by reference: see await_callback (GCC 12 mishandles by-value string captures here).
    results = co_await await_callback<ConfigResults>([&](std::function<void(ConfigResults)> done) {
      ctx.services.configs->alter(std::move(resources), incremental, validate_only,
                                  std::move(done));
    });
  }
  // Both APIs audit here, once per resource; validate_only changes nothing and is not audited.
  if (!validate_only) {
    for (const auto& r : results) {
      ctx.audit_change(config_audit_resource(r.resource_type, r.resource_name), "ALTER_CONFIGS",
                       r.error_code, r.error_message);
    }
  }
  results.insert(results.end(), denied.begin(), denied.end());
  co_return results;
}

template <typename Response>
void fill_alter_results(const ConfigResults& results, Response& response) {
  for (const auto& r : results) {
    typename decltype(response.responses)::value_type out;
    out.error_code = r.error_code;
    out.error_message =
        r.error_message.empty() ? std::nullopt : std::optional<std::string>(r.error_message);
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    response.responses.push_back(std::move(out));
  }
}

}  // namespace samsa::server
