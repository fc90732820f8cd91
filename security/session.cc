#include "security/session.h"

namespace samsa::security {

std::optional<SecurityProtocol> parse_security_protocol(std::string_view name) {
  if (name == "PLAINTEXT") return SecurityProtocol::kPlaintext;
  if (name == "SSL") return SecurityProtocol::kSsl;
  if (name == "SASL_PLAINTEXT") return SecurityProtocol::kSaslPlaintext;
  if (name == "SASL_SSL") return SecurityProtocol::kSaslSsl;
  return std::nullopt;
}

const char* security_protocol_name(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::kPlaintext:
      return "PLAINTEXT";
    case SecurityProtocol::kSsl:
      return "SSL";
    case SecurityProtocol::kSaslPlaintext:
      return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl:
      return "SASL_SSL";
  }
  return "PLAINTEXT";
}

}  // namespace samsa::security
