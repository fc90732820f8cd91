// AlterUserScramCredentials (51): upsert salted credentials and delete them. The client derives
// the salted password; UserService turns it into StoredKey/ServerKey and the controller validates
// with Kafka's rules. ALTER on CLUSTER, as in Kafka.
#include <map>
#include <set>
#include <string_view>

#include "protocol/error_codes.h"
#include "protocol/messages/alter_user_scram_credentials_request.h"
#include "protocol/messages/alter_user_scram_credentials_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/user_service.h"

namespace samsa::server {

asio::awaitable<void> handle_alter_user_scram_credentials(RequestContext& ctx) {
  protocol::AlterUserScramCredentialsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::AlterUserScramCredentialsResponse;
  Response response;
  // What each user's result changed, for the audit log: UPSERT, DELETE, or ALTER for both.
  std::map<std::string, std::string> audit_ops;
  for (const auto& d : request.deletions) audit_ops[d.name] = "DELETE";
  for (const auto& u : request.upsertions) {
    auto [it, added] = audit_ops.try_emplace(u.name, "UPSERT");
    if (!added && it->second == "DELETE") it->second = "ALTER";
  }
  auto audit = [&](const std::string& user, int16_t error, std::string_view message) {
    auto op = audit_ops.find(user);
    ctx.audit_change(audit_resource(security::ResourceType::kUser, user),
                     op != audit_ops.end() ? op->second : "ALTER", error, message);
  };
  const bool authorized =
      ctx.authorized(security::AclOperation::kAlter, security::ResourceType::kCluster,
                     security::kClusterResourceName);
  if (!authorized || ctx.services.users == nullptr) {
    // Kafka's getErrorResponse: every distinct user of the request, sorted, with the error.
    std::set<std::string> users;
    for (const auto& d : request.deletions) users.insert(d.name);
    for (const auto& u : request.upsertions) users.insert(u.name);
    for (const auto& user : users) {
      Response::AlterUserScramCredentialsResult r;
      r.user = user;
      r.error_code =
          static_cast<int16_t>(authorized ? protocol::ErrorCode::kUnknownServerError
                                          : protocol::ErrorCode::kClusterAuthorizationFailed);
      r.error_message =
          authorized ? "User credentials are not available yet." : "Cluster authorization failed.";
      audit(r.user, r.error_code, *r.error_message);
      response.results.push_back(std::move(r));
    }
    response.encode(ctx.response, ctx.version());
    co_return;
  }
  std::vector<cluster::ScramDeletion> deletions;
  for (auto& d : request.deletions) deletions.push_back({std::move(d.name), d.mechanism});
  std::vector<SaltedUpsertion> upsertions;
  for (auto& u : request.upsertions) {
    SaltedUpsertion s;
    s.name = std::move(u.name);
    s.mechanism = u.mechanism;
    s.iterations = u.iterations;
    s.salt.assign(u.salt.begin(), u.salt.end());
    s.salted_password.assign(u.salted_password.begin(), u.salted_password.end());
    upsertions.push_back(std::move(s));
  }
  auto results = co_await await_callback<UserAlterResults>([&](UserAlterCallback done) {
    ctx.services.users->alter(std::move(deletions), std::move(upsertions), std::move(done));
  });
  for (auto& res : results) {
    Response::AlterUserScramCredentialsResult r;
    r.user = std::move(res.user);
    r.error_code = res.error_code;
    r.error_message = std::move(res.error_message);
    audit(r.user, r.error_code, r.error_message.value_or(""));
    response.results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
