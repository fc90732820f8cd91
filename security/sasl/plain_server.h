#pragma once
// SASL/PLAIN (RFC 4616): one message `[authzid] NUL authcid NUL passwd`, answered with an empty
// token. As Kafka's PlainSaslServer: exactly three fields, user and password non-empty, an authzid
// empty or equal to the user. The password is checked against the listener's JAAS
// `user_<name>` entries first, else against the user's SCRAM credential (StoredKey recomputed
// from the stored salt and iterations), both compared in constant time.
#include <map>
#include <string>

#include "security/sasl/credential_store.h"
#include "security/sasl/sasl_server.h"

namespace samsa::security {

class PlainServer : public SaslServer {
 public:
  // Either may be null. The map must outlive the server.
  PlainServer(const std::map<std::string, std::string>* jaas_users, const CredentialStore* store);
  const std::string& mechanism() const override { return name_; }
  SaslStep evaluate(std::span<const uint8_t> client_token) override;

 private:
  bool check(const std::string& user, const std::string& password) const;

  std::string name_ = "PLAIN";
  const std::map<std::string, std::string>* jaas_users_;
  const CredentialStore* store_;
  bool done_ = false;
};

}  // namespace samsa::security
