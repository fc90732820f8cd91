#include "server/sasl_auth.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics/kafka_metrics.h"
#include "server/request_context.h"

namespace samsa::server {

void report_authentication(Services& services, const security::Session& session,
                           const SaslConnectionState& state, const std::string& peer, bool success,
                           const std::string& principal, const std::string& reason) {
  const std::string mechanism = state.mechanism.empty() ? "none" : state.mechanism;
  if (services.audit != nullptr && services.audit->enabled()) {
    security::AuditEvent e;
    e.kind = security::AuditEvent::Kind::kAuthentication;
    e.principal = principal;
    e.client = session.client_host;
    e.listener = session.listener;
    e.api = "SaslAuthenticate";
    e.resource = "Mechanism:" + mechanism;
    e.operation = state.reauthenticating ? "REAUTHENTICATE" : "AUTHENTICATE";
    e.result = success ? "success" : "failure";
    e.reason = reason;
    services.audit->record(e);
  }
  if (success) {
    spdlog::info(
        "event=authentication result=success principal={} mechanism={} listener={} peer={}{}",
        principal, mechanism, session.listener, peer,
        state.reauthenticating ? " reauthentication=true" : "");
    if (state.counters != nullptr) state.counters->authentication_succeeded++;
    return;
  }
  spdlog::warn(
      "event=authentication result=failure principal={} mechanism={} listener={} peer={} "
      "reason=\"{}\"",
      principal.empty() ? "unknown" : principal, mechanism, session.listener, peer, reason);
  if (state.counters != nullptr) state.counters->authentication_failed++;
  if (services.metrics != nullptr)
    services.metrics->network->count_authentication_failure(session.listener, mechanism);
}

TokenOutcome evaluate_sasl_token(Services& services, security::Session& session,
                                 SaslConnectionState& state, const std::string& peer,
                                 std::span<const uint8_t> token) {
  TokenOutcome out;
  if (state.server == nullptr) {
    state.failed = true;
    out.error = "SASL exchange not started";
    report_authentication(services, session, state, peer, false, "", out.error);
    return out;
  }
  security::SaslStep step = state.server->evaluate(token);
  out.challenge = std::move(step.challenge);
  switch (step.status) {
    case security::SaslStep::Status::kContinue:
      out.status = TokenOutcome::Status::kContinue;
      return out;
    case security::SaslStep::Status::kFailed:
      state.failed = true;
      state.server.reset();
      out.error = std::move(step.error);
      report_authentication(services, session, state, peer, false, "",
                            step.reason.empty() ? out.error : step.reason);
      return out;
    case security::SaslStep::Status::kDone:
      break;
  }
  security::KafkaPrincipal principal{"User", step.authorization_id};
  if (state.reauthenticating && principal != session.principal) {
    // KIP-368: a re-authentication must not change who the connection is.
    state.failed = true;
    state.server.reset();
    out.status = TokenOutcome::Status::kFailed;
    out.error = "Cannot change principals during re-authentication from " +
                session.principal.to_string() + ": " + principal.to_string();
    report_authentication(services, session, state, peer, false, principal.to_string(),
                          "principal changed during re-authentication");
    return out;
  }
  out.status = TokenOutcome::Status::kDone;
  session.principal = std::move(principal);
  session.authenticated = true;
  session.sasl_mechanism = state.mechanism;
  session.expiry.reset();
  const auto now = std::chrono::steady_clock::now();
  int64_t lifetime_ms = services.config.get_long("connections.max.reauth.ms");
  if (step.credential_expiry_ms) {
    const int64_t now_wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const int64_t left = std::max<int64_t>(0, *step.credential_expiry_ms - now_wall);
    lifetime_ms = lifetime_ms > 0 ? std::min(lifetime_ms, left) : left;
  }
  // A credential with an expiry always bounds the session, even when it is already due (a token
  // accepted within the clock skew): Kafka then ends the session at once, never lets it last.
  if (lifetime_ms > 0 || step.credential_expiry_ms) {
    session.expiry = now + std::chrono::milliseconds(lifetime_ms);
    // Only SaslAuthenticate v1+ clients can re-authenticate; v0 clients just lose the
    // connection at expiry, as in Kafka.
    if (state.authenticate_version >= 1) out.session_lifetime_ms = lifetime_ms;
  }
  state.stage = SaslConnectionState::Stage::kComplete;
  state.server.reset();
  report_authentication(services, session, state, peer, true, session.principal.to_string(), "");
  return out;
}

}  // namespace samsa::server
