#pragma once
// Method + path-pattern routing for the admin HTTP server. Patterns are literal segments and
// `{name}` parameters; Confluent's custom methods (`configs:alter`, `records:batch`) are literal
// text inside a segment, so `/topics/{topic_name}/configs:alter` is an ordinary pattern.
#include <string>
#include <vector>

#include "admin-http/http_types.h"
#include "security/acl/acl.h"

namespace samsa::admin_http {

// What a route needs from the authorizer, checked by the server before the route runs (DESIGN
// §13: the REST face asks the same authorizer the Kafka API does, for the same action). Every
// route states one; registering a route without one is a programming error.
struct Access {
  enum class Kind {
    kUnset,
    // An authenticated caller, no ACL (what Kafka's Metadata and DescribeCluster need).
    kAuthenticated,
    // `operation` on the resource named by the path parameter `name_param` (the cluster when
    // empty).
    kResource,
    // The route decides itself (HttpRequest::allowed): the resource is in the body, or a list is
    // filtered to what the caller may describe.
    kInRoute,
  };
  Kind kind = Kind::kUnset;
  security::AclOperation operation = security::AclOperation::kUnknown;
  security::ResourceType resource_type = security::ResourceType::kUnknown;
  std::string name_param;

  static Access authenticated() { return make(Kind::kAuthenticated); }
  static Access in_route() { return make(Kind::kInRoute); }
  static Access make(Kind kind) {
    Access a;
    a.kind = kind;
    return a;
  }
  static Access cluster(security::AclOperation op) {
    return {Kind::kResource, op, security::ResourceType::kCluster, ""};
  }
  static Access topic(security::AclOperation op, std::string param = "topic_name") {
    return {Kind::kResource, op, security::ResourceType::kTopic, std::move(param)};
  }
  static Access group(security::AclOperation op, std::string param = "consumer_group_id") {
    return {Kind::kResource, op, security::ResourceType::kGroup, std::move(param)};
  }
};

struct RouteOptions {
  // The route reads the body itself through HttpExchange (streaming); the server does not read it.
  bool streaming = false;
  // Served before the broker is ready (health, metrics, the OpenAPI document).
  bool available_while_starting = false;
  Access access;
  // The audit operation when the route changes state ("CREATE", "ALTER_CONFIGS", ...): the
  // server writes one change line per resource once the route has answered. Empty: no change.
  std::string change;
};

class Router {
 public:
  // Throws std::logic_error when `options.access` is unset.
  void add(const std::string& method, const std::string& pattern, RouteHandler handler,
           RouteOptions options);
  // Registers a Confluent v3 route under both /v3 and /kafka/v3 (the Terraform provider and the
  // Confluent CLI use the latter).
  void add_v3(const std::string& method, const std::string& pattern, RouteHandler handler,
              RouteOptions options);
  // Shorthands for the common case: a route that needs only `access`.
  void add(const std::string& method, const std::string& pattern, Access access,
           RouteHandler handler, std::string change = {}) {
    add(method, pattern, std::move(handler),
        RouteOptions{.access = std::move(access), .change = std::move(change)});
  }
  void add_v3(const std::string& method, const std::string& pattern, Access access,
              RouteHandler handler, std::string change = {}) {
    add_v3(method, pattern, std::move(handler),
           RouteOptions{.access = std::move(access), .change = std::move(change)});
  }

  struct Match {
    const RouteHandler* handler = nullptr;
    RouteOptions options;
    std::map<std::string, std::string> params;
    bool path_known = false;  // some route has this path, with another method (405)
    std::string pattern;      // the matched route, as registered ("/v3/clusters/{cluster_id}")
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

}  // namespace samsa::admin_http
