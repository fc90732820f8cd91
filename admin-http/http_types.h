#pragma once
// What a route sees of an HTTP exchange, independent of CivetWeb: the parsed request (path
// parameters filled in by the router) and the response it builds. Streaming routes (produce in
// streaming mode) use the exchange's incremental read and chunked write instead of `body`.
#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "security/authorizer.h"
#include "security/session.h"

namespace samsa::admin_http {

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  // Set by a route that already wrote its whole response through HttpExchange::send_chunk.
  bool streamed = false;

  static HttpResponse json(int status, const nlohmann::json& body);
  static HttpResponse no_content();  // 204
  // Confluent's error body: {"error_code": ..., "message": ...}.
  static HttpResponse error(int status, int error_code, const std::string& message);
};

// Incremental access to the connection, for routes that stream.
struct HttpExchange {
  // Reads up to `n` bytes of the (de-chunked) request body; 0 at its end, <0 on error.
  std::function<int(char* buf, size_t n)> read;
  // Sends the response head with Transfer-Encoding: chunked; then send_chunk per piece.
  std::function<void(int status, const std::string& content_type)> start_chunked;
  // Returns false when the client has gone.
  std::function<bool(const std::string& data)> send_chunk;
};

struct HttpRequest {
  std::string method;
  std::string path;                                // decoded, without the query string
  std::map<std::string, std::string> path_params;  // {name} segments of the matched route
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> headers;      // lower-case names
  std::string body;                                // read up front unless the route streams
  std::string base_url;                            // scheme://host[:port] the client used
  HttpExchange* exchange = nullptr;
  // Who is asking (anonymous when the route is open or authentication is off), and the matched
  // route pattern, for audit lines.
  security::Session session;
  std::string route;
  // The one authorizer, for routes that decide access themselves (Access::in_route) or filter a
  // list; a denial is audited. Set by the server for every routed request.
  std::function<bool(const security::Action&, bool audit_denial)> authorize;

  // For routes that change state: the resources changed ("TOPIC:orders", an ACL's audit name),
  // set by the route as soon as it knows them when the path alone does not name them (a topic
  // created from the body, ACLs deleted by a filter). Set and empty: nothing changed, no line.
  std::optional<std::vector<std::string>> audit_resources;

  bool allowed(security::AclOperation op, security::ResourceType type,
               const std::string& name) const {
    return !authorize || authorize(security::Action{op, type, name}, true);
  }
  // For filtering a list to what the caller may see: a hidden entry is not an audited denial
  // (as Kafka's authorizer does not log the topics Metadata leaves out).
  bool visible(security::AclOperation op, security::ResourceType type,
               const std::string& name) const {
    return !authorize || authorize(security::Action{op, type, name}, false);
  }

  const std::string& param(const std::string& name) const;
  std::optional<std::string> query_param(const std::string& name) const;
  std::optional<std::string> header(const std::string& lower_name) const;
  // Parses the body as JSON; nullopt with `error` set when it is not valid JSON.
  std::optional<nlohmann::json> json_body(std::string& error) const;
};

using RouteHandler = std::function<HttpResponse(HttpRequest&)>;

}  // namespace samsa::admin_http
