#include "security/acl/acl_rules.h"

#include <gtest/gtest.h>

namespace samsa::security {
namespace {

AclBinding binding(ResourceType t, std::string name, PatternType p, AclOperation op,
                   AclPermissionType perm, std::string principal = "User:alice",
                   std::string host = "*") {
  return {t, std::move(name), p, std::move(principal), std::move(host), op, perm};
}

TEST(AclRules, CodesOutsideTheEnumsAreUnknown) {
  EXPECT_EQ(resource_type_from_code(2), ResourceType::kTopic);
  EXPECT_EQ(resource_type_from_code(8), ResourceType::kUnknown);
  EXPECT_EQ(resource_type_from_code(-1), ResourceType::kUnknown);
  EXPECT_EQ(pattern_type_from_code(4), PatternType::kPrefixed);
  EXPECT_EQ(pattern_type_from_code(5), PatternType::kUnknown);
  EXPECT_EQ(operation_from_code(14), AclOperation::kDescribeTokens);
  EXPECT_EQ(operation_from_code(15), AclOperation::kUnknown);
  EXPECT_EQ(permission_from_code(3), AclPermissionType::kAllow);
  EXPECT_EQ(permission_from_code(4), AclPermissionType::kUnknown);
}

TEST(AclRules, NamesRoundTripCaseInsensitively) {
  EXPECT_STREQ(name_of(AclOperation::kDescribeConfigs), "DESCRIBE_CONFIGS");
  EXPECT_STREQ(name_of(ResourceType::kTransactionalId), "TRANSACTIONAL_ID");
  EXPECT_EQ(parse_operation("describe_configs"), AclOperation::kDescribeConfigs);
  EXPECT_EQ(parse_operation("Idempotent-Write"), AclOperation::kIdempotentWrite);
  EXPECT_EQ(parse_resource_type("topic"), ResourceType::kTopic);
  EXPECT_EQ(parse_pattern_type("PREFIXED"), PatternType::kPrefixed);
  EXPECT_EQ(parse_permission("deny"), AclPermissionType::kDeny);
  EXPECT_EQ(parse_operation("reed"), std::nullopt);
  EXPECT_EQ(parse_operation(""), std::nullopt);
}

TEST(AclRules, SupportedOperationsFollowKafka) {
  const auto& cluster = supported_operations(ResourceType::kCluster);
  EXPECT_EQ(cluster.size(), 7u);
  EXPECT_EQ(supported_operations(ResourceType::kTopic).size(), 8u);
  EXPECT_EQ(supported_operations(ResourceType::kGroup).size(), 5u);
  EXPECT_TRUE(supported_operations(ResourceType::kAny).empty());
}

TEST(AclRules, ValidNewAcls) {
  using O = AclOperation;
  using P = AclPermissionType;
  EXPECT_EQ(validate_new_acl(
                binding(ResourceType::kTopic, "t", PatternType::kLiteral, O::kRead, P::kAllow)),
            std::nullopt);
  EXPECT_EQ(validate_new_acl(binding(ResourceType::kGroup, "g-", PatternType::kPrefixed, O::kAll,
                                     P::kDeny, "User:*")),
            std::nullopt);
  EXPECT_EQ(validate_new_acl(binding(ResourceType::kCluster, "kafka-cluster", PatternType::kLiteral,
                                     O::kAlter, P::kAllow)),
            std::nullopt);
}

TEST(AclRules, InvalidNewAclsGetKafkasMessages) {
  using O = AclOperation;
  using P = AclPermissionType;
  using R = ResourceType;
  using PT = PatternType;
  EXPECT_EQ(validate_new_acl(binding(R::kUnknown, "t", PT::kLiteral, O::kRead, P::kAllow)),
            "Invalid resourceType UNKNOWN");
  EXPECT_EQ(validate_new_acl(binding(R::kAny, "t", PT::kLiteral, O::kRead, P::kAllow)),
            "Invalid resourceType ANY");
  EXPECT_EQ(validate_new_acl(binding(R::kTopic, "t", PT::kMatch, O::kRead, P::kAllow)),
            "Invalid patternType MATCH");
  EXPECT_EQ(validate_new_acl(binding(R::kTopic, "t", PT::kAny, O::kRead, P::kAllow)),
            "Invalid patternType ANY");
  EXPECT_EQ(validate_new_acl(binding(R::kTopic, "t", PT::kLiteral, O::kAny, P::kAllow)),
            "Invalid operation ANY");
  EXPECT_EQ(validate_new_acl(binding(R::kTopic, "t", PT::kLiteral, O::kUnknown, P::kAllow)),
            "Invalid operation UNKNOWN");
  EXPECT_EQ(validate_new_acl(binding(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAny)),
            "Invalid permissionType ANY");
  EXPECT_EQ(validate_new_acl(binding(R::kTopic, "", PT::kLiteral, O::kRead, P::kAllow)),
            "Invalid empty resource name specified.");
  EXPECT_EQ(validate_new_acl(binding(R::kCluster, "other", PT::kLiteral, O::kAlter, P::kAllow)),
            "The only valid name for the CLUSTER resource is kafka-cluster");
  auto bad = validate_new_acl(binding(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow, "alice"));
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->find("Could not parse principal from `alice`"), std::string::npos);
}

TEST(AclRules, NullFilterFieldsMatchAnything) {
  AclBindingFilter any;
  EXPECT_TRUE(any.matches(binding(ResourceType::kTopic, "t", PatternType::kLiteral,
                                  AclOperation::kRead, AclPermissionType::kAllow)));
  EXPECT_TRUE(
      any.matches(binding(ResourceType::kGroup, "g", PatternType::kPrefixed, AclOperation::kAll,
                          AclPermissionType::kDeny, "User:*", "1.2.3.4")));
}

TEST(AclRules, AnyPatternFilterNeedsTheExactName) {
  AclBindingFilter f;
  f.resource_name = "foo";
  f.pattern_type = PatternType::kAny;
  const auto lit = binding(ResourceType::kTopic, "foo", PatternType::kLiteral, AclOperation::kRead,
                           AclPermissionType::kAllow);
  auto pre = lit;
  pre.pattern_type = PatternType::kPrefixed;
  auto wild = lit;
  wild.resource_name = "*";
  auto pre_fo = pre;
  pre_fo.resource_name = "fo";
  EXPECT_TRUE(f.matches(lit));
  EXPECT_TRUE(f.matches(pre));
  EXPECT_FALSE(f.matches(wild));
  EXPECT_FALSE(f.matches(pre_fo));
}

TEST(AclRules, MatchFilterFindsWhatAppliesToTheName) {
  AclBindingFilter f;
  f.resource_type = ResourceType::kTopic;
  f.resource_name = "foobar";
  f.pattern_type = PatternType::kMatch;
  auto b = [](std::string name, PatternType p) {
    return binding(ResourceType::kTopic, std::move(name), p, AclOperation::kRead,
                   AclPermissionType::kAllow);
  };
  EXPECT_TRUE(f.matches(b("foobar", PatternType::kLiteral)));
  EXPECT_TRUE(f.matches(b("*", PatternType::kLiteral)));
  EXPECT_TRUE(f.matches(b("foo", PatternType::kPrefixed)));
  EXPECT_TRUE(f.matches(b("foobar", PatternType::kPrefixed)));
  EXPECT_FALSE(f.matches(b("foo", PatternType::kLiteral)));
  EXPECT_FALSE(f.matches(b("foobarx", PatternType::kPrefixed)));
  EXPECT_FALSE(f.matches(b("bar", PatternType::kPrefixed)));
  auto group = b("foobar", PatternType::kLiteral);
  group.resource_type = ResourceType::kGroup;
  EXPECT_FALSE(f.matches(group));
}

TEST(AclRules, ConcretePatternFilterComparesPatternAndName) {
  AclBindingFilter f;
  f.resource_name = "foo";
  f.pattern_type = PatternType::kLiteral;
  auto lit = binding(ResourceType::kTopic, "foo", PatternType::kLiteral, AclOperation::kRead,
                     AclPermissionType::kAllow);
  auto pre = lit;
  pre.pattern_type = PatternType::kPrefixed;
  EXPECT_TRUE(f.matches(lit));
  EXPECT_FALSE(f.matches(pre));
  f.resource_name.reset();
  EXPECT_TRUE(f.matches(lit));
  EXPECT_FALSE(f.matches(pre));
}

TEST(AclRules, EntryFilterFields) {
  const auto b = binding(ResourceType::kTopic, "t", PatternType::kLiteral, AclOperation::kWrite,
                         AclPermissionType::kDeny, "User:bob", "10.0.0.1");
  AclBindingFilter f;
  f.principal = "User:bob";
  EXPECT_TRUE(f.matches(b));
  f.principal = "User:*";  // a filter's wildcard is literal, not "any"
  EXPECT_FALSE(f.matches(b));
  f.principal.reset();
  f.host = "10.0.0.1";
  EXPECT_TRUE(f.matches(b));
  f.host = "*";
  EXPECT_FALSE(f.matches(b));
  f.host.reset();
  f.operation = AclOperation::kWrite;
  EXPECT_TRUE(f.matches(b));
  f.operation = AclOperation::kAll;  // ALL in a filter names ALL ACLs only
  EXPECT_FALSE(f.matches(b));
  f.operation = AclOperation::kAny;
  f.permission = AclPermissionType::kAllow;
  EXPECT_FALSE(f.matches(b));
}

TEST(AclRules, UnknownFilterElementsAreRejected) {
  AclBindingFilter f;
  EXPECT_EQ(f.invalid_reason(), std::nullopt);
  f.pattern_type = PatternType::kUnknown;
  EXPECT_EQ(f.invalid_reason(), "Unknown patternFilter.");
  f.pattern_type = PatternType::kAny;
  f.resource_type = ResourceType::kUnknown;
  EXPECT_EQ(f.invalid_reason(), "Unknown patternFilter.");
  f.resource_type = ResourceType::kAny;
  f.operation = AclOperation::kUnknown;
  EXPECT_EQ(f.invalid_reason(), "Unknown entryFilter.");
  f.operation = AclOperation::kAny;
  f.permission = AclPermissionType::kUnknown;
  EXPECT_EQ(f.invalid_reason(), "Unknown entryFilter.");
}

TEST(AclRules, EntryConversionRoundTrips) {
  const auto b = binding(ResourceType::kGroup, "g", PatternType::kPrefixed, AclOperation::kDescribe,
                         AclPermissionType::kDeny, "User:x", "::1");
  EXPECT_EQ(binding_from_entry(entry_from_binding(b)), b);
}

}  // namespace
}  // namespace samsa::security
