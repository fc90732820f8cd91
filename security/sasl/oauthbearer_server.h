#pragma once
// SASL/OAUTHBEARER (RFC 7628) on the broker side, as Kafka's OAuthBearerSaslServer with its
// OAuthBearerValidatorCallbackHandler (KIP-768):
//   client: n,[a=<authzid>],^Aauth=Bearer <jwt>^A[<key>=<value>^A]*^A
//   server: empty token and done when the JWT validates (principal User:<sub claim>; the
//           session ends at the token's exp, so KIP-368 clients re-authenticate before it);
//           otherwise the challenge {"status":"invalid_token"}, to which the client answers ^A
//           and the exchange then fails with that JSON as the error message.
// A malformed first message fails at once with Kafka's generic message; an authzid that is not
// the token's principal fails with Kafka's message naming both. Extensions are accepted and
// ignored, as the validator callback handler accepts them all.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "security/sasl/jwt_validator.h"
#include "security/sasl/sasl_server.h"

namespace samsa::security {

struct OAuthBearerInitialResponse {
  std::string authorization_id;  // as sent (Kafka compares it undecoded)
  std::string token;
};

// Parses the client's first message; nullopt with `error` set when it does not match RFC 7628's
// grammar as Kafka's OAuthBearerClientInitialResponse checks it.
std::optional<OAuthBearerInitialResponse> parse_oauthbearer_initial_response(
    std::span<const uint8_t> message, std::string* error);

class OAuthBearerServer : public SaslServer {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds since the epoch
  explicit OAuthBearerServer(std::shared_ptr<const oauth::JwtValidator> validator,
                             Clock clock = nullptr);
  const std::string& mechanism() const override { return name_; }
  SaslStep evaluate(std::span<const uint8_t> client_token) override;

  static constexpr const char* kInvalidTokenChallenge = R"({"status":"invalid_token"})";

 private:
  std::string name_ = "OAUTHBEARER";
  std::shared_ptr<const oauth::JwtValidator> validator_;
  Clock clock_;
  bool finished_ = false;
  // Set after a refused token: the JSON sent to the client, and why (for the log and audit).
  std::optional<std::string> error_json_;
  std::string error_reason_;
};

}  // namespace samsa::security
