#include "security/acl/acl_rules.h"

#include <array>
#include <cctype>

namespace samsa::security {
namespace {

constexpr std::array<const char*, 8> kResourceTypeNames = {
    "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"};
constexpr std::array<const char*, 5> kPatternTypeNames = {"UNKNOWN", "ANY", "MATCH", "LITERAL",
                                                          "PREFIXED"};
constexpr std::array<const char*, 15> kOperationNames = {"UNKNOWN",
                                                         "ANY",
                                                         "ALL",
                                                         "READ",
                                                         "WRITE",
                                                         "CREATE",
                                                         "DELETE",
                                                         "ALTER",
                                                         "DESCRIBE",
                                                         "CLUSTER_ACTION",
                                                         "DESCRIBE_CONFIGS",
                                                         "ALTER_CONFIGS",
                                                         "IDEMPOTENT_WRITE",
                                                         "CREATE_TOKENS",
                                                         "DESCRIBE_TOKENS"};
constexpr std::array<const char*, 4> kPermissionNames = {"UNKNOWN", "ANY", "DENY", "ALLOW"};

template <size_t N>
const char* lookup(const std::array<const char*, N>& names, int8_t code) {
  return code >= 0 && static_cast<size_t>(code) < N ? names[code] : names[0];
}

template <size_t N>
std::optional<int8_t> find_name(const std::array<const char*, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    std::string_view n = names[i];
    if (n.size() != text.size()) continue;
    bool same = true;
    for (size_t j = 0; j < n.size() && same; ++j) {
      char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text[j])));
      if (c == '-') c = '_';
      same = c == n[j];
    }
    if (same) return static_cast<int8_t>(i);
  }
  return std::nullopt;
}

template <typename E, size_t N>
E from_code(const std::array<const char*, N>&, int8_t code) {
  return code >= 0 && static_cast<size_t>(code) < N ? static_cast<E>(code) : static_cast<E>(0);
}

template <typename E, size_t N>
std::optional<E> parse(const std::array<const char*, N>& names, std::string_view text) {
  auto code = find_name(names, text);
  if (!code) return std::nullopt;
  return static_cast<E>(*code);
}

}  // namespace

ResourceType resource_type_from_code(int8_t c) {
  return from_code<ResourceType>(kResourceTypeNames, c);
}
PatternType pattern_type_from_code(int8_t c) {
  return from_code<PatternType>(kPatternTypeNames, c);
}
AclOperation operation_from_code(int8_t c) {
  return from_code<AclOperation>(kOperationNames, c);
}
AclPermissionType permission_from_code(int8_t c) {
  return from_code<AclPermissionType>(kPermissionNames, c);
}

const char* name_of(ResourceType v) {
  return lookup(kResourceTypeNames, static_cast<int8_t>(v));
}
const char* name_of(PatternType v) {
  return lookup(kPatternTypeNames, static_cast<int8_t>(v));
}
const char* name_of(AclOperation v) {
  return lookup(kOperationNames, static_cast<int8_t>(v));
}
const char* name_of(AclPermissionType v) {
  return lookup(kPermissionNames, static_cast<int8_t>(v));
}

std::optional<ResourceType> parse_resource_type(std::string_view n) {
  return parse<ResourceType>(kResourceTypeNames, n);
}
std::optional<PatternType> parse_pattern_type(std::string_view n) {
  return parse<PatternType>(kPatternTypeNames, n);
}
std::optional<AclOperation> parse_operation(std::string_view n) {
  return parse<AclOperation>(kOperationNames, n);
}
std::optional<AclPermissionType> parse_permission(std::string_view n) {
  return parse<AclPermissionType>(kPermissionNames, n);
}

const std::vector<AclOperation>& supported_operations(ResourceType type) {
  using O = AclOperation;
  static const std::vector<O> topic = {
      O::kRead,   O::kWrite, O::kCreate,          O::kDescribe,
      O::kDelete, O::kAlter, O::kDescribeConfigs, O::kAlterConfigs};
  static const std::vector<O> group = {O::kRead, O::kDescribe, O::kDelete, O::kDescribeConfigs,
                                       O::kAlterConfigs};
  static const std::vector<O> cluster = {O::kCreate,       O::kClusterAction,   O::kDescribeConfigs,
                                         O::kAlterConfigs, O::kIdempotentWrite, O::kAlter,
                                         O::kDescribe};
  static const std::vector<O> txn = {O::kDescribe, O::kWrite};
  static const std::vector<O> token = {O::kDescribe};
  static const std::vector<O> user = {O::kCreateTokens, O::kDescribeTokens};
  static const std::vector<O> none;
  switch (type) {
    case ResourceType::kTopic:
      return topic;
    case ResourceType::kGroup:
      return group;
    case ResourceType::kCluster:
      return cluster;
    case ResourceType::kTransactionalId:
      return txn;
    case ResourceType::kDelegationToken:
      return token;
    case ResourceType::kUser:
      return user;
    default:
      return none;
  }
}

std::string acl_audit_name(const AclBinding& b) {
  return std::string("ACL:") + name_of(b.resource_type) + ":" + name_of(b.pattern_type) + ":" +
         b.resource_name + ":" + b.principal + ":" + b.host + ":" + name_of(b.operation) + ":" +
         name_of(b.permission);
}

std::optional<std::string> validate_new_acl(const AclBinding& b) {
  // AclApis first (the broker side), then the controller's validateNewAcl, in Kafka's order.
  if (b.resource_type == ResourceType::kCluster && b.resource_name != kClusterResourceName) {
    return std::string("The only valid name for the CLUSTER resource is ") + kClusterResourceName;
  }
  if (b.resource_name.empty()) return std::string("Invalid empty resource name specified.");
  if (b.resource_type == ResourceType::kUnknown || b.resource_type == ResourceType::kAny) {
    return std::string("Invalid resourceType ") + name_of(b.resource_type);
  }
  if (b.pattern_type != PatternType::kLiteral && b.pattern_type != PatternType::kPrefixed) {
    return std::string("Invalid patternType ") + name_of(b.pattern_type);
  }
  if (b.operation == AclOperation::kUnknown || b.operation == AclOperation::kAny) {
    return std::string("Invalid operation ") + name_of(b.operation);
  }
  if (b.permission != AclPermissionType::kAllow && b.permission != AclPermissionType::kDeny) {
    return std::string("Invalid permissionType ") + name_of(b.permission);
  }
  if (b.principal.find(':') == std::string::npos) {
    return "Could not parse principal from `" + b.principal +
           "` (no colon is present separating the principal type from the principal name)";
  }
  return std::nullopt;
}

bool AclBindingFilter::matches(const AclBinding& b) const {
  // Pattern part (ResourcePatternFilter.matches).
  if (resource_type != ResourceType::kAny && resource_type != b.resource_type) return false;
  if (pattern_type != PatternType::kAny && pattern_type != PatternType::kMatch &&
      pattern_type != b.pattern_type) {
    return false;
  }
  if (resource_name) {
    if (pattern_type == PatternType::kMatch) {
      // MATCH: every ACL that would apply to a resource of this name.
      if (b.pattern_type == PatternType::kLiteral) {
        if (b.resource_name != *resource_name && b.resource_name != kWildcardResource) return false;
      } else if (b.pattern_type == PatternType::kPrefixed) {
        if (resource_name->compare(0, b.resource_name.size(), b.resource_name) != 0) return false;
      } else {
        return false;
      }
    } else if (b.resource_name != *resource_name) {
      return false;
    }
  }
  // Entry part (AccessControlEntryFilter.matches).
  if (principal && *principal != b.principal) return false;
  if (host && *host != b.host) return false;
  if (operation != AclOperation::kAny && operation != b.operation) return false;
  if (permission != AclPermissionType::kAny && permission != b.permission) return false;
  return true;
}

std::optional<std::string> AclBindingFilter::invalid_reason() const {
  if (resource_type == ResourceType::kUnknown || pattern_type == PatternType::kUnknown) {
    return std::string("Unknown patternFilter.");
  }
  if (operation == AclOperation::kUnknown || permission == AclPermissionType::kUnknown) {
    return std::string("Unknown entryFilter.");
  }
  return std::nullopt;
}

AclBinding binding_from_entry(const cluster::AclEntry& e) {
  AclBinding b;
  b.resource_type = resource_type_from_code(e.resource_type);
  b.resource_name = e.resource_name;
  b.pattern_type = pattern_type_from_code(e.pattern_type);
  b.principal = e.principal;
  b.host = e.host;
  b.operation = operation_from_code(e.operation);
  b.permission = permission_from_code(e.permission);
  return b;
}

cluster::AclEntry entry_from_binding(const AclBinding& b) {
  cluster::AclEntry e;
  e.resource_type = static_cast<int8_t>(b.resource_type);
  e.resource_name = b.resource_name;
  e.pattern_type = static_cast<int8_t>(b.pattern_type);
  e.principal = b.principal;
  e.host = b.host;
  e.operation = static_cast<int8_t>(b.operation);
  e.permission = static_cast<int8_t>(b.permission);
  return e;
}

}  // namespace samsa::security
