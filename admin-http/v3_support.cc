#include "admin-http/v3_support.h"

#include "protocol/error_codes.h"

namespace samsa::admin_http {

std::string v3_prefix(const HttpRequest& req) {
  return req.path.rfind("/kafka/v3", 0) == 0 ? "/kafka/v3" : "/v3";
}

std::string v3_url(const HttpRequest& req, const std::string& rel) {
  return req.base_url + v3_prefix(req) + rel;
}

std::string crn(const std::string& cluster_id, const std::string& rest) {
  return "crn:///kafka=" + cluster_id + rest;
}

nlohmann::json resource_envelope(const std::string& kind, const std::string& self,
                                 const std::optional<std::string>& resource_name) {
  nlohmann::json metadata{{"self", self}};
  metadata["resource_name"] = resource_name ? nlohmann::json(*resource_name) : nlohmann::json();
  return nlohmann::json{{"kind", kind}, {"metadata", metadata}};
}

nlohmann::json collection_envelope(const std::string& kind, const std::string& self,
                                   nlohmann::json data) {
  return nlohmann::json{
      {"kind", kind}, {"metadata", {{"self", self}, {"next", nullptr}}}, {"data", std::move(data)}};
}

std::optional<HttpResponse> check_cluster(const AdminContext& ctx, const HttpRequest& req) {
  const std::string& id = req.param("cluster_id");
  if (id == ctx.cluster_id) return std::nullopt;
  return HttpResponse::error(404, 404, "Cluster " + id + " cannot be found.");
}

HttpResponse kafka_error_response(int16_t kafka_error, const std::string& message) {
  using protocol::ErrorCode;
  const auto code = static_cast<ErrorCode>(kafka_error);
  switch (code) {
    case ErrorCode::kUnknownTopicOrPartition:
      return HttpResponse::error(404, 40403, message);
    case ErrorCode::kTopicAlreadyExists:
    case ErrorCode::kInvalidReplicationFactor:
    case ErrorCode::kInvalidPartitions:
    case ErrorCode::kInvalidConfig:
    case ErrorCode::kPolicyViolation:
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kUnsupportedVersion:
    case ErrorCode::kInvalidTopicException:
    case ErrorCode::kInvalidReplicaAssignment:
      return HttpResponse::error(400, 40002, message);
    case ErrorCode::kClusterAuthorizationFailed:
    case ErrorCode::kTopicAuthorizationFailed:
    case ErrorCode::kGroupAuthorizationFailed:
      return HttpResponse::error(403, 40301, message);
    case ErrorCode::kGroupIdNotFound:
      return HttpResponse::error(404, 404, message);
    case ErrorCode::kBrokerNotAvailable:
      return HttpResponse::error(503, 50302, message);
    default:
      break;
  }
  return HttpResponse::error(500, 50002, message);
}

std::optional<HttpResponse> require_json(const HttpRequest& req, nlohmann::json& out) {
  auto content_type = req.header("content-type");
  if (content_type && content_type->find("json") == std::string::npos) {
    return HttpResponse::error(415, 415,
                               "HTTP 415 Unsupported Media Type: expected application/json");
  }
  std::string error;
  auto body = req.json_body(error);
  if (!body) return HttpResponse::error(400, 400, "Malformed JSON: " + error);
  out = std::move(*body);
  return std::nullopt;
}

}  // namespace samsa::admin_http
