// Topics over v3: list, create, get, PATCH partitions_count, delete. Creation goes through
// server::TopicService (the same validation and controller path as Kafka CreateTopics) and answers
// 201 only once the topic is in the metadata image, because the Terraform provider reads it back
// straight after; a delete may finish asynchronously (the provider polls for 404).
#include <chrono>
#include <limits>
#include <thread>

#include "admin-http/http_auth.h"
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/service_call.h"
#include "admin-http/v3_support.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

HttpResponse bad_request(const std::string& message) {
  return HttpResponse::error(400, 400, message);
}

// An integer member of `body` within [lo, hi]; absent leaves `out` alone.
std::optional<HttpResponse> optional_int(const nlohmann::json& body, const char* name, int64_t lo,
                                         int64_t hi, int64_t& out) {
  if (!body.contains(name) || body[name].is_null()) return std::nullopt;
  const auto& v = body[name];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    return bad_request(std::string(name) + " must be an integer between " + std::to_string(lo) +
                       " and " + std::to_string(hi));
  }
  out = v.get<int64_t>();
  return std::nullopt;
}

// CreateTopicRequestData -> the controller's request. `validate_only` is set from the body.
std::optional<HttpResponse> parse_create(const nlohmann::json& body,
                                         cluster::CreateTopicRequest& out, bool& validate_only) {
  if (!body.is_object()) return bad_request("The request body must be a JSON object");
  if (!body.contains("topic_name") || !body["topic_name"].is_string()) {
    return bad_request("topic_name is required and must be a string");
  }
  out.name = body["topic_name"].get<std::string>();
  int64_t partitions = -1;
  int64_t rf = -1;
  if (auto e = optional_int(body, "partitions_count", -1, std::numeric_limits<int32_t>::max(),
                            partitions))
    return e;
  if (auto e =
          optional_int(body, "replication_factor", -1, std::numeric_limits<int16_t>::max(), rf))
    return e;
  out.num_partitions = static_cast<int32_t>(partitions);
  out.replication_factor = static_cast<int16_t>(rf);
  if (body.contains("replicas_assignments") && !body["replicas_assignments"].is_null()) {
    const auto& a = body["replicas_assignments"];
    if (!a.is_object()) return bad_request("replicas_assignments must be an object");
    for (const auto& [key, replicas] : a.items()) {
      auto partition = v3::parse_int32(key);
      if (!partition || !replicas.is_array()) {
        return bad_request("replicas_assignments maps partition ids to arrays of broker ids");
      }
      std::vector<int32_t> ids;
      for (const auto& r : replicas) {
        if (!r.is_number_integer() || r.get<int64_t>() < 0 ||
            r.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
          return bad_request("replicas_assignments: broker ids must be non-negative integers");
        }
        ids.push_back(r.get<int32_t>());
      }
      out.assignments[*partition] = std::move(ids);
    }
  }
  if (body.contains("configs") && !body["configs"].is_null()) {
    if (!body["configs"].is_array()) return bad_request("configs must be an array");
    for (const auto& c : body["configs"]) {
      if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) {
        return bad_request("Each entry of configs needs a string \"name\"");
      }
      if (!c.contains("value") || c["value"].is_null()) continue;  // null: the default applies
      if (!c["value"].is_string()) return bad_request("Config values must be strings");
      out.configs[c["name"].get<std::string>()] = c["value"].get<std::string>();
    }
  }
  validate_only = false;
  if (body.contains("validate_only")) {
    if (!body["validate_only"].is_boolean()) return bad_request("validate_only must be a boolean");
    validate_only = body["validate_only"].get<bool>();
  }
  return std::nullopt;
}

// The controller answers once its record is applied; the local image follows on the quorum
// thread, so wait (briefly) until the image shows what the caller is about to read back.
template <typename Pred>
std::shared_ptr<const cluster::MetadataImage> wait_for_image(const AdminContext& ctx, Pred ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto image = ctx.topics->image();
  while (!ok(*image) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    image = ctx.topics->image();
  }
  return image;
}

HttpResponse create_topic(AdminContext& ctx, HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  nlohmann::json body;
  if (auto error = require_json(req, body)) return *error;
  cluster::CreateTopicRequest topic;
  bool validate_only = false;
  if (auto error = parse_create(body, topic, validate_only)) return *error;
  const std::string name = topic.name;
  req.audit_resources = std::vector<std::string>{"TOPIC:" + name};
  // CreateTopics' rule: CREATE on the cluster, else CREATE on the topic.
  if (!req.visible(Op::kCreate, security::ResourceType::kCluster, security::kClusterResourceName)) {
    if (auto denied = require_access(req, Op::kCreate, security::ResourceType::kTopic, name))
      return *denied;
  }
  auto results = call_service<server::TopicResults>([&](auto done) {
    std::vector<cluster::CreateTopicRequest> topics;
    topics.push_back(std::move(topic));
    ctx.topics->create_topics(std::move(topics), validate_only, std::move(done));
  });
  if (!results) return v3::service_timeout("Creating topic " + name);
  if (results->empty()) return HttpResponse::error(500, 50002, "No result for topic " + name);
  const auto& r = results->front();
  if (r.error_code != 0) return kafka_error_response(r.error_code, r.error_message);
  if (validate_only) {
    return HttpResponse::json(
        200, v3::topic_json(ctx, req, name, r.num_partitions, r.replication_factor, false));
  }
  auto image = wait_for_image(ctx, [&](const cluster::MetadataImage& i) { return i.topic(name); });
  const cluster::TopicState* created = image->topic(name);
  if (!created) return v3::service_timeout("Publishing topic " + name + " in the metadata");
  auto response = HttpResponse::json(201, v3::topic_json(ctx, req, *created));
  response.headers["Location"] = v3_url(req, v3::topic_path(ctx, name));
  return response;
}

HttpResponse update_partitions(AdminContext& ctx, HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  HttpResponse error;
  if (!v3::find_topic(*ctx.topics->image(), req, error)) return error;
  nlohmann::json body;
  if (auto e = require_json(req, body)) return *e;
  if (!body.is_object()) return bad_request("The request body must be a JSON object");
  int64_t count = -1;
  if (auto e =
          optional_int(body, "partitions_count", 1, std::numeric_limits<int32_t>::max(), count))
    return *e;
  if (count < 0) return bad_request("partitions_count is required");
  const std::string name = req.param("topic_name");
  auto results = call_service<server::TopicResults>([&](auto done) {
    ctx.topics->create_partitions({{name, static_cast<int32_t>(count)}}, false, std::move(done));
  });
  if (!results) return v3::service_timeout("Adding partitions to " + name);
  if (results->empty()) return HttpResponse::error(500, 50002, "No result for topic " + name);
  if (results->front().error_code != 0) {
    return kafka_error_response(results->front().error_code, results->front().error_message);
  }
  auto image = wait_for_image(ctx, [&](const cluster::MetadataImage& i) {
    const auto* t = i.topic(name);
    return t && t->partitions.size() >= static_cast<size_t>(count);
  });
  const cluster::TopicState* topic = v3::find_topic(*image, req, error);
  if (!topic) return error;
  return HttpResponse::json(200, v3::topic_json(ctx, req, *topic));
}

HttpResponse delete_topic(AdminContext& ctx, HttpRequest& req) {
  if (auto error = check_cluster(ctx, req)) return *error;
  const std::string name = req.param("topic_name");
  auto results = call_service<server::TopicResults>(
      [&](auto done) { ctx.topics->delete_topics({name}, std::move(done)); });
  if (!results) return v3::service_timeout("Deleting topic " + name);
  if (results->empty()) return HttpResponse::error(500, 50002, "No result for topic " + name);
  const auto& r = results->front();
  if (r.error_code != 0) return kafka_error_response(r.error_code, r.error_message);
  return HttpResponse::no_content();
}

}  // namespace

void register_v3_topic_routes(Router& router, AdminContext& ctx) {
  router.add_v3(
      "GET", "/clusters/{cluster_id}/topics", Access::in_route(), [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        auto image = ctx.topics->image();
        auto data = nlohmann::json::array();
        // Internal topics too (__consumer_offsets, is_internal: true), as kafka-rest lists them.
        for (const auto& [name, topic] : image->topics()) {
          if (req.visible(Op::kDescribe, security::ResourceType::kTopic, name))
            data.push_back(v3::topic_json(ctx, req, *topic));
        }
        return HttpResponse::json(
            200,
            collection_envelope("KafkaTopicList", v3_url(req, v3::cluster_path(ctx) + "/topics"),
                                std::move(data)));
      });
  router.add_v3(
      "POST", "/clusters/{cluster_id}/topics", Access::in_route(),
      [&ctx](HttpRequest& req) { return create_topic(ctx, req); }, "CREATE");
  router.add_v3("GET", "/clusters/{cluster_id}/topics/{topic_name}", Access::topic(Op::kDescribe),
                [&ctx](HttpRequest& req) {
                  if (auto error = check_cluster(ctx, req)) return *error;
                  auto image = ctx.topics->image();
                  HttpResponse error;
                  const auto* topic = v3::find_topic(*image, req, error);
                  if (!topic) return error;
                  return HttpResponse::json(200, v3::topic_json(ctx, req, *topic));
                });
  router.add_v3(
      "PATCH", "/clusters/{cluster_id}/topics/{topic_name}", Access::topic(Op::kAlter),
      [&ctx](HttpRequest& req) { return update_partitions(ctx, req); }, "CREATE_PARTITIONS");
  router.add_v3(
      "DELETE", "/clusters/{cluster_id}/topics/{topic_name}", Access::topic(Op::kDelete),
      [&ctx](HttpRequest& req) { return delete_topic(ctx, req); }, "DELETE");
}

}  // namespace samsa::admin_http
