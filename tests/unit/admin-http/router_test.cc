#include "admin-http/router.h"

#include <gtest/gtest.h>

namespace samsa::admin_http {
namespace {

RouteHandler answer(int status) {
  return [status](HttpRequest&) { return HttpResponse::json(status, nlohmann::json::object()); };
}

int call(const Router& router, const std::string& method, const std::string& path,
         std::map<std::string, std::string>* params = nullptr) {
  auto m = router.match(method, path);
  if (!m.handler) return m.path_known ? 405 : 404;
  if (params) *params = m.params;
  HttpRequest req;
  return (*m.handler)(req).status;
}

TEST(Router, MatchesParametersAndLiterals) {
  Router r;
  r.add_v3("GET", "/clusters/{cluster_id}/topics/{topic_name}", Access::authenticated(),
           answer(200));
  r.add_v3("POST", "/clusters/{cluster_id}/topics/{topic_name}/configs:alter",
           Access::authenticated(), answer(204));
  r.add_v3("GET", "/clusters/{cluster_id}/topics/{topic_name}/configs/{name}",
           Access::authenticated(), answer(201));
  std::map<std::string, std::string> params;
  EXPECT_EQ(call(r, "GET", "/v3/clusters/C1/topics/orders", &params), 200);
  EXPECT_EQ(params["cluster_id"], "C1");
  EXPECT_EQ(params["topic_name"], "orders");
  EXPECT_EQ(call(r, "GET", "/kafka/v3/clusters/C1/topics/orders/"), 200);
  EXPECT_EQ(call(r, "POST", "/kafka/v3/clusters/C1/topics/t/configs:alter"), 204);
  EXPECT_EQ(call(r, "GET", "/v3/clusters/C1/topics/t/configs/retention.ms", &params), 201);
  EXPECT_EQ(params["name"], "retention.ms");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
  Router r;
  r.add("GET", "/v1/status/ready", Access::authenticated(), answer(200));
  EXPECT_EQ(call(r, "GET", "/v1/status/nope"), 404);
  EXPECT_EQ(call(r, "GET", "/v1/status/ready/extra"), 404);
  EXPECT_EQ(call(r, "GET", "/"), 404);
  EXPECT_EQ(call(r, "DELETE", "/v1/status/ready"), 405);
}

TEST(Router, LiteralSegmentBeatsParameter) {
  Router r;
  r.add("GET", "/v3/clusters/{cluster_id}/brokers/{broker_id}/configs", Access::authenticated(),
        answer(200));
  r.add("GET", "/v3/clusters/{cluster_id}/brokers/-/configs", Access::authenticated(), answer(202));
  EXPECT_EQ(call(r, "GET", "/v3/clusters/C/brokers/-/configs"), 202);
  EXPECT_EQ(call(r, "GET", "/v3/clusters/C/brokers/1/configs"), 200);
}

TEST(Router, KeepsOptions) {
  Router r;
  r.add("GET", "/metrics", answer(200),
        RouteOptions{
            .available_while_starting = true, .access = Access::authenticated(), .change = {}});
  r.add("POST", "/v3/x", answer(200),
        RouteOptions{.streaming = true,
                     .access = Access::topic(security::AclOperation::kWrite),
                     .change = {}});
  EXPECT_TRUE(r.match("GET", "/metrics").options.available_while_starting);
  EXPECT_FALSE(r.match("GET", "/metrics").options.streaming);
  EXPECT_TRUE(r.match("POST", "/v3/x").options.streaming);
  EXPECT_EQ(r.match("POST", "/v3/x").options.access.resource_type, security::ResourceType::kTopic);
  EXPECT_EQ(r.match("POST", "/v3/x").options.access.name_param, "topic_name");
  EXPECT_EQ(r.match("POST", "/v3/x").pattern, "/v3/x");
}

TEST(Router, EveryRouteStatesItsAccess) {
  Router r;
  EXPECT_THROW(r.add("GET", "/v1/x", answer(200), RouteOptions{}), std::logic_error);
  EXPECT_THROW(r.add_v3("GET", "/x", answer(200),
                        RouteOptions{.streaming = true, .access = {}, .change = {}}),
               std::logic_error);
}

}  // namespace
}  // namespace samsa::admin_http
