// DescribeUserScramCredentials (50): which users have which SCRAM mechanisms, and with how many
// iterations. Salts and keys never leave the broker. DESCRIBE on CLUSTER, as in Kafka.
#include "protocol/error_codes.h"
#include "protocol/messages/describe_user_scram_credentials_request.h"
#include "protocol/messages/describe_user_scram_credentials_response.h"
#include "server/api_table.h"
#include "server/user_service.h"

namespace samsa::server {

asio::awaitable<void> handle_describe_user_scram_credentials(RequestContext& ctx) {
  protocol::DescribeUserScramCredentialsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::DescribeUserScramCredentialsResponse;
  Response response;
  response.error_message = std::nullopt;
  const bool authorized =
      ctx.authorized(security::AclOperation::kDescribe, security::ResourceType::kCluster,
                     security::kClusterResourceName);
  if (!authorized || ctx.services.users == nullptr) {
    // Kafka's getErrorResponse: the top-level error, repeated once per requested user (unnamed).
    const auto code = authorized ? protocol::ErrorCode::kUnknownServerError
                                 : protocol::ErrorCode::kClusterAuthorizationFailed;
    const std::string message =
        authorized ? "User credentials are not available yet." : "Cluster authorization failed.";
    response.error_code = static_cast<int16_t>(code);
    response.error_message = message;
    if (request.users) {
      for (size_t i = 0; i < request.users->size(); ++i) {
        Response::DescribeUserScramCredentialsResult r;
        r.error_code = response.error_code;
        r.error_message = message;
        response.results.push_back(std::move(r));
      }
    }
    response.encode(ctx.response, ctx.version());
    co_return;
  }
  std::optional<std::vector<std::string>> users;
  if (request.users) {
    users.emplace();
    for (auto& u : *request.users) users->push_back(std::move(u.name));
  }
  for (auto& d : ctx.services.users->describe(users)) {
    Response::DescribeUserScramCredentialsResult r;
    r.user = std::move(d.user);
    r.error_code = d.error_code;
    r.error_message = std::move(d.error_message);
    for (const auto& c : d.credentials) {
      Response::CredentialInfo info;
      info.mechanism = c.mechanism;
      info.iterations = c.iterations;
      r.credential_infos.push_back(info);
    }
    response.results.push_back(std::move(r));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
