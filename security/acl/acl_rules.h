#pragma once
// Kafka's rules over the ACL vocabulary: wire codes <-> enums <-> names, what CreateAcls accepts
// (../shared/notes/security.md §5.1), and the binding filters DescribeAcls and DeleteAcls select
// with (Kafka's AclBindingFilter: ANY/MATCH pattern semantics, a null field matches anything).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_image.h"
#include "security/acl/acl.h"

namespace samsa::security {

// Kafka's fromCode: a code outside the enum becomes UNKNOWN.
ResourceType resource_type_from_code(int8_t code);
PatternType pattern_type_from_code(int8_t code);
AclOperation operation_from_code(int8_t code);
AclPermissionType permission_from_code(int8_t code);

// Java's enum names ("TOPIC", "PREFIXED", "DESCRIBE_CONFIGS", "ALLOW"), as Kafka's messages print.
const char* name_of(ResourceType v);
const char* name_of(PatternType v);
const char* name_of(AclOperation v);
const char* name_of(AclPermissionType v);
// Case-insensitive, with '-' accepted for '_' (Kafka's fromString); nullopt if no such name.
std::optional<ResourceType> parse_resource_type(std::string_view name);
std::optional<PatternType> parse_pattern_type(std::string_view name);
std::optional<AclOperation> parse_operation(std::string_view name);
std::optional<AclPermissionType> parse_permission(std::string_view name);

// The operations an ACL (or an authorized-operations bitfield) can name on `type`
// (AclEntry.supportedOperations; ALL is accepted on every type in addition).
const std::vector<AclOperation>& supported_operations(ResourceType type);

// An ACL as audit lines name it (both faces), in the order of Kafka's ResourcePattern then
// AccessControlEntry: "ACL:TOPIC:LITERAL:orders:User:alice:*:READ:ALLOW".
std::string acl_audit_name(const AclBinding& binding);

// Why CreateAcls rejects `binding` (INVALID_REQUEST), or nullopt when it is a valid new ACL.
// The messages are Kafka's (AclApis and AclControlManager.validateNewAcl).
std::optional<std::string> validate_new_acl(const AclBinding& binding);

// Kafka's AclBindingFilter. std::nullopt for a string field matches any value.
struct AclBindingFilter {
  ResourceType resource_type = ResourceType::kAny;
  std::optional<std::string> resource_name;
  PatternType pattern_type = PatternType::kAny;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::kAny;
  AclPermissionType permission = AclPermissionType::kAny;

  bool matches(const AclBinding& binding) const;
  // Why the filter cannot be used (an UNKNOWN element), or nullopt (Kafka's
  // AclControlManager.validateFilter messages).
  std::optional<std::string> invalid_reason() const;
};

// The metadata log's plain form of an ACL and back (ids are kept by the caller).
AclBinding binding_from_entry(const cluster::AclEntry& entry);
cluster::AclEntry entry_from_binding(const AclBinding& binding);

}  // namespace samsa::security
