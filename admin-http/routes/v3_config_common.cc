#include "admin-http/routes/v3_config_common.h"

#include <cctype>

#include "admin-http/routes/v3_resources.h"
#include "admin-http/service_call.h"
#include "admin-http/v3_support.h"

namespace samsa::admin_http::v3 {

const char* config_source_name(server::ConfigSource source) {
  using server::ConfigSource;
  switch (source) {
    case ConfigSource::kTopic:
      return "DYNAMIC_TOPIC_CONFIG";
    case ConfigSource::kDynamicBroker:
      return "DYNAMIC_BROKER_CONFIG";
    case ConfigSource::kDynamicDefaultBroker:
      return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case ConfigSource::kStaticBroker:
      return "STATIC_BROKER_CONFIG";
    case ConfigSource::kDefault:
      return "DEFAULT_CONFIG";
    case ConfigSource::kUnknown:
      break;
  }
  return "UNKNOWN";
}

namespace {

nlohmann::json optional_string(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

}  // namespace

nlohmann::json config_json(const std::string& kind, const std::string& self,
                           const std::string& resource_name, const std::string& cluster_id,
                           const server::DescribedConfig& config) {
  auto out = resource_envelope(kind, self, resource_name);
  out["cluster_id"] = cluster_id;
  out["name"] = config.name;
  out["value"] = optional_string(config.value);
  out["is_default"] = config.source == server::ConfigSource::kDefault;
  out["is_read_only"] = config.read_only;
  out["is_sensitive"] = config.sensitive;
  out["source"] = config_source_name(config.source);
  auto synonyms = nlohmann::json::array();
  for (const auto& s : config.synonyms) {
    synonyms.push_back({{"name", s.name},
                        {"value", optional_string(s.value)},
                        {"source", config_source_name(s.source)}});
  }
  out["synonyms"] = std::move(synonyms);
  return out;
}

std::optional<HttpResponse> parse_alter_batch(const nlohmann::json& body,
                                              std::vector<server::ConfigOp>& ops,
                                              bool& validate_only) {
  auto bad = [](const std::string& message) { return HttpResponse::error(400, 400, message); };
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array()) {
    return bad("The request body must be an object with a \"data\" array");
  }
  validate_only = false;
  if (body.contains("validate_only")) {
    if (!body["validate_only"].is_boolean()) return bad("validate_only must be a boolean");
    validate_only = body["validate_only"].get<bool>();
  }
  for (const auto& entry : body["data"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
      return bad("Each entry of \"data\" needs a string \"name\"");
    }
    server::ConfigOp op;
    op.key = entry["name"].get<std::string>();
    std::string operation = "SET";
    if (entry.contains("operation") && !entry["operation"].is_null()) {
      if (!entry["operation"].is_string()) return bad("operation must be SET or DELETE");
      operation = entry["operation"].get<std::string>();
      for (auto& c : operation) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (operation == "SET") {
      op.op = server::AlterOp::kSet;
      if (!entry.contains("value") || !entry["value"].is_string()) {
        return bad("Config " + op.key + ": SET needs a string \"value\"");
      }
      op.value = entry["value"].get<std::string>();
    } else if (operation == "DELETE") {
      op.op = server::AlterOp::kDelete;
    } else {
      return bad("Config " + op.key + ": operation must be SET or DELETE, not " + operation);
    }
    ops.push_back(std::move(op));
  }
  return std::nullopt;
}

std::optional<HttpResponse> parse_put_value(const HttpRequest& req, std::string& value) {
  nlohmann::json body;
  if (auto error = require_json(req, body)) return error;
  if (!body.is_object() || !body.contains("value") || !body["value"].is_string()) {
    return HttpResponse::error(400, 400, "The request body must be {\"value\": \"<string>\"}");
  }
  value = body["value"].get<std::string>();
  return std::nullopt;
}

HttpResponse alter_configs(const AdminContext& ctx, server::AlterResource resource,
                           bool validate_only) {
  auto results = call_service<server::ConfigResults>([&](auto done) {
    std::vector<server::AlterResource> resources;
    resources.push_back(std::move(resource));
    ctx.configs->alter(std::move(resources), /*incremental=*/true, validate_only, std::move(done));
  });
  if (!results) return service_timeout("The config change");
  if (results->empty()) return HttpResponse::error(500, 50002, "No result for the config change");
  const auto& r = results->front();
  if (r.error_code != 0) return kafka_error_response(r.error_code, r.error_message);
  return HttpResponse::no_content();
}

HttpResponse alter_one_config(const AdminContext& ctx, const HttpRequest& req,
                              server::AlterResource resource, server::AlterOp op) {
  server::ConfigOp config_op{.key = req.param("name"), .op = op, .value = std::nullopt};
  if (op == server::AlterOp::kSet) {
    std::string value;
    if (auto error = parse_put_value(req, value)) return *error;
    config_op.value = std::move(value);
  }
  resource.ops.push_back(std::move(config_op));
  return alter_configs(ctx, std::move(resource), false);
}

const server::DescribedConfig* find_config(const server::DescribeResult& described,
                                           const std::string& name, const std::string& owner,
                                           HttpResponse& error) {
  for (const auto& c : described.configs) {
    if (c.name == name) return &c;
  }
  error = HttpResponse::error(404, 404, "Config " + name + " cannot be found for " + owner + ".");
  return nullptr;
}

}  // namespace samsa::admin_http::v3
