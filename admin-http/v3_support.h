#pragma once
// Confluent REST v3 conventions shared by every v3 route: the resource and collection envelopes
// (kind, metadata.self, resource_name CRNs, related links), the cluster-id check, and the mapping
// from Kafka error codes to REST status + error_code.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "admin-http/admin_context.h"
#include "admin-http/http_types.h"

namespace samsa::admin_http {

// "/v3" or "/kafka/v3": links point back under the prefix the client used.
std::string v3_prefix(const HttpRequest& req);
// Absolute URL of `rel` (starting with "/clusters/...") under the request's v3 prefix.
std::string v3_url(const HttpRequest& req, const std::string& rel);
// "crn:///kafka=<cluster>" + each "/<type>=<name>" segment given.
std::string crn(const std::string& cluster_id, const std::string& rest = "");

nlohmann::json resource_envelope(const std::string& kind, const std::string& self,
                                 const std::optional<std::string>& resource_name);
nlohmann::json collection_envelope(const std::string& kind, const std::string& self,
                                   nlohmann::json data);
inline nlohmann::json related(const std::string& url) {
  return nlohmann::json{{"related", url}};
}

// 404 {"error_code":404,"message":"Cluster X cannot be found."} unless the path's {cluster_id} is
// ours.
std::optional<HttpResponse> check_cluster(const AdminContext& ctx, const HttpRequest& req);

// Kafka error code + message -> kafka-rest's HTTP status and error_code (see notes/rest.md §1.4).
HttpResponse kafka_error_response(int16_t kafka_error, const std::string& message);

// 400 for a body that is not JSON, 415 for a JSON route called with another media type.
std::optional<HttpResponse> require_json(const HttpRequest& req, nlohmann::json& out);

}  // namespace samsa::admin_http
