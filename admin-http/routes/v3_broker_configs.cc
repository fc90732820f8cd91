// Broker configs over v3: per broker (/brokers/{b}/configs..., every key with its source and
// synonyms, as DescribeConfigs reports it) and cluster-wide (/broker-configs..., only the keys set
// dynamically for the cluster-wide default, KIP-226's "<default>" entity, as kafka-rest lists
// them: the Terraform provider puts every listed entry into its state).
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_config_common.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/v3_support.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

using server::DescribeResult;

std::string broker_config_path(const AdminContext& ctx, int32_t broker) {
  return v3::cluster_path(ctx) + "/brokers/" + std::to_string(broker) + "/configs";
}

nlohmann::json broker_config_json(const AdminContext& ctx, const HttpRequest& req, int32_t broker,
                                  const server::DescribedConfig& c) {
  auto out = v3::config_json(
      "KafkaBrokerConfig", v3_url(req, broker_config_path(ctx, broker) + "/" + c.name),
      crn(ctx.cluster_id, "/broker=" + std::to_string(broker) + "/config=" + c.name),
      ctx.cluster_id, c);
  out["broker_id"] = broker;
  return out;
}

nlohmann::json cluster_config_json(const AdminContext& ctx, const HttpRequest& req,
                                   const server::DescribedConfig& c) {
  auto out = v3::config_json("KafkaClusterConfig",
                             v3_url(req, v3::cluster_path(ctx) + "/broker-configs/" + c.name),
                             crn(ctx.cluster_id, "/broker-config=" + c.name), ctx.cluster_id, c);
  out["config_type"] = "BROKER";
  return out;
}

// {broker_id} must be a registered broker; `id` receives it.
std::optional<HttpResponse> check_broker(const AdminContext& ctx, const HttpRequest& req,
                                         int32_t& id) {
  auto parsed = v3::parse_int32(req.param("broker_id"));
  if (!parsed || !ctx.topics->image()->broker(*parsed)) {
    return HttpResponse::error(
        404, 404,
        "Broker " + req.param("broker_id") + " cannot be found in cluster " + ctx.cluster_id + ".");
  }
  id = *parsed;
  return std::nullopt;
}

DescribeResult describe_broker(const AdminContext& ctx, int32_t broker) {
  return ctx.configs->describe(cluster::kResourceBroker, std::to_string(broker), std::nullopt,
                               /*include_synonyms=*/true, /*include_documentation=*/false);
}

DescribeResult describe_cluster_defaults(const AdminContext& ctx) {
  return ctx.configs->describe(cluster::kResourceBroker, "", std::nullopt, true, false);
}

server::AlterResource broker_resource(const std::string& name) {
  server::AlterResource r;
  r.resource_type = cluster::kResourceBroker;
  r.resource_name = name;  // "" is the cluster-wide default
  return r;
}

HttpResponse alter_one(const AdminContext& ctx, const HttpRequest& req, const std::string& resource,
                       server::AlterOp op) {
  return v3::alter_one_config(ctx, req, broker_resource(resource), op);
}

HttpResponse alter_batch(const AdminContext& ctx, const HttpRequest& req,
                         const std::string& resource) {
  nlohmann::json body;
  if (auto error = require_json(req, body)) return *error;
  server::AlterResource r = broker_resource(resource);
  bool validate_only = false;
  if (auto error = v3::parse_alter_batch(body, r.ops, validate_only)) return *error;
  return v3::alter_configs(ctx, std::move(r), validate_only);
}

void register_per_broker(Router& router, AdminContext& ctx) {
  const std::string base = "/clusters/{cluster_id}/brokers/{broker_id}/configs";
  router.add_v3("GET", "/clusters/{cluster_id}/brokers/-/configs",
                Access::cluster(Op::kDescribeConfigs), [&ctx](HttpRequest& req) {
                  if (auto error = check_cluster(ctx, req)) return *error;
                  auto data = nlohmann::json::array();
                  for (const auto& [id, broker] : ctx.topics->image()->brokers()) {
                    // Only this broker's configs are known here until brokers forward
                    // DescribeConfigs.
                    auto described = describe_broker(ctx, id);
                    if (described.error_code != 0) continue;
                    for (const auto& c : described.configs)
                      data.push_back(broker_config_json(ctx, req, id, c));
                  }
                  return HttpResponse::json(
                      200,
                      collection_envelope("KafkaBrokerConfigList",
                                          v3_url(req, v3::cluster_path(ctx) + "/brokers/-/configs"),
                                          std::move(data)));
                });
  router.add_v3("GET", base, Access::cluster(Op::kDescribeConfigs), [&ctx](HttpRequest& req) {
    if (auto error = check_cluster(ctx, req)) return *error;
    int32_t broker = 0;
    if (auto error = check_broker(ctx, req, broker)) return *error;
    auto described = describe_broker(ctx, broker);
    if (described.error_code != 0) {
      return kafka_error_response(described.error_code, described.error_message);
    }
    auto data = nlohmann::json::array();
    for (const auto& c : described.configs) data.push_back(broker_config_json(ctx, req, broker, c));
    return HttpResponse::json(
        200, collection_envelope("KafkaBrokerConfigList",
                                 v3_url(req, broker_config_path(ctx, broker)), std::move(data)));
  });
  router.add_v3("GET", base + "/{name}", Access::cluster(Op::kDescribeConfigs),
                [&ctx](HttpRequest& req) {
                  if (auto error = check_cluster(ctx, req)) return *error;
                  int32_t broker = 0;
                  if (auto error = check_broker(ctx, req, broker)) return *error;
                  auto described = describe_broker(ctx, broker);
                  if (described.error_code != 0) {
                    return kafka_error_response(described.error_code, described.error_message);
                  }
                  HttpResponse error;
                  const auto* c = v3::find_config(described, req.param("name"),
                                                  "broker " + std::to_string(broker), error);
                  if (!c) return error;
                  return HttpResponse::json(200, broker_config_json(ctx, req, broker, *c));
                });
  router.add_v3(
      "PUT", base + "/{name}", Access::cluster(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        int32_t broker = 0;
        if (auto error = check_broker(ctx, req, broker)) return *error;
        return alter_one(ctx, req, std::to_string(broker), server::AlterOp::kSet);
      },
      "ALTER_CONFIGS");
  router.add_v3(
      "DELETE", base + "/{name}", Access::cluster(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        int32_t broker = 0;
        if (auto error = check_broker(ctx, req, broker)) return *error;
        return alter_one(ctx, req, std::to_string(broker), server::AlterOp::kDelete);
      },
      "ALTER_CONFIGS");
  router.add_v3(
      "POST", "/clusters/{cluster_id}/brokers/{broker_id}/configs:alter",
      Access::cluster(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        int32_t broker = 0;
        if (auto error = check_broker(ctx, req, broker)) return *error;
        return alter_batch(ctx, req, std::to_string(broker));
      },
      "ALTER_CONFIGS");
}

void register_cluster_wide(Router& router, AdminContext& ctx) {
  const std::string base = "/clusters/{cluster_id}/broker-configs";
  router.add_v3("GET", base, Access::cluster(Op::kDescribeConfigs), [&ctx](HttpRequest& req) {
    if (auto error = check_cluster(ctx, req)) return *error;
    auto described = describe_cluster_defaults(ctx);
    if (described.error_code != 0) {
      return kafka_error_response(described.error_code, described.error_message);
    }
    auto data = nlohmann::json::array();
    for (const auto& c : described.configs) data.push_back(cluster_config_json(ctx, req, c));
    return HttpResponse::json(
        200, collection_envelope("KafkaClusterConfigList",
                                 v3_url(req, v3::cluster_path(ctx) + "/broker-configs"),
                                 std::move(data)));
  });
  router.add_v3(
      "GET", base + "/{name}", Access::cluster(Op::kDescribeConfigs), [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        auto described = describe_cluster_defaults(ctx);
        if (described.error_code != 0) {
          return kafka_error_response(described.error_code, described.error_message);
        }
        HttpResponse error;
        const auto* c =
            v3::find_config(described, req.param("name"), "cluster " + ctx.cluster_id, error);
        if (!c) return error;
        return HttpResponse::json(200, cluster_config_json(ctx, req, *c));
      });
  router.add_v3(
      "PUT", base + "/{name}", Access::cluster(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        return alter_one(ctx, req, "", server::AlterOp::kSet);
      },
      "ALTER_CONFIGS");
  router.add_v3(
      "DELETE", base + "/{name}", Access::cluster(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        return alter_one(ctx, req, "", server::AlterOp::kDelete);
      },
      "ALTER_CONFIGS");
  router.add_v3(
      "POST", "/clusters/{cluster_id}/broker-configs:alter", Access::cluster(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        return alter_batch(ctx, req, "");
      },
      "ALTER_CONFIGS");
}

}  // namespace

void register_v3_broker_config_routes(Router& router, AdminContext& ctx) {
  register_per_broker(router, ctx);
  register_cluster_wide(router, ctx);
}

}  // namespace samsa::admin_http
