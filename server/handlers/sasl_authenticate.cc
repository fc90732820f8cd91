// SaslAuthenticate (36): one SASL token each way, after a SaslHandshake v1. A failure answers
// SASL_AUTHENTICATION_FAILED with the mechanism's message, after
// connection.failed.authentication.delay.ms, and the connection closes (Connection does both).
// Out of order (no handshake yet) is ILLEGAL_SASL_STATE and the connection closes; on a listener
// without SASL, or on an authenticated connection, Kafka's request handler answers
// ILLEGAL_SASL_STATE and keeps the connection.
#include <spdlog/spdlog.h>

#include "protocol/error_codes.h"
#include "protocol/messages/sasl_authenticate_request.h"
#include "protocol/messages/sasl_authenticate_response.h"
#include "server/api_table.h"

namespace samsa::server {

asio::awaitable<void> handle_sasl_authenticate(RequestContext& ctx) {
  protocol::SaslAuthenticateRequest request;
  request.decode(ctx.body, ctx.version());
  protocol::SaslAuthenticateResponse response;
  auto* state = ctx.sasl;
  if (!security::uses_sasl(ctx.session.protocol) || state == nullptr ||
      state->stage != SaslConnectionState::Stage::kAuthenticate || state->raw_tokens) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kIllegalSaslState);
    if (!security::uses_sasl(ctx.session.protocol)) {
      response.error_message = "SaslAuthenticate request received on a listener without SASL";
    } else if (ctx.session.authenticated) {
      response.error_message = "SaslAuthenticate request received after successful authentication";
    } else {
      response.error_message = "Unexpected SaslAuthenticate request before SaslHandshake";
    }
    response.encode(ctx.response, ctx.version());
    if (!ctx.session.authenticated) {
      spdlog::warn(
          "event=sasl_protocol_error reason=\"SaslAuthenticate before SaslHandshake\" "
          "listener={} peer={}",
          ctx.session.listener, ctx.peer);
      ctx.close_after_response = true;
    }
    co_return;
  }
  state->authenticate_version = ctx.version();
  auto outcome = evaluate_sasl_token(ctx.services, ctx.session, *state, ctx.peer,
                                     {request.auth_bytes.data(), request.auth_bytes.size()});
  if (outcome.status == TokenOutcome::Status::kFailed) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kSaslAuthenticationFailed);
    response.error_message = std::move(outcome.error);
  } else {
    response.error_message = std::nullopt;
    response.auth_bytes.assign(outcome.challenge.begin(), outcome.challenge.end());
    response.session_lifetime_ms = outcome.session_lifetime_ms;
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
