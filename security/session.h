#pragma once
// What a connection knows about its peer once it has been accepted: the listener it came in on,
// that listener's security protocol, and (once TLS and SASL are done) who it is. The Kafka API
// handlers and the REST routes both decide access from a Session, through the one Authorizer.
#include <chrono>
#include <optional>
#include <string>

#include "security/principal.h"

namespace samsa::security {

enum class SecurityProtocol { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };

// "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"; nullopt for anything else.
std::optional<SecurityProtocol> parse_security_protocol(std::string_view name);
const char* security_protocol_name(SecurityProtocol protocol);
inline bool uses_tls(SecurityProtocol p) {
  return p == SecurityProtocol::kSsl || p == SecurityProtocol::kSaslSsl;
}
inline bool uses_sasl(SecurityProtocol p) {
  return p == SecurityProtocol::kSaslPlaintext || p == SecurityProtocol::kSaslSsl;
}

struct Session {
  std::string listener;  // listener name, upper case ("PLAINTEXT", "CLIENT", "ADMIN_HTTPS", ...)
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  KafkaPrincipal principal = anonymous_principal();
  // The client address in Java's textual form (java_host_address), what ACL hosts match.
  std::string client_host;
  // False on a SASL listener until the SASL exchange succeeds; only ApiVersions and the SASL APIs
  // may run before that.
  bool authenticated = true;
  std::string sasl_mechanism;  // the mechanism that authenticated the session, if any
  // KIP-368: when the SASL session ends (connections.max.reauth.ms and credential lifetime); the
  // connection is closed by then unless the client re-authenticates.
  std::optional<std::chrono::steady_clock::time_point> expiry;
};

}  // namespace samsa::security
