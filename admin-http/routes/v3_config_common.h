#pragma once
// What the three v3 config families (topic configs, per-broker configs, cluster-wide broker
// configs) share: rendering a described config as AbstractConfigData, parsing the PUT and :alter
// bodies, and running an alteration through server::ConfigService (IncrementalAlterConfigs
// semantics, the same path the Kafka handler takes).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin-http/admin_context.h"
#include "admin-http/http_types.h"
#include "server/config_service.h"

namespace samsa::admin_http::v3 {

// Kafka's ConfigSource names, as kafka-rest reports them.
const char* config_source_name(server::ConfigSource source);

// kind + metadata + the AbstractConfigData fields; the caller adds topic_name / broker_id /
// config_type.
nlohmann::json config_json(const std::string& kind, const std::string& self,
                           const std::string& resource_name, const std::string& cluster_id,
                           const server::DescribedConfig& config);

// {"data":[{"name","value","operation":"SET"|"DELETE"}],"validate_only":bool}; an error response
// when the body does not have that shape.
std::optional<HttpResponse> parse_alter_batch(const nlohmann::json& body,
                                              std::vector<server::ConfigOp>& ops,
                                              bool& validate_only);
// The body of PUT .../configs/{name}: {"value": "..."} (null or absent means the empty value is
// not allowed: kafka-rest refuses it too).
std::optional<HttpResponse> parse_put_value(const HttpRequest& req, std::string& value);

// Runs the alteration and answers 204, or the Kafka error mapped to REST.
HttpResponse alter_configs(const AdminContext& ctx, server::AlterResource resource,
                           bool validate_only);

// PUT .../configs/{name} (kSet, value from the body) or DELETE .../configs/{name} (kDelete) on
// `resource`, whose ops must be empty.
HttpResponse alter_one_config(const AdminContext& ctx, const HttpRequest& req,
                              server::AlterResource resource, server::AlterOp op);

// One named config of a describe result, or 404 "Config <name> cannot be found for <owner>.".
const server::DescribedConfig* find_config(const server::DescribeResult& described,
                                           const std::string& name, const std::string& owner,
                                           HttpResponse& error);

}  // namespace samsa::admin_http::v3
