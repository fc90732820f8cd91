// Topic configs over v3: every topic key with its value in force, source and synonyms (the
// Terraform provider keeps exactly the entries whose source is DYNAMIC_TOPIC_CONFIG, so only
// overrides may carry it), set/reset one key, and the :alter batch. Reads and writes go through
// server::ConfigService, as DescribeConfigs and IncrementalAlterConfigs do.
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_config_common.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/v3_support.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

nlohmann::json topic_config_json(const AdminContext& ctx, const HttpRequest& req,
                                 const std::string& topic, const server::DescribedConfig& c) {
  auto out = v3::config_json(
      "KafkaTopicConfig", v3_url(req, v3::topic_path(ctx, topic) + "/configs/" + c.name),
      crn(ctx.cluster_id, "/topic=" + topic + "/config=" + c.name), ctx.cluster_id, c);
  out["topic_name"] = topic;
  return out;
}

server::DescribeResult describe_topic(const AdminContext& ctx, const std::string& topic) {
  return ctx.configs->describe(cluster::kResourceTopic, topic, std::nullopt,
                               /*include_synonyms=*/true, /*include_documentation=*/false);
}

server::AlterResource topic_resource(const std::string& topic) {
  server::AlterResource r;
  r.resource_type = cluster::kResourceTopic;
  r.resource_name = topic;
  return r;
}

HttpResponse list_configs(const AdminContext& ctx, const HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  const std::string& topic = req.param("topic_name");
  auto described = describe_topic(ctx, topic);
  if (described.error_code != 0) {
    return kafka_error_response(described.error_code, described.error_message);
  }
  auto data = nlohmann::json::array();
  for (const auto& c : described.configs) data.push_back(topic_config_json(ctx, req, topic, c));
  return HttpResponse::json(
      200,
      collection_envelope("KafkaTopicConfigList",
                          v3_url(req, v3::topic_path(ctx, topic) + "/configs"), std::move(data)));
}

HttpResponse list_all_topics_configs(const AdminContext& ctx, const HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  auto data = nlohmann::json::array();
  for (const auto& [name, topic] : ctx.topics->image()->topics()) {
    if (!req.visible(Op::kDescribeConfigs, security::ResourceType::kTopic, name)) continue;
    auto described = describe_topic(ctx, name);
    if (described.error_code != 0) continue;  // deleted since the image was taken
    for (const auto& c : described.configs) data.push_back(topic_config_json(ctx, req, name, c));
  }
  return HttpResponse::json(
      200, collection_envelope("KafkaTopicConfigList",
                               v3_url(req, v3::cluster_path(ctx) + "/topics/-/configs"),
                               std::move(data)));
}

HttpResponse get_config(const AdminContext& ctx, const HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  const std::string& topic = req.param("topic_name");
  auto described = describe_topic(ctx, topic);
  if (described.error_code != 0) {
    return kafka_error_response(described.error_code, described.error_message);
  }
  HttpResponse error;
  const auto* c = v3::find_config(described, req.param("name"), "topic " + topic, error);
  if (!c) return error;
  return HttpResponse::json(200, topic_config_json(ctx, req, topic, *c));
}

HttpResponse alter_one(const AdminContext& ctx, const HttpRequest& req, server::AlterOp op) {
  if (auto error = check_cluster(ctx, req)) return *error;
  return v3::alter_one_config(ctx, req, topic_resource(req.param("topic_name")), op);
}

HttpResponse alter_batch(const AdminContext& ctx, const HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  nlohmann::json body;
  if (auto error = require_json(req, body)) return *error;
  server::AlterResource r = topic_resource(req.param("topic_name"));
  bool validate_only = false;
  if (auto error = v3::parse_alter_batch(body, r.ops, validate_only)) return *error;
  return v3::alter_configs(ctx, std::move(r), validate_only);
}

}  // namespace

void register_v3_topic_config_routes(Router& router, AdminContext& ctx) {
  const std::string base = "/clusters/{cluster_id}/topics/{topic_name}/configs";
  router.add_v3("GET", base, Access::topic(Op::kDescribeConfigs),
                [&ctx](HttpRequest& req) { return list_configs(ctx, req); });
  router.add_v3("GET", "/clusters/{cluster_id}/topics/-/configs", Access::in_route(),
                [&ctx](HttpRequest& req) { return list_all_topics_configs(ctx, req); });
  router.add_v3("GET", base + "/{name}", Access::topic(Op::kDescribeConfigs),
                [&ctx](HttpRequest& req) { return get_config(ctx, req); });
  router.add_v3(
      "PUT", base + "/{name}", Access::topic(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) { return alter_one(ctx, req, server::AlterOp::kSet); },
      "ALTER_CONFIGS");
  router.add_v3(
      "DELETE", base + "/{name}", Access::topic(Op::kAlterConfigs),
      [&ctx](HttpRequest& req) { return alter_one(ctx, req, server::AlterOp::kDelete); },
      "ALTER_CONFIGS");
  router.add_v3(
      "POST", "/clusters/{cluster_id}/topics/{topic_name}/configs:alter",
      Access::topic(Op::kAlterConfigs), [&ctx](HttpRequest& req) { return alter_batch(ctx, req); },
      "ALTER_CONFIGS");
}

}  // namespace samsa::admin_http
