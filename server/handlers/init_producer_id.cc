#include "protocol/error_codes.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/producer_id_allocator.h"

namespace samsa::server {

asio::awaitable<void> handle_init_producer_id(RequestContext& ctx) {
  protocol::InitProducerIdRequest request;
  request.decode(ctx.body, ctx.version());
  protocol::InitProducerIdResponse response;
  response.producer_id = -1;
  response.producer_epoch = -1;
  using protocol::ErrorCode;
  if (request.transactional_id && request.transactional_id->empty()) {
    // Kafka's transaction coordinator refuses an empty transactional id this way.
    response.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
  } else if (request.transactional_id) {
    // There is no transaction coordinator. Kafka refuses a transactional id the principal may not
    // use with this non-retriable error, so the client fails at once with a clear message instead
    // of retrying FindCoordinator forever, as NOT_COORDINATOR would make it do.
    response.error_code = static_cast<int16_t>(ErrorCode::kTransactionalIdAuthorizationFailed);
  } else if (!cluster_allowed(ctx, security::AclOperation::kIdempotentWrite) &&
             (ctx.services.authorizer != nullptr &&
              !ctx.services.authorizer->authorize_any(ctx.session, security::AclOperation::kWrite,
                                                      security::ResourceType::kTopic))) {
    // KIP-679: an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on a topic.
    response.error_code = kClusterAuthorizationFailed;
  } else if (ctx.services.producer_ids == nullptr) {
    response.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
  } else {
    auto result = co_await await_callback<ProducerIdAllocator::Result>(
        [&](ProducerIdAllocator::Callback done) {
          ctx.services.producer_ids->init_producer_id(request.producer_id, request.producer_epoch,
                                                      std::move(done));
        });
    response.error_code = result.error;
    if (result.error == 0) {
      response.producer_id = result.producer_id;
      response.producer_epoch = result.producer_epoch;
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
