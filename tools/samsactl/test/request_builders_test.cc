#include "request_builders.h"

#include <gtest/gtest.h>

#include "cli_error.h"
#include "kafka_client.h"
#include "rest_client.h"

namespace samsa::ctl {
namespace {

ExitCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const CliError& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

TEST(KeyValues, SplitsAtFirstEquals) {
  const auto kv = parse_key_values({"a=1", "b=x=y", "c="}, "-c");
  ASSERT_EQ(kv.size(), 3u);
  EXPECT_EQ(kv[1], std::make_pair(std::string("b"), std::string("x=y")));
  EXPECT_EQ(kv[2].second, "");
  EXPECT_EQ(code_of([] { parse_key_values({"novalue"}, "-c"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_key_values({"=1"}, "-c"); }), ExitCode::kUsage);
}

TEST(QueryString, EncodesAndSkipsEmptyValues) {
  EXPECT_EQ(query_string({{"principal", "User:a b"}, {"host", ""}, {"operation", "READ"}}),
            "?principal=User%3Aa%20b&operation=READ");
  EXPECT_EQ(query_string({{"a", ""}}), "");
}

TEST(CreateTopicBody, OmitsDefaultsAndCarriesConfigs) {
  EXPECT_EQ(create_topic_body("t", -1, -1, {}, false), nlohmann::json({{"topic_name", "t"}}));
  const auto b = create_topic_body("t", 6, 3, {{"cleanup.policy", "compact"}}, true);
  EXPECT_EQ(b["partitions_count"], 6);
  EXPECT_EQ(b["replication_factor"], 3);
  EXPECT_EQ(b["configs"][0]["name"], "cleanup.policy");
  EXPECT_EQ(b["configs"][0]["value"], "compact");
  EXPECT_EQ(b["validate_only"], true);
}

TEST(AlterConfigsBody, SetsThenDeletes) {
  const auto b = alter_configs_body({{"retention.ms", "1"}}, {"cleanup.policy"});
  ASSERT_EQ(b["data"].size(), 2u);
  EXPECT_EQ(b["data"][0],
            nlohmann::json({{"name", "retention.ms"}, {"value", "1"}, {"operation", "SET"}}));
  EXPECT_EQ(b["data"][1], nlohmann::json({{"name", "cleanup.policy"}, {"operation", "DELETE"}}));
  EXPECT_EQ(code_of([] { alter_configs_body({}, {}); }), ExitCode::kUsage);
}

TEST(SeekBody, MapsEveryTargetForm) {
  EXPECT_EQ(seek_body("start", {}, true)["to"], "earliest");
  EXPECT_EQ(seek_body("start", {}, true)["dry_run"], true);
  EXPECT_EQ(seek_body("end", {}, false)["to"], "latest");
  auto b = seek_body("42", {}, false);
  EXPECT_EQ(b["to"], "offset");
  EXPECT_EQ(b["offset"], 42);
  b = seek_body("-5", {}, false);
  EXPECT_EQ(b["to"], "shift_by");
  EXPECT_EQ(b["shift_by"], -5);
  EXPECT_EQ(seek_body("+3", {}, false)["shift_by"], 3);
  b = seek_body("@1700000000000", {}, false);
  EXPECT_EQ(b["to"], "timestamp");
  EXPECT_EQ(b["timestamp"], 1700000000000);
  b = seek_body("2024-05-01T00:00:00Z", {}, false);
  EXPECT_EQ(b["timestamp"], "2024-05-01T00:00:00Z");
  EXPECT_FALSE(b.contains("topics"));
  EXPECT_EQ(code_of([] { seek_body("sometime", {}, false); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { seek_body("@x", {}, false); }), ExitCode::kUsage);
}

TEST(SeekBody, TopicsWithAndWithoutPartitions) {
  const auto b = seek_body("start", {"orders", "payments:0,2"}, false);
  ASSERT_EQ(b["topics"].size(), 2u);
  EXPECT_EQ(b["topics"][0], nlohmann::json({{"topic", "orders"}}));
  EXPECT_EQ(b["topics"][1]["partitions"], nlohmann::json::array({0, 2}));
  EXPECT_EQ(code_of([] { seek_body("start", {"t:a"}, false); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { seek_body("start", {":1"}, false); }), ExitCode::kUsage);
}

TEST(StartOffset, ParsesConsumerStartPositions) {
  EXPECT_EQ(parse_start_offset("start").kind, StartOffset::Kind::kStart);
  EXPECT_EQ(parse_start_offset("end").kind, StartOffset::Kind::kEnd);
  EXPECT_EQ(parse_start_offset("17").value, 17);
  EXPECT_EQ(parse_start_offset("17").kind, StartOffset::Kind::kOffset);
  EXPECT_EQ(parse_start_offset("@5").kind, StartOffset::Kind::kTimestamp);
  EXPECT_EQ(code_of([] { parse_start_offset("-1"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_start_offset("+1"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_start_offset("later"); }), ExitCode::kUsage);
}

TEST(Acl, NormalizesPrincipalsAndEnums) {
  EXPECT_EQ(normalize_principal("alice"), "User:alice");
  EXPECT_EQ(normalize_principal("Group:ops"), "Group:ops");
  EXPECT_EQ(normalize_enum("describe-configs"), "DESCRIBE_CONFIGS");
  EXPECT_EQ(normalize_enum("DescribeConfigs"), "DESCRIBE_CONFIGS");
  EXPECT_EQ(normalize_enum("read"), "READ");
}

TEST(Acl, CreateIsTheProductOfPrincipalsHostsOperationsResources) {
  AclFlags f;
  f.allow_principals = {"alice"};
  f.deny_principals = {"User:mallory"};
  f.deny_hosts = {"10.0.0.1"};
  f.operations = {"read", "describe"};
  f.topics = {"orders"};
  f.groups = {"billing"};
  const auto entries = acl_create_entries(f);
  ASSERT_EQ(entries.size(), 8u);  // 2 principals x 1 host x 2 operations x 2 resources
  EXPECT_EQ(entries[0], nlohmann::json({{"resource_type", "TOPIC"},
                                        {"resource_name", "orders"},
                                        {"pattern_type", "LITERAL"},
                                        {"principal", "User:alice"},
                                        {"host", "*"},
                                        {"operation", "READ"},
                                        {"permission", "ALLOW"}}));
  EXPECT_EQ(entries[1]["resource_type"], "GROUP");
  EXPECT_EQ(entries[4]["permission"], "DENY");
  EXPECT_EQ(entries[4]["host"], "10.0.0.1");
}

TEST(Acl, CreateNeedsPrincipalOperationAndResource) {
  AclFlags f;
  f.allow_principals = {"a"};
  f.operations = {"read"};
  EXPECT_EQ(code_of([&] { acl_create_entries(f); }), ExitCode::kUsage);  // no resource
  f.cluster = true;
  EXPECT_EQ(acl_create_entries(f)[0]["resource_name"], "kafka-cluster");
  f.pattern = "any";
  EXPECT_EQ(code_of([&] { acl_create_entries(f); }), ExitCode::kUsage);
  f.pattern = "bogus";
  EXPECT_EQ(code_of([&] { acl_create_entries(f); }), ExitCode::kUsage);
}

TEST(Acl, FiltersUseAnyForWhatIsNotGiven) {
  AclFlags f;
  f.pattern = "";
  const auto search = acl_filters(f, false);
  ASSERT_EQ(search.size(), 1u);
  EXPECT_EQ(query_string(search[0]), "");  // match everything
  f.allow_principals = {"alice"};
  f.topics = {"orders"};
  const auto del = acl_filters(f, true);
  ASSERT_EQ(del.size(), 1u);
  EXPECT_EQ(query_string(del[0]),
            "?resource_type=TOPIC&resource_name=orders&pattern_type=ANY&principal=User%3Aalice"
            "&operation=ANY&permission=ALLOW");
}

TEST(HttpStatus, MapsToExitCodes) {
  EXPECT_EQ(exit_code_for_status(401), ExitCode::kRefused);
  EXPECT_EQ(exit_code_for_status(403), ExitCode::kRefused);
  EXPECT_EQ(exit_code_for_status(404), ExitCode::kNotFound);
  EXPECT_EQ(exit_code_for_status(409), ExitCode::kConflict);
  EXPECT_EQ(exit_code_for_status(400), ExitCode::kError);
  EXPECT_EQ(exit_code_for_status(500), ExitCode::kError);
  RestResponse r;
  r.status = 403;
  r.body = {{"error_code", 40301}, {"message", "User:bob may not ALTER CLUSTER kafka-cluster"}};
  EXPECT_EQ(describe_http_error("POST", "/v1/security/users", r),
            "refused (HTTP 403 on POST /v1/security/users): User:bob may not ALTER CLUSTER "
            "kafka-cluster");
}

TEST(KafkaProperties, FollowProfileSecurity) {
  Profile p;
  auto props = kafka_properties(p);
  EXPECT_EQ(props[1], std::make_pair(std::string("security.protocol"), std::string("plaintext")));
  p.user = "u";
  p.password = "pw";
  p.kafka_tls.enabled = true;
  p.kafka_tls.ca_file = "/ca.pem";
  props = kafka_properties(p);
  auto value = [&](const std::string& k) {
    for (const auto& [key, v] : props)
      if (key == k) return v;
    return std::string("<unset>");
  };
  EXPECT_EQ(value("security.protocol"), "sasl_ssl");
  EXPECT_EQ(value("sasl.mechanisms"), "SCRAM-SHA-256");
  EXPECT_EQ(value("sasl.username"), "u");
  EXPECT_EQ(value("ssl.ca.location"), "/ca.pem");
}

}  // namespace
}  // namespace samsa::ctl
