#include "server/user_service.h"

#include <openssl/crypto.h>

#include <map>
#include <memory>

#include "security/sasl/scram_formatter.h"

namespace samsa::server {
namespace {

constexpr const char* kDescribeMissing =
    "Attempt to describe a user credential that does not exist: ";
constexpr const char* kDescribeDuplicate =
    "Cannot describe SCRAM credentials for the same user twice in a single request: ";

// Bounds before any PBKDF2/HMAC work: the controller would refuse these anyway.
constexpr size_t kMaxSaltedPasswordBytes = 1024;

}  // namespace

std::vector<DescribedUser> UserService::describe(
    const std::optional<std::vector<std::string>>& users) const {
  const auto image = publisher_.latest();
  const auto& all = image->scram_credentials();
  std::vector<DescribedUser> out;
  auto fill = [](DescribedUser& d, const std::map<int8_t, cluster::ScramCredentialData>& m) {
    for (const auto& [mechanism, c] : m) d.credentials.push_back({mechanism, c.iterations});
  };
  if (!users || users->empty()) {
    for (const auto& [name, mechanisms] : all) {
      DescribedUser d;
      d.user = name;
      fill(d, mechanisms);
      out.push_back(std::move(d));
    }
    return out;
  }
  std::map<std::string, size_t> count;
  for (const auto& u : *users) ++count[u];
  for (const auto& u : *users) {
    auto c = count.find(u);
    if (c->second == 0) continue;  // a duplicate already answered
    DescribedUser d;
    d.user = u;
    if (c->second > 1) {
      d.error_code = cluster::kDuplicateResource;
      d.error_message = kDescribeDuplicate + u;
    } else if (auto it = all.find(u); it == all.end()) {
      d.error_code = cluster::kResourceNotFound;
      d.error_message = kDescribeMissing + u;
    } else {
      fill(d, it->second);
    }
    c->second = 0;
    out.push_back(std::move(d));
  }
  return out;
}

UserAlterCallback UserService::after_publish(UserAlterCallback done) {
  return [this, done = std::move(done)](UserAlterResults results) mutable {
    auto shared = std::make_shared<UserAlterResults>(std::move(results));
    publisher_.when_applied(controller_.image()->offset(),
                            [done = std::move(done), shared] { done(std::move(*shared)); });
  };
}

void UserService::alter(std::vector<cluster::ScramDeletion> deletions,
                        std::vector<SaltedUpsertion> upsertions, UserAlterCallback done) {
  std::vector<cluster::ScramUpsertion> derived;
  derived.reserve(upsertions.size());
  for (auto& u : upsertions) {
    cluster::ScramUpsertion d;
    d.name = std::move(u.name);
    d.mechanism = u.mechanism;
    d.credential.iterations = u.iterations;
    const auto mechanism = security::scram_mechanism_from_type(u.mechanism);
    // Unknown mechanisms, empty or oversized inputs go on without keys: the controller answers
    // them with Kafka's error for the user (and duplicates must still be detected there).
    if (mechanism != security::ScramMechanism::kUnknown && !u.salted_password.empty() &&
        u.salted_password.size() <= kMaxSaltedPasswordBytes &&
        u.salt.size() <= cluster::kMaxScramSaltBytes) {
      auto c = security::scram_credential_from_salted_password(mechanism, std::move(u.salt),
                                                               u.salted_password, u.iterations);
      d.credential.salt = std::move(c.salt);
      d.credential.stored_key = std::move(c.stored_key);
      d.credential.server_key = std::move(c.server_key);
    }
    OPENSSL_cleanse(u.salted_password.data(), u.salted_password.size());
    derived.push_back(std::move(d));
  }
  controller_.alter_scram_credentials(std::move(deletions), std::move(derived),
                                      after_publish(std::move(done)));
}

void UserService::upsert_password(std::string name, int8_t mechanism, const std::string& password,
                                  int32_t iterations, UserAlterCallback done) {
  cluster::ScramUpsertion u;
  u.name = std::move(name);
  u.mechanism = mechanism;
  u.credential.iterations = iterations;
  const auto m = security::scram_mechanism_from_type(mechanism);
  // Derive only for what the controller will accept: PBKDF2 with a huge count is a CPU sink.
  if (m != security::ScramMechanism::kUnknown && iterations >= cluster::kMinScramIterations &&
      iterations <= cluster::kMaxScramIterations) {
    auto c = security::make_scram_credential(m, password, iterations);
    u.credential.salt = std::move(c.salt);
    u.credential.stored_key = std::move(c.stored_key);
    u.credential.server_key = std::move(c.server_key);
  }
  controller_.alter_scram_credentials({}, {std::move(u)}, after_publish(std::move(done)));
}

void UserService::delete_user(std::string name, UserAlterCallback done) {
  const auto image = publisher_.latest();
  std::vector<cluster::ScramDeletion> deletions;
  if (const auto* m = [&]() -> const std::map<int8_t, cluster::ScramCredentialData>* {
        auto it = image->scram_credentials().find(name);
        return it == image->scram_credentials().end() ? nullptr : &it->second;
      }()) {
    for (const auto& [mechanism, c] : *m) deletions.push_back({name, mechanism});
  }
  if (deletions.empty()) {
    done({{name, cluster::kResourceNotFound, "User " + name + " has no SCRAM credentials"}});
    return;
  }
  // One deletion per mechanism of one user would be a duplicate in Kafka's rules; apply them one
  // request at a time instead, each validated by the controller.
  auto remaining = std::make_shared<std::vector<cluster::ScramDeletion>>(std::move(deletions));
  auto step = std::make_shared<std::function<void(UserAlterResults)>>();
  *step = [this, remaining, step, done = std::move(done)](UserAlterResults results) mutable {
    const bool failed = !results.empty() && results.front().error_code != 0;
    if (failed || remaining->empty()) {
      auto d = std::move(done);
      *step = nullptr;  // break the self-reference
      d(std::move(results));
      return;
    }
    auto next = remaining->back();
    remaining->pop_back();
    controller_.alter_scram_credentials({std::move(next)}, {}, after_publish(*step));
  };
  auto first = remaining->back();
  remaining->pop_back();
  controller_.alter_scram_credentials({std::move(first)}, {}, after_publish(*step));
}

}  // namespace samsa::server
