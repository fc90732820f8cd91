#pragma once
// One SASL exchange on the server side, whatever the mechanism: the connection feeds it each
// token the client sends (SaslAuthenticate's auth_bytes, or a raw v0 frame) and sends back what it
// answers, until it is done or has failed. Mechanisms never see sockets or Kafka frames.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace samsa::security {

struct SaslStep {
  enum class Status { kContinue, kDone, kFailed };
  Status status = Status::kFailed;
  std::vector<uint8_t> challenge;  // bytes for the client (may be empty, also when done)
  // Set when done: the principal name (User:<authorization_id>).
  std::string authorization_id;
  // Set when failed: what the client is told (SASL_AUTHENTICATION_FAILED's message) and why, for
  // the log and audit line (may say more than the client is told).
  std::string error;
  std::string reason;
  // Set when done by mechanisms whose credential expires (OAUTHBEARER's exp); milliseconds since
  // the epoch.
  std::optional<int64_t> credential_expiry_ms;

  static SaslStep failed(std::string client_message, std::string reason) {
    SaslStep step;
    step.status = Status::kFailed;
    step.error = std::move(client_message);
    step.reason = std::move(reason);
    return step;
  }
};

class SaslServer {
 public:
  virtual ~SaslServer() = default;
  virtual const std::string& mechanism() const = 0;
  virtual SaslStep evaluate(std::span<const uint8_t> client_token) = 0;
};

}  // namespace samsa::security
