#include "security/sasl/plain_server.h"

#include "security/sasl/scram_crypto.h"

namespace samsa::security {
PlainServer::PlainServer(const std::map<std::string, std::string>* jaas_users,
                         const CredentialStore* store)
    : jaas_users_(jaas_users), store_(store) {}

bool PlainServer::check(const std::string& user, const std::string& password) const {
  if (jaas_users_ != nullptr) {
    auto it = jaas_users_->find(user);
    if (it != jaas_users_->end())
      return scram::constant_time_equal(scram::as_bytes(it->second), scram::as_bytes(password));
  }
  if (store_ == nullptr) return false;
  for (auto m : {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    const auto credential = store_->scram(user, m);
    if (!credential || credential->iterations <= 0) continue;
    const auto salted = scram::pbkdf2(m, password, credential->salt, credential->iterations);
    return scram::constant_time_equal(scram::stored_key_from_salted(m, salted),
                                      credential->stored_key);
  }
  return false;
}

SaslStep PlainServer::evaluate(std::span<const uint8_t> client_token) {
  if (done_)
    return SaslStep::failed("Authentication failed: unexpected SASL/PLAIN token", "second token");
  done_ = true;
  const std::string_view message(reinterpret_cast<const char*>(client_token.data()),
                                 client_token.size());
  const size_t first = message.find('\0');
  const size_t second = first == std::string_view::npos ? first : message.find('\0', first + 1);
  if (second == std::string_view::npos || message.find('\0', second + 1) != std::string_view::npos)
    return SaslStep::failed("Invalid SASL/PLAIN response: expected 3 tokens",
                            "malformed PLAIN message");
  const std::string authzid(message.substr(0, first));
  const std::string user(message.substr(first + 1, second - first - 1));
  const std::string password(message.substr(second + 1));
  if (user.empty())
    return SaslStep::failed("Authentication failed: username not specified", "empty user name");
  if (password.empty())
    return SaslStep::failed("Authentication failed: password not specified", "empty password");
  if (!check(user, password))
    return SaslStep::failed("Authentication failed: Invalid username or password",
                            "unknown user or wrong password");
  if (!authzid.empty() && authzid != user) {
    return SaslStep::failed(
        "Authentication failed: Client requested an authorization id that is different from "
        "username",
        "authzid differs from user");
  }
  SaslStep step;
  step.status = SaslStep::Status::kDone;
  step.authorization_id = user;
  return step;
}

}  // namespace samsa::security
