#include "admin-http/http_types.h"

namespace samsa::admin_http {

HttpResponse HttpResponse::json(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

HttpResponse HttpResponse::no_content() {
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse HttpResponse::error(int status, int error_code, const std::string& message) {
  return json(status, nlohmann::json{{"error_code", error_code}, {"message", message}});
}

const std::string& HttpRequest::param(const std::string& name) const {
  static const std::string empty;
  auto it = path_params.find(name);
  return it == path_params.end() ? empty : it->second;
}

std::optional<std::string> HttpRequest::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<nlohmann::json> HttpRequest::json_body(std::string& error) const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    error = e.what();
    return std::nullopt;
  }
}

}  // namespace samsa::admin_http
