#include "security/standard_authorizer.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/image_builder.h"
#include "security/acl/acl_rules.h"
#include "security/authorized_operations.h"

namespace samsa::security {
namespace {

using O = AclOperation;
using P = AclPermissionType;
using PT = PatternType;
using R = ResourceType;

Session session(std::string name = "alice", std::string host = "10.0.0.1") {
  Session s;
  s.principal = {"User", std::move(name)};
  s.client_host = std::move(host);
  return s;
}

AclBinding acl(R t, std::string name, PT p, O op, P perm, std::string principal = "User:alice",
               std::string host = "*") {
  return {t, std::move(name), p, std::move(principal), std::move(host), op, perm};
}

class AuthorizerTest : public ::testing::Test {
 protected:
  bool can(O op, R t, std::string name, const Session& s = session()) {
    return az.authorize(s, {op, t, std::move(name)});
  }
  StandardAuthorizer az{AuthorizerOptions{{"User:admin"}, false}};
};

TEST_F(AuthorizerTest, NoAclsDeniesByDefault) {
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t"));
  EXPECT_FALSE(can(O::kDescribe, R::kCluster, kClusterResourceName));
}

TEST_F(AuthorizerTest, SuperUserIsAllowedEvenAgainstDeny) {
  az.update({acl(R::kTopic, "*", PT::kLiteral, O::kAll, P::kDeny, "User:*")});
  EXPECT_TRUE(can(O::kWrite, R::kTopic, "t", session("admin")));
  EXPECT_FALSE(can(O::kWrite, R::kTopic, "t"));
}

TEST_F(AuthorizerTest, AllowEveryoneOnlyWhenNoAclNamesTheResource) {
  StandardAuthorizer open{AuthorizerOptions{{}, true}};
  EXPECT_TRUE(open.authorize(session(), {O::kRead, R::kTopic, "t"}));
  // An ACL for someone else on the resource takes the default away.
  open.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow, "User:bob")});
  EXPECT_FALSE(open.authorize(session(), {O::kRead, R::kTopic, "t"}));
  EXPECT_TRUE(open.authorize(session(), {O::kRead, R::kTopic, "u"}));
  // So does a prefix or wildcard ACL covering it, whatever its operation.
  open.update({acl(R::kTopic, "u", PT::kPrefixed, O::kWrite, P::kAllow, "User:bob")});
  EXPECT_FALSE(open.authorize(session(), {O::kRead, R::kTopic, "u1"}));
  open.update({acl(R::kTopic, "*", PT::kLiteral, O::kWrite, P::kAllow, "User:bob")});
  EXPECT_FALSE(open.authorize(session(), {O::kRead, R::kTopic, "v"}));
  // ACLs on another resource type do not count.
  EXPECT_TRUE(open.authorize(session(), {O::kRead, R::kGroup, "v"}));
}

TEST_F(AuthorizerTest, LiteralAllowIsExact) {
  az.update({acl(R::kTopic, "orders", PT::kLiteral, O::kRead, P::kAllow)});
  EXPECT_TRUE(can(O::kRead, R::kTopic, "orders"));
  EXPECT_FALSE(can(O::kRead, R::kTopic, "orders2"));
  EXPECT_FALSE(can(O::kRead, R::kTopic, "order"));
  EXPECT_FALSE(can(O::kWrite, R::kTopic, "orders"));
  EXPECT_FALSE(can(O::kRead, R::kGroup, "orders"));
  EXPECT_FALSE(can(O::kRead, R::kTopic, "orders", session("bob")));
}

TEST_F(AuthorizerTest, PrefixedMatchesEveryNameStartingWithIt) {
  az.update({acl(R::kTopic, "ord", PT::kPrefixed, O::kWrite, P::kAllow)});
  EXPECT_TRUE(can(O::kWrite, R::kTopic, "ord"));
  EXPECT_TRUE(can(O::kWrite, R::kTopic, "orders"));
  EXPECT_FALSE(can(O::kWrite, R::kTopic, "or"));
  EXPECT_FALSE(can(O::kWrite, R::kTopic, "xorders"));
}

TEST_F(AuthorizerTest, WildcardResourceAndPrincipal) {
  az.update({acl(R::kGroup, "*", PT::kLiteral, O::kRead, P::kAllow, "User:*")});
  EXPECT_TRUE(can(O::kRead, R::kGroup, "any-group"));
  EXPECT_TRUE(can(O::kRead, R::kGroup, "g", session("bob")));
  EXPECT_FALSE(can(O::kRead, R::kTopic, "g"));
  // A PREFIXED "*" is a prefix of nothing but names starting with '*'.
  az.update({acl(R::kGroup, "*", PT::kPrefixed, O::kRead, P::kAllow, "User:*")});
  EXPECT_FALSE(can(O::kRead, R::kGroup, "g"));
}

TEST_F(AuthorizerTest, HostMatchesExactlyOrWildcard) {
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow, "User:alice", "10.0.0.1")});
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t", session("alice", "10.0.0.1")));
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t", session("alice", "10.0.0.2")));
  az.update(
      {acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow, "User:alice", "0:0:0:0:0:0:0:1")});
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t", session("alice", java_host_address("::1"))));
}

TEST_F(AuthorizerTest, PrincipalTypeMatters) {
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow, "Group:alice")});
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t"));
}

TEST_F(AuthorizerTest, DenyWins) {
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kAll, P::kAllow),
             acl(R::kTopic, "t", PT::kLiteral, O::kWrite, P::kDeny)});
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t"));
  EXPECT_FALSE(can(O::kWrite, R::kTopic, "t"));
  // A wildcard-principal prefix DENY beats a literal ALLOW for the principal.
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow),
             acl(R::kTopic, "", PT::kPrefixed, O::kRead, P::kDeny, "User:*")});
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t"));  // an empty prefix is never looked up
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow),
             acl(R::kTopic, "t", PT::kPrefixed, O::kRead, P::kDeny, "User:*")});
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t"));
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow),
             acl(R::kTopic, "*", PT::kLiteral, O::kAll, P::kDeny, "User:*", "10.0.0.1")});
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t"));
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t", session("alice", "10.0.0.9")));
}

TEST_F(AuthorizerTest, AllowImpliesDescribeButDenyImpliesNothing) {
  for (O op : {O::kRead, O::kWrite, O::kDelete, O::kAlter}) {
    az.update({acl(R::kTopic, "t", PT::kLiteral, op, P::kAllow)});
    EXPECT_TRUE(can(O::kDescribe, R::kTopic, "t")) << name_of(op);
    EXPECT_FALSE(can(O::kDescribeConfigs, R::kTopic, "t")) << name_of(op);
  }
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kCreate, P::kAllow)});
  EXPECT_FALSE(can(O::kDescribe, R::kTopic, "t"));
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kAlterConfigs, P::kAllow)});
  EXPECT_TRUE(can(O::kDescribeConfigs, R::kTopic, "t"));
  EXPECT_FALSE(can(O::kDescribe, R::kTopic, "t"));
  // DENY READ leaves an ALLOW DESCRIBE alone.
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kDescribe, P::kAllow),
             acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kDeny)});
  EXPECT_TRUE(can(O::kDescribe, R::kTopic, "t"));
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t"));
  // DENY ALL denies DESCRIBE too.
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow),
             acl(R::kTopic, "t", PT::kLiteral, O::kAll, P::kDeny)});
  EXPECT_FALSE(can(O::kDescribe, R::kTopic, "t"));
}

TEST_F(AuthorizerTest, AuthorizeAnyIsKafkasAuthorizeByResourceType) {
  auto any = [&](const Session& s = session()) {
    return az.authorize_any(s, O::kWrite, R::kTopic);
  };
  EXPECT_FALSE(any());
  EXPECT_TRUE(any(session("admin")));
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kWrite, P::kAllow)});
  EXPECT_TRUE(any());
  EXPECT_FALSE(any(session("bob")));
  // Implications do not count here: READ does not give WRITE, DESCRIBE needs its own ACL.
  EXPECT_FALSE(az.authorize_any(session(), O::kDescribe, R::kTopic));
  // A literal DENY on the same name, or a DENY prefix covering it, cancels it.
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kWrite, P::kAllow),
             acl(R::kTopic, "t", PT::kLiteral, O::kWrite, P::kDeny)});
  EXPECT_FALSE(any());
  az.update({acl(R::kTopic, "tx", PT::kPrefixed, O::kWrite, P::kAllow),
             acl(R::kTopic, "t", PT::kPrefixed, O::kAll, P::kDeny, "User:*")});
  EXPECT_FALSE(any());
  az.update({acl(R::kTopic, "t", PT::kPrefixed, O::kWrite, P::kAllow),
             acl(R::kTopic, "tx", PT::kPrefixed, O::kWrite, P::kDeny)});
  EXPECT_TRUE(any());
  // A wildcard DENY denies outright.
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kWrite, P::kAllow),
             acl(R::kTopic, "*", PT::kLiteral, O::kWrite, P::kDeny, "User:*")});
  EXPECT_FALSE(any());
  // ACLs of another type or host do not count.
  az.update({acl(R::kGroup, "t", PT::kLiteral, O::kAll, P::kAllow),
             acl(R::kTopic, "t", PT::kLiteral, O::kWrite, P::kAllow, "User:alice", "1.1.1.1")});
  EXPECT_FALSE(any());
  StandardAuthorizer open{AuthorizerOptions{{}, true}};
  EXPECT_TRUE(open.authorize_any(session(), O::kWrite, R::kTopic));
}

TEST_F(AuthorizerTest, UpdatesFromTheImageOnlyWhenTheAclsChange) {
  cluster::ImageBuilder b;
  auto e = entry_from_binding(acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow));
  e.id[0] = 1;
  b.apply(cluster::AccessControlEntryRecord{e});
  auto image = b.build(1);
  az.update(*image);
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t"));
  ASSERT_EQ(az.acls().size(), 1u);

  cluster::ImageBuilder b2(*image);
  b2.apply(cluster::ClusterIdRecord{"c"});
  auto image2 = b2.build(2);
  EXPECT_EQ(image2->acls_ptr(), image->acls_ptr());  // shared: nothing to rebuild
  cluster::ImageBuilder b3(*image2);
  b3.apply(cluster::RemoveAccessControlEntryRecord{e.id});
  auto image3 = b3.build(3);
  EXPECT_EQ(image->acls().size(), 1u);  // the old image is untouched
  az.update(*image3);
  EXPECT_FALSE(can(O::kRead, R::kTopic, "t"));
  EXPECT_TRUE(az.acls().empty());
}

TEST_F(AuthorizerTest, ReadersRaceTheWriterSafely) {
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    const Session s = session();
    while (!stop) (void)az.authorize(s, {O::kRead, R::kTopic, "t5"});
  });
  for (int i = 0; i < 200; ++i) {
    std::vector<AclBinding> acls;
    for (int j = 0; j < 10; ++j) {
      acls.push_back(acl(R::kTopic, "t" + std::to_string(j), PT::kLiteral, O::kRead, P::kAllow));
    }
    az.update(acls);
  }
  stop = true;
  reader.join();
  EXPECT_TRUE(can(O::kRead, R::kTopic, "t5"));
}

TEST_F(AuthorizerTest, AuthorizedOperationsBitfield) {
  az.update({acl(R::kTopic, "t", PT::kLiteral, O::kRead, P::kAllow)});
  const int32_t bits = authorized_operations(&az, session(), R::kTopic, "t");
  EXPECT_EQ(bits, (1 << 3) | (1 << 8));  // READ and the DESCRIBE it implies
  EXPECT_EQ(authorized_operations(&az, session("bob"), R::kTopic, "t"), 0);
  int32_t all = 0;
  for (O op : supported_operations(R::kCluster)) all |= 1 << static_cast<int>(op);
  EXPECT_EQ(authorized_operations(nullptr, session(), R::kCluster, "kafka-cluster"), all);
  EXPECT_EQ(authorized_operations(&az, session("admin"), R::kCluster, "kafka-cluster"), all);
}

TEST(SuperUsers, SemicolonSeparated) {
  EXPECT_EQ(parse_super_users("User:a; User:b ;;User:c"),
            (std::set<std::string>{"User:a", "User:b", "User:c"}));
  EXPECT_TRUE(parse_super_users("").empty());
}

}  // namespace
}  // namespace samsa::security
