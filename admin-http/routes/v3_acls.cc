// Confluent v3 ACLs: search, create (one or a batch) and delete, as thin routes over
// server::AclService, the service the Kafka CreateAcls/DescribeAcls/DeleteAcls handlers call, so
// both faces validate and store ACLs the same way (in the metadata log). As in kafka-rest, an
// omitted search parameter or an empty string means "any"; a delete needs resource_type,
// pattern_type, operation and permission. Access is Kafka's: DESCRIBE on the cluster to search,
// ALTER on the cluster to change.
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/service_call.h"
#include "admin-http/v3_support.h"
#include "protocol/error_codes.h"
#include "server/acl_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;

namespace {

HttpResponse bad_request(const std::string& message) {
  return HttpResponse::error(400, 40002, message);
}

// 201 with an empty body, as kafka-rest answers a created ACL.
HttpResponse created() {
  HttpResponse r;
  r.status = 201;
  return r;
}

HttpResponse security_disabled() {
  return bad_request("Security features are disabled: set authorizer.class.name to manage ACLs");
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '*') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string acl_query(const security::AclBinding& b) {
  return "resource_type=" + std::string(security::name_of(b.resource_type)) +
         "&resource_name=" + url_encode(b.resource_name) +
         "&pattern_type=" + security::name_of(b.pattern_type) +
         "&principal=" + url_encode(b.principal) + "&host=" + url_encode(b.host) +
         "&operation=" + security::name_of(b.operation) +
         "&permission=" + security::name_of(b.permission);
}

nlohmann::json acl_json(const AdminContext& ctx, const HttpRequest& req,
                        const security::AclBinding& b) {
  return {{"kind", "KafkaAcl"},
          {"metadata", {{"self", v3_url(req, v3::cluster_path(ctx) + "/acls?" + acl_query(b))}}},
          {"cluster_id", ctx.cluster_id},
          {"resource_type", security::name_of(b.resource_type)},
          {"resource_name", b.resource_name},
          {"pattern_type", security::name_of(b.pattern_type)},
          {"principal", b.principal},
          {"host", b.host},
          {"operation", security::name_of(b.operation)},
          {"permission", security::name_of(b.permission)}};
}

// A filter from the query string; `required` names the parameters that must be given.
std::optional<HttpResponse> parse_filter(const HttpRequest& req, bool for_delete,
                                         security::AclBindingFilter& f) {
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto v = req.query_param(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  };
  if (for_delete) {
    for (const char* name : {"resource_type", "pattern_type", "operation", "permission"}) {
      if (!text(name)) return bad_request(std::string(name) + " is required to delete ACLs");
    }
  }
  if (auto v = text("resource_type")) {
    auto t = security::parse_resource_type(*v);
    if (!t) return bad_request("Unknown resource_type " + *v);
    f.resource_type = *t;
  }
  if (auto v = text("pattern_type")) {
    auto t = security::parse_pattern_type(*v);
    if (!t) return bad_request("Unknown pattern_type " + *v);
    f.pattern_type = *t;
  }
  if (auto v = text("operation")) {
    auto t = security::parse_operation(*v);
    if (!t) return bad_request("Unknown operation " + *v);
    f.operation = *t;
  }
  if (auto v = text("permission")) {
    auto t = security::parse_permission(*v);
    if (!t) return bad_request("Unknown permission " + *v);
    f.permission = *t;
  }
  f.resource_name = text("resource_name");
  f.principal = text("principal");
  f.host = text("host");
  if (auto why = f.invalid_reason()) return bad_request(*why);
  return std::nullopt;
}

std::optional<HttpResponse> parse_binding(const nlohmann::json& j, security::AclBinding& b) {
  if (!j.is_object()) return bad_request("An ACL must be a JSON object");
  auto field = [&](const char* name, std::string& out) -> std::optional<HttpResponse> {
    if (!j.contains(name) || !j[name].is_string())
      return bad_request(std::string(name) + " (a string) is required");
    out = j[name].get<std::string>();
    return std::nullopt;
  };
  std::string type, pattern, operation, permission;
  for (auto [name, out] : {std::pair{"resource_type", &type},
                           {"resource_name", &b.resource_name},
                           {"pattern_type", &pattern},
                           {"principal", &b.principal},
                           {"host", &b.host},
                           {"operation", &operation},
                           {"permission", &permission}}) {
    if (auto bad = field(name, *out)) return bad;
  }
  auto t = security::parse_resource_type(type);
  auto p = security::parse_pattern_type(pattern);
  auto o = security::parse_operation(operation);
  auto m = security::parse_permission(permission);
  if (!t || !p || !o || !m) {
    return bad_request("Unknown resource_type, pattern_type, operation or permission in " +
                       j.dump());
  }
  b.resource_type = *t;
  b.pattern_type = *p;
  b.operation = *o;
  b.permission = *m;
  return std::nullopt;
}

HttpResponse create(AdminContext& ctx, HttpRequest& req, bool batch) {
  if (auto error = check_cluster(ctx, req)) return *error;
  if (ctx.acls == nullptr) return security_disabled();
  nlohmann::json body;
  if (auto bad = require_json(req, body)) return *bad;
  std::vector<security::AclBinding> bindings;
  if (batch) {
    if (!body.is_object() || !body.contains("data") || !body["data"].is_array())
      return bad_request("The body must be {\"data\": [ACL, ...]}");
    for (const auto& item : body["data"]) {
      security::AclBinding b;
      if (auto bad = parse_binding(item, b)) return *bad;
      bindings.push_back(std::move(b));
    }
  } else {
    security::AclBinding b;
    if (auto bad = parse_binding(body, b)) return *bad;
    bindings.push_back(std::move(b));
  }
  if (bindings.empty()) return created();
  req.audit_resources.emplace();
  for (const auto& b : bindings) req.audit_resources->push_back(security::acl_audit_name(b));
  auto results = call_service<std::vector<server::AclCreateResult>>(
      [&](auto done) { ctx.acls->create(bindings, std::move(done)); });
  if (!results) return v3::service_timeout("Creating ACLs");
  for (const auto& r : *results) {
    if (r.error_code != 0) return kafka_error_response(r.error_code, r.error_message);
  }
  auto response = created();
  if (!batch)
    response.headers["Location"] = acl_json(ctx, req, bindings.front())["metadata"]["self"];
  return response;
}

}  // namespace

void register_v3_acl_routes(Router& router, AdminContext& ctx) {
  const std::string base = "/clusters/{cluster_id}/acls";
  router.add_v3("GET", base, Access::cluster(Op::kDescribe), [&ctx](HttpRequest& req) {
    if (auto error = check_cluster(ctx, req)) return *error;
    if (ctx.acls == nullptr) return security_disabled();
    security::AclBindingFilter filter;
    if (auto bad = parse_filter(req, false, filter)) return *bad;
    auto data = nlohmann::json::array();
    for (const auto& b : ctx.acls->describe(filter)) data.push_back(acl_json(ctx, req, b));
    return HttpResponse::json(
        200, collection_envelope("KafkaAclList", v3_url(req, v3::cluster_path(ctx) + "/acls"),
                                 std::move(data)));
  });
  router.add_v3(
      "POST", base, Access::cluster(Op::kAlter),
      [&ctx](HttpRequest& req) { return create(ctx, req, false); }, "CREATE");
  router.add_v3(
      "POST", base + ":batch", Access::cluster(Op::kAlter),
      [&ctx](HttpRequest& req) { return create(ctx, req, true); }, "CREATE");
  router.add_v3(
      "DELETE", base, Access::cluster(Op::kAlter),
      [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        if (ctx.acls == nullptr) return security_disabled();
        security::AclBindingFilter filter;
        if (auto bad = parse_filter(req, true, filter)) return *bad;
        auto results = call_service<std::vector<server::AclDeleteResult>>(
            [&](auto done) { ctx.acls->remove({filter}, std::move(done)); });
        if (!results) return v3::service_timeout("Deleting ACLs");
        auto data = nlohmann::json::array();
        // Set (maybe empty: a filter that matched nothing changed nothing) unless it failed.
        req.audit_resources.emplace();
        for (const auto& r : *results) {
          if (r.error_code != 0) {
            req.audit_resources.reset();
            return kafka_error_response(r.error_code, r.error_message);
          }
          for (const auto& b : r.matched) {
            data.push_back(acl_json(ctx, req, b));
            req.audit_resources->push_back(security::acl_audit_name(b));
          }
        }
        return HttpResponse::json(200, {{"data", std::move(data)}});
      },
      "DELETE");
}

}  // namespace samsa::admin_http
