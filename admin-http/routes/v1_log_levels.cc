// GET/PUT /v1/log-level: the broker's log level at runtime (spdlog's global level), so an operator
// can turn on debug logging on a live broker and back off without a restart. Not persisted: a
// restart returns to the configured level.
#include <spdlog/spdlog.h>

#include <array>

#include "admin-http/routes/routes.h"
#include "admin-http/v3_support.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

constexpr std::array<std::pair<const char*, spdlog::level::level_enum>, 7> kLevels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

std::string level_name(spdlog::level::level_enum level) {
  for (const auto& [name, value] : kLevels) {
    if (value == level) return name;
  }
  return "info";
}

nlohmann::json level_json() {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [name, value] : kLevels) names.push_back(name);
  return {{"level", level_name(spdlog::get_level())}, {"levels", names}};
}

}  // namespace

void register_v1_log_level_routes(Router& router, AdminContext&) {
  router.add("GET", "/v1/log-level", Access::cluster(Op::kDescribeConfigs),
             [](HttpRequest&) { return HttpResponse::json(200, level_json()); });
  router.add(
      "PUT", "/v1/log-level", Access::cluster(Op::kAlterConfigs),
      [](HttpRequest& req) {
        nlohmann::json body;
        if (auto bad = require_json(req, body)) return *bad;
        if (!body.is_object() || !body.contains("level") || !body["level"].is_string()) {
          return HttpResponse::error(400, 400, "\"level\" (a string) is required");
        }
        const auto wanted = body["level"].get<std::string>();
        // spdlog::level::from_str maps unknown names to "off"; a typo must not silence the broker.
        for (const auto& [name, value] : kLevels) {
          if (wanted == name || (wanted == "warning" && value == spdlog::level::warn)) {
            const std::string previous = level_name(spdlog::get_level());
            spdlog::set_level(value);
            spdlog::warn("event=log_level_changed from={} to={} via=admin_http", previous, name);
            auto out = level_json();
            out["previous"] = previous;
            return HttpResponse::json(200, out);
          }
        }
        return HttpResponse::error(400, 400,
                                   "Unknown log level \"" + wanted +
                                       "\"; use trace, debug, info, warn, error, critical or off");
      },
      "ALTER_CONFIGS");
}

}  // namespace samsa::admin_http
