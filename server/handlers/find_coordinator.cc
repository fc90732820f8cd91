#include "protocol/error_codes.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"
#include "server/api_table.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;

constexpr int8_t kGroupKeyType = 0;
constexpr int8_t kTransactionKeyType = 1;

group::CoordinatorLocation locate(RequestContext& ctx, const std::string& key, int8_t key_type) {
  auto& services = ctx.services;
  group::CoordinatorLocation out;
  // DESCRIBE on the group / transactional id comes before looking the coordinator up.
  if (key_type == kGroupKeyType && !group_allowed(ctx, security::AclOperation::kDescribe, key)) {
    out.error = kGroupAuthorizationFailed;
    return out;
  }
  if (key_type == kTransactionKeyType &&
      !ctx.authorized(security::AclOperation::kDescribe, security::ResourceType::kTransactionalId,
                      key)) {
    out.error = static_cast<int16_t>(ErrorCode::kTransactionalIdAuthorizationFailed);
    return out;
  }
  if (key_type == kGroupKeyType) return services.groups->locate(key, ctx.session.listener);
  // Transactions have no coordinator yet; INVALID_REQUEST for unknown key types, as Kafka.
  out.error =
      static_cast<int16_t>(key_type == kTransactionKeyType ? ErrorCode::kCoordinatorNotAvailable
                                                           : ErrorCode::kInvalidRequest);
  return out;
}

std::optional<std::string> message_for(int16_t error) {
  if (error == 0) return std::nullopt;
  return std::string(protocol::error_name(static_cast<ErrorCode>(error)));
}

}  // namespace

asio::awaitable<void> handle_find_coordinator(RequestContext& ctx) {
  protocol::FindCoordinatorRequest request;
  request.decode(ctx.body, ctx.version());
  protocol::FindCoordinatorResponse response;
  if (ctx.version() < 4) {
    auto where = locate(ctx, request.key, request.key_type);
    response.error_code = where.error;
    response.error_message = message_for(where.error);
    response.node_id = where.node_id;
    response.host = where.host;
    response.port = where.port;
  } else {
    for (const auto& key : request.coordinator_keys) {
      auto where = locate(ctx, key, request.key_type);
      protocol::FindCoordinatorResponse::Coordinator c;
      c.key = key;
      c.error_code = where.error;
      c.error_message = message_for(where.error);
      c.node_id = where.node_id;
      c.host = where.host;
      c.port = where.port;
      response.coordinators.push_back(std::move(c));
    }
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
