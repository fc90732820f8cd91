// /v1/security/users: SCRAM users over REST (Confluent v3 has no user endpoints; the shape follows
// Redpanda's admin API). Thin routes over server::UserService, the service the Kafka
// Describe/AlterUserScramCredentials handlers call, so both faces apply the same rules. The broker
// salts the password here (a fresh random salt per credential); only salted keys are stored.
// Listing returns mechanisms and iterations, never salts or keys.
#include <optional>

#include "admin-http/routes/routes.h"
#include "admin-http/service_call.h"
#include "admin-http/v3_support.h"
#include "security/sasl/scram_formatter.h"
#include "server/user_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

nlohmann::json user_json(const server::DescribedUser& u) {
  auto mechanisms = nlohmann::json::array();
  for (const auto& c : u.credentials) {
    mechanisms.push_back({{"mechanism", std::string(security::scram_mechanism_name(
                                            security::scram_mechanism_from_type(c.mechanism)))},
                          {"iterations", c.iterations}});
  }
  return {{"name", u.user}, {"mechanisms", mechanisms}};
}

HttpResponse alter_error(const cluster::ScramAlterResult& r) {
  const std::string message = r.error_message.value_or("");
  switch (r.error_code) {
    case cluster::kResourceNotFound:
      return HttpResponse::error(404, 40403, message);
    case cluster::kUnacceptableCredential:
    case cluster::kUnsupportedSaslMechanism:
    case cluster::kDuplicateResource:
      return HttpResponse::error(400, 40002, message);
    case cluster::kNotController:
      return HttpResponse::error(503, 50302, message);
    default:
      return HttpResponse::error(500, 50002, message);
  }
}

HttpResponse run_alter(const std::string& what,
                       const std::function<void(server::UserAlterCallback)>& start,
                       HttpResponse on_success) {
  auto results = call_service<server::UserAlterResults>(start);
  if (!results) return HttpResponse::error(503, 50302, what + " timed out");
  for (const auto& r : *results) {
    if (r.error_code != 0) return alter_error(r);
  }
  return on_success;
}

// Body: {"username"?, "password", "algorithm": "SCRAM-SHA-256"|"SCRAM-SHA-512", "iterations"?}
HttpResponse upsert(AdminContext& ctx, HttpRequest& req, std::optional<std::string> name) {
  nlohmann::json body;
  if (auto bad = require_json(req, body)) return *bad;
  if (!body.is_object()) return HttpResponse::error(400, 40002, "The body must be a JSON object");
  if (!name) {
    if (!body.contains("username") || !body["username"].is_string()) {
      return HttpResponse::error(400, 40002, "\"username\" (a string) is required");
    }
    name = body["username"].get<std::string>();
  }
  req.audit_resources = std::vector<std::string>{"USER:" + *name};
  if (!body.contains("password") || !body["password"].is_string() ||
      body["password"].get_ref<const std::string&>().empty()) {
    return HttpResponse::error(400, 40002, "\"password\" (a non-empty string) is required");
  }
  const std::string algorithm =
      body.contains("algorithm") && body["algorithm"].is_string()
          ? body["algorithm"].get<std::string>()
          : std::string(security::scram_mechanism_name(security::ScramMechanism::kSha256));
  const auto mechanism = security::scram_mechanism_from_name(algorithm);
  if (mechanism == security::ScramMechanism::kUnknown) {
    return HttpResponse::error(
        400, 40002,
        "Unknown SCRAM mechanism \"" + algorithm + "\"; use SCRAM-SHA-256 or SCRAM-SHA-512");
  }
  int32_t iterations = security::kScramMinIterations;
  if (body.contains("iterations")) {
    if (!body["iterations"].is_number_integer()) {
      return HttpResponse::error(400, 40002, "\"iterations\" must be an integer");
    }
    const auto n = body["iterations"].get<int64_t>();
    iterations = n < INT32_MIN ? INT32_MIN : n > INT32_MAX ? INT32_MAX : static_cast<int32_t>(n);
  }
  const std::string password = body["password"].get<std::string>();
  return run_alter(
      "Setting the credential of " + *name,
      [&](auto done) {
        ctx.users->upsert_password(*name, static_cast<int8_t>(mechanism), password, iterations,
                                   std::move(done));
      },
      HttpResponse::json(200,
                         {{"name", *name}, {"mechanism", algorithm}, {"iterations", iterations}}));
}

}  // namespace

void register_v1_user_routes(Router& router, AdminContext& ctx) {
  router.add("GET", "/v1/security/users", Access::cluster(Op::kDescribe), [&ctx](HttpRequest&) {
    auto out = nlohmann::json::array();
    for (const auto& u : ctx.users->describe(std::nullopt)) out.push_back(user_json(u));
    return HttpResponse::json(200, out);
  });
  router.add(
      "GET", "/v1/security/users/{user}", Access::cluster(Op::kDescribe), [&ctx](HttpRequest& req) {
        const auto described = ctx.users->describe(std::vector<std::string>{req.param("user")});
        if (described.empty() || described.front().error_code != 0) {
          return HttpResponse::error(404, 40403, "User " + req.param("user") + " not found");
        }
        return HttpResponse::json(200, user_json(described.front()));
      });
  router.add(
      "POST", "/v1/security/users", Access::cluster(Op::kAlter),
      [&ctx](HttpRequest& req) { return upsert(ctx, req, std::nullopt); }, "UPSERT");
  router.add(
      "PUT", "/v1/security/users/{user}", Access::cluster(Op::kAlter),
      [&ctx](HttpRequest& req) { return upsert(ctx, req, req.param("user")); }, "UPSERT");
  // Deletes every credential of the user, or only ?algorithm=SCRAM-SHA-xxx.
  router.add(
      "DELETE", "/v1/security/users/{user}", Access::cluster(Op::kAlter),
      [&ctx](HttpRequest& req) {
        const std::string name = req.param("user");
        if (auto algorithm = req.query_param("algorithm")) {
          const auto mechanism = security::scram_mechanism_from_name(*algorithm);
          if (mechanism == security::ScramMechanism::kUnknown) {
            return HttpResponse::error(400, 40002,
                                       "Unknown SCRAM mechanism \"" + *algorithm + "\"");
          }
          return run_alter(
              "Deleting the credential of " + name,
              [&](auto done) {
                ctx.users->alter({{name, static_cast<int8_t>(mechanism)}}, {}, std::move(done));
              },
              HttpResponse::no_content());
        }
        return run_alter(
            "Deleting user " + name,
            [&](auto done) { ctx.users->delete_user(name, std::move(done)); },
            HttpResponse::no_content());
      },
      "DELETE");
}

}  // namespace samsa::admin_http
