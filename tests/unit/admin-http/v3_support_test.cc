#include "admin-http/v3_support.h"

#include <gtest/gtest.h>

namespace samsa::admin_http {
namespace {

TEST(V3Support, LinksFollowThePrefixTheClientUsed) {
  HttpRequest req;
  req.base_url = "http://127.0.0.1:8090";
  req.path = "/kafka/v3/clusters/C/topics";
  EXPECT_EQ(v3_url(req, "/clusters/C/topics/t"),
            "http://127.0.0.1:8090/kafka/v3/clusters/C/topics/t");
  req.path = "/v3/clusters/C/topics";
  EXPECT_EQ(v3_url(req, "/clusters/C"), "http://127.0.0.1:8090/v3/clusters/C");
  EXPECT_EQ(crn("C", "/topic=t"), "crn:///kafka=C/topic=t");
}

TEST(V3Support, Envelopes) {
  auto r = resource_envelope("KafkaTopic", "http://h/v3/x", std::nullopt);
  EXPECT_EQ(r["kind"], "KafkaTopic");
  EXPECT_TRUE(r["metadata"]["resource_name"].is_null());
  auto c = collection_envelope("KafkaTopicList", "http://h/v3/x", nlohmann::json::array());
  EXPECT_TRUE(c["metadata"]["next"].is_null());
  EXPECT_TRUE(c["data"].is_array());
}

TEST(V3Support, KafkaErrorsMapToConfluentCodes) {
  EXPECT_EQ(kafka_error_response(3, "x").status, 404);
  EXPECT_EQ(nlohmann::json::parse(kafka_error_response(3, "x").body)["error_code"], 40403);
  EXPECT_EQ(nlohmann::json::parse(kafka_error_response(36, "x").body)["error_code"], 40002);
  EXPECT_EQ(nlohmann::json::parse(kafka_error_response(40, "x").body)["error_code"], 40002);
  EXPECT_EQ(kafka_error_response(7, "timeout").status, 500);
}

TEST(V3Support, RequireJson) {
  HttpRequest req;
  nlohmann::json out;
  req.headers["content-type"] = "text/plain";
  req.body = "{}";
  auto r = require_json(req, out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  req.headers["content-type"] = "application/json";
  req.body = "{not json";
  r = require_json(req, out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error_code"], 400);
  req.body = R"({"a":1})";
  EXPECT_FALSE(require_json(req, out));
  EXPECT_EQ(out["a"], 1);
}

}  // namespace
}  // namespace samsa::admin_http
