#pragma once
// Users and their SCRAM credentials, shared by every face: the DescribeUserScramCredentials and
// AlterUserScramCredentials handlers and the /v1/security/users REST routes. Reads come from the
// published metadata image; writes go to the controller (which validates them with Kafka's rules)
// and answer once the publisher has applied them, so the credential store already has them.
// Passwords and salted passwords are turned into StoredKey/ServerKey here and never go further.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/controller.h"
#include "cluster/metadata_publisher.h"

namespace samsa::server {

struct UserCredentialInfo {
  int8_t mechanism = 0;  // 1 SCRAM-SHA-256, 2 SCRAM-SHA-512
  int32_t iterations = 0;
};

struct DescribedUser {
  std::string user;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<UserCredentialInfo> credentials;
};

// What AlterUserScramCredentials carries: the client derived salted_password itself.
struct SaltedUpsertion {
  std::string name;
  int8_t mechanism = 0;
  int32_t iterations = 0;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> salted_password;
};

using UserAlterResults = std::vector<cluster::ScramAlterResult>;
using UserAlterCallback = std::function<void(UserAlterResults)>;

class UserService {
 public:
  UserService(cluster::Controller& controller, cluster::MetadataPublisher& publisher)
      : controller_(controller), publisher_(publisher) {}

  // Kafka's ScramImage.describe: null or empty `users` lists every user with a credential;
  // a named user without one is RESOURCE_NOT_FOUND, a name given twice DUPLICATE_RESOURCE.
  std::vector<DescribedUser> describe(const std::optional<std::vector<std::string>>& users) const;

  // AlterUserScramCredentials. Results: one per distinct user (see build_scram_alteration).
  void alter(std::vector<cluster::ScramDeletion> deletions, std::vector<SaltedUpsertion> upsertions,
             UserAlterCallback done);

  // REST: set `name`'s credential for `mechanism` from a password, with a fresh random salt.
  void upsert_password(std::string name, int8_t mechanism, const std::string& password,
                       int32_t iterations, UserAlterCallback done);
  // REST: delete every credential of `name` (RESOURCE_NOT_FOUND if it has none).
  void delete_user(std::string name, UserAlterCallback done);

 private:
  UserAlterCallback after_publish(UserAlterCallback done);

  cluster::Controller& controller_;
  cluster::MetadataPublisher& publisher_;
};

}  // namespace samsa::server
