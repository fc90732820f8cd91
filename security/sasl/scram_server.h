#pragma once
// SCRAM-SHA-256/512 (RFC 5802/7677) with Kafka 3.9's server rules: gs2 header `n,` with an
// optional authzid that must equal the user, no channel binding (`c=` must be the gs2 header in
// base64, `biws` without authzid), at least 4096 iterations, the client-final nonce must END with
// the server's nonce (librdkafka < 2.6.1 repeats the client nonce in front), the proof compared in
// constant time, and the server-final `v=`. Failures are errors (SaslAuthenticate error 58), never
// `e=` messages. An unknown user fails at the client-first message, as in Kafka.
#include <functional>
#include <string>

#include "security/sasl/credential_store.h"
#include "security/sasl/sasl_server.h"

namespace samsa::security {

class ScramServer : public SaslServer {
 public:
  // `store` may be null (no credentials: every user is unknown). `server_nonce` makes the random
  // part of the nonce; tests pass a fixed one (RFC 7677's example).
  ScramServer(ScramMechanism mechanism, const CredentialStore* store,
              std::function<std::string()> server_nonce = {});
  const std::string& mechanism() const override { return name_; }
  SaslStep evaluate(std::span<const uint8_t> client_token) override;

  static constexpr int32_t kMinIterations = 4096;

 private:
  SaslStep client_first(std::string_view message);
  SaslStep client_final(std::string_view message);
  SaslStep fail(std::string reason, std::string client_message = {});

  enum class State { kFirst, kFinal, kDone };
  ScramMechanism mech_;
  std::string name_;
  const CredentialStore* store_;
  std::function<std::string()> server_nonce_;
  State state_ = State::kFirst;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;  // client nonce + server nonce, as sent in server-first
  std::string user_;
  ScramCredential credential_;
};

}  // namespace samsa::security
