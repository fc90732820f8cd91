// Command-line arguments -> REST request bodies and query strings. Pure functions (no I/O) so the
// mapping from what an operator types to what the broker receives is unit-tested on its own.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace samsa::ctl {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// "key=value" items (for -c/--set); `what` names the flag in the error. Throws CliError(kUsage).
KeyValues parse_key_values(const std::vector<std::string>& items, const std::string& what);

// "?a=1&b=x%20y" from the non-empty values; "" when none.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

// POST /v3/clusters/{c}/topics. partitions/replicas of -1 mean the broker default.
nlohmann::json create_topic_body(const std::string& name, int partitions, int replicas,
                                 const KeyValues& configs, bool dry_run);

// POST .../configs:alter: SET for each --set, DELETE for each --delete.
nlohmann::json alter_configs_body(const KeyValues& sets, const std::vector<std::string>& deletes);

// `group seek --to`: start | end | OFFSET | +N / -N (shift) | @EPOCH_MS | RFC 3339 date-time,
// plus the topics it applies to ("topic" or "topic:0,1,2"). Body of /v1/.../offsets:reset.
nlohmann::json seek_body(const std::string& to, const std::vector<std::string>& topics,
                         bool dry_run);

// Where a console consumer starts: start, end, an absolute offset, or @EPOCH_MS.
struct StartOffset {
  enum class Kind { kStart, kEnd, kOffset, kTimestamp } kind = Kind::kEnd;
  int64_t value = 0;
};
StartOffset parse_start_offset(const std::string& text);

// The rpk/kafka-acls flags of `acl create|list|delete`.
struct AclFlags {
  std::vector<std::string> allow_principals;
  std::vector<std::string> deny_principals;
  std::vector<std::string> allow_hosts;
  std::vector<std::string> deny_hosts;
  std::vector<std::string> operations;
  std::vector<std::string> topics;
  std::vector<std::string> groups;
  std::vector<std::string> transactional_ids;
  bool cluster = false;
  std::string pattern = "literal";  // literal | prefixed (create); also any | match (filters)
};

// "foo" -> "User:foo"; "User:foo" unchanged.
std::string normalize_principal(const std::string& p);
// "describe-configs" / "describe_configs" / "DescribeConfigs" -> "DESCRIBE_CONFIGS".
std::string normalize_enum(const std::string& text);

// One ACL body per (principal, host, operation, resource); throws CliError(kUsage) when a
// principal, an operation or a resource is missing.
std::vector<nlohmann::json> acl_create_entries(const AclFlags& flags);

// Query parameters of GET/DELETE /v3/clusters/{c}/acls: one filter per (principal, resource,
// operation) combination, with ANY for a dimension not given. `for_delete` fills the fields the
// delete route requires (resource_type, pattern_type, operation, permission) with ANY.
std::vector<std::vector<std::pair<std::string, std::string>>> acl_filters(const AclFlags& flags,
                                                                          bool for_delete);

}  // namespace samsa::ctl
