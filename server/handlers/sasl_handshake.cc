// SaslHandshake (17): the client names its mechanism. As Kafka's SaslServerAuthenticator: on a
// SASL listener it is the first request after an optional ApiVersions (or, KIP-368, the start of
// a re-authentication once authenticated with SaslAuthenticate v1+); an unknown mechanism gets
// UNSUPPORTED_SASL_MECHANISM with the enabled list and the connection closes. On a listener
// without SASL Kafka's request handler answers ILLEGAL_SASL_STATE.
#include <spdlog/spdlog.h>

#include "protocol/error_codes.h"
#include "protocol/messages/sasl_handshake_request.h"
#include "protocol/messages/sasl_handshake_response.h"
#include "server/api_table.h"

namespace samsa::server {

asio::awaitable<void> handle_sasl_handshake(RequestContext& ctx) {
  protocol::SaslHandshakeRequest request;
  request.decode(ctx.body, ctx.version());
  protocol::SaslHandshakeResponse response;
  auto* state = ctx.sasl;
  const auto* factory = ctx.services.sasl;
  if (!security::uses_sasl(ctx.session.protocol) || state == nullptr || factory == nullptr) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kIllegalSaslState);
    response.encode(ctx.response, ctx.version());
    co_return;
  }
  response.mechanisms = factory->mechanisms(ctx.session.listener);
  using Stage = SaslConnectionState::Stage;
  const bool reauth = state->stage == Stage::kComplete;
  // A re-authentication needs the v1 flow and, as in Kafka, the same mechanism.
  const bool in_order = state->stage == Stage::kHandshake ||
                        (reauth && ctx.version() >= 1 && state->authenticate_version >= 1 &&
                         request.mechanism == ctx.session.sasl_mechanism);
  if (!in_order) {
    spdlog::warn(
        "event=sasl_protocol_error reason=\"SaslHandshake out of order\" listener={} peer={}",
        ctx.session.listener, ctx.peer);
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kIllegalSaslState);
    response.encode(ctx.response, ctx.version());
    // Mid-exchange or before authentication this is a protocol violation (closed, as Kafka does);
    // on an authenticated connection that cannot re-authenticate it is only refused.
    // A re-authentication that changes mechanism fails, as in Kafka, and so closes too.
    const bool mechanism_change = reauth && ctx.version() >= 1 &&
                                  state->authenticate_version >= 1 &&
                                  request.mechanism != ctx.session.sasl_mechanism;
    if (!ctx.session.authenticated || state->stage == Stage::kAuthenticate || mechanism_change)
      ctx.close_after_response = true;
    co_return;
  }
  auto server = factory->create(ctx.session.listener, request.mechanism);
  if (server == nullptr) {
    // The name is the client's: kept out of metric labels, and only printable ASCII is logged.
    std::string shown;
    for (char c : request.mechanism.substr(0, 64))
      shown += (c >= 0x21 && c <= 0x7E && c != '"' && c != '\\') ? c : '?';
    state->mechanism = "unsupported";
    report_authentication(ctx.services, ctx.session, *state, ctx.peer, false, "",
                          "mechanism " + shown + " is not enabled on this listener");
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kUnsupportedSaslMechanism);
    response.encode(ctx.response, ctx.version());
    ctx.close_after_response = true;
    co_return;
  }
  state->server = std::move(server);
  state->mechanism = request.mechanism;
  state->stage = Stage::kAuthenticate;
  state->raw_tokens = ctx.version() == 0;
  state->reauthenticating = reauth;
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
