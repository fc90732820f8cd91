#pragma once
// A connection's SASL exchange, shared by the SaslHandshake and SaslAuthenticate handlers and the
// raw (SaslHandshake v0) token path in Connection, so each token is judged and each outcome
// reported in one place.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "security/sasl/sasl_server.h"
#include "security/session.h"

namespace samsa::metrics {
struct ConnectionCounters;
}

namespace samsa::server {

struct Services;

// The SASL-related settings of the listeners (read once at startup).
struct SaslSettings {
  int64_t max_reauth_ms = 0;          // connections.max.reauth.ms; 0 = sessions never expire
  int32_t max_receive_size = 524288;  // sasl.server.max.receive.size
  int32_t failed_delay_ms = 100;      // connection.failed.authentication.delay.ms
  int64_t authentication_timeout_ms = 30000;  // sasl.authentication.timeout.ms; <= 0 never
};

// Where a connection is in Kafka's SaslServerAuthenticator state machine.
struct SaslConnectionState {
  enum class Stage { kHandshake, kAuthenticate, kComplete };
  Stage stage = Stage::kHandshake;
  std::unique_ptr<security::SaslServer> server;  // set from handshake to the end of the exchange
  std::string mechanism;                         // what the client asked for in the handshake
  bool raw_tokens = false;                       // SaslHandshake v0: tokens are bare frames
  bool reauthenticating = false;                 // KIP-368: a new exchange on an authenticated
                                                 // connection
  int16_t authenticate_version = -1;             // of the last SaslAuthenticate (reauth needs 1+)
  // Set when the exchange failed: the connection answers after
  // connection.failed.authentication.delay.ms, then closes.
  bool failed = false;
  metrics::ConnectionCounters* counters = nullptr;
};

struct TokenOutcome {
  enum class Status { kContinue, kDone, kFailed } status = Status::kFailed;
  std::vector<uint8_t> challenge;
  std::string error;                // for SASL_AUTHENTICATION_FAILED's message
  int64_t session_lifetime_ms = 0;  // SaslAuthenticate v1+
};

// Feeds one client token to the exchange; on success fills the session (principal, mechanism,
// authenticated, expiry), on failure marks the state failed. Both outcomes are reported.
TokenOutcome evaluate_sasl_token(Services& services, security::Session& session,
                                 SaslConnectionState& state, const std::string& peer,
                                 std::span<const uint8_t> token);

// The one place an authentication outcome is reported: the log line, the metrics (and, once it
// exists, the audit log).
void report_authentication(Services& services, const security::Session& session,
                           const SaslConnectionState& state, const std::string& peer, bool success,
                           const std::string& principal, const std::string& reason);

}  // namespace samsa::server
