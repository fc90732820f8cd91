#pragma once
// Method + path-pattern routing for the admin HTTP server. Patterns are literal segments and
// `{name}` parameters; Confluent's custom methods (`configs:alter`, `records:batch`) are literal
// text inside a segment, so `/topics/{topic_name}/configs:alter` is an ordinary pattern.
#include <string>
#include <vector>

#include "admin-http/http_types.h"

namespace samsa::admin_http {

struct RouteOptions {
  // The route reads the body itself through HttpExchange (streaming); the server does not read it.
  bool streaming = false;
  // Served before the broker is ready (health, metrics, the OpenAPI document).
  bool available_while_starting = false;
};

class Router {
 public:
  void add(const std::string& method, const std::string& pattern, RouteHandler handler,
           RouteOptions options = {});
  // Registers a Confluent v3 route under both /v3 and /kafka/v3 (the Terraform provider and the
  // Confluent CLI use the latter).
  void add_v3(const std::string& method, const std::string& pattern, RouteHandler handler,
              RouteOptions options = {});

  struct Match {
    const RouteHandler* handler = nullptr;
    RouteOptions options;
    std::map<std::string, std::string> params;
    bool path_known = false;  // some route has this path, with another method (405)
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteHandler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

}  // namespace samsa::admin_http
