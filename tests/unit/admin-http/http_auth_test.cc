#include "admin-http/http_auth.h"

#include <gtest/gtest.h>

#include "security/sasl/scram_crypto.h"
#include "security/sasl/scram_formatter.h"

namespace samsa::admin_http {
namespace {

using security::ScramMechanism;

class MapStore : public security::CredentialStore {
 public:
  std::optional<security::ScramCredential> scram(std::string_view user,
                                                 ScramMechanism m) const override {
    auto it = users.find({std::string(user), m});
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::pair<std::string, ScramMechanism>, security::ScramCredential> users;
};

// Grants only what `allowed` lists, by "<principal> <operation code> <resource name>".
class ListAuthorizer : public security::Authorizer {
 public:
  bool authorize(const security::Session& s, const security::Action& a) const override {
    return allowed.count(s.principal.to_string() + " " +
                         std::to_string(static_cast<int>(a.operation)) + " " + a.resource_name);
  }
  bool authorize_any(const security::Session&, security::AclOperation,
                     security::ResourceType) const override {
    return false;
  }
  std::set<std::string> allowed;
};

std::string basic(const std::string& user, const std::string& password) {
  const std::string text = user + ":" + password;
  return "Basic " + security::scram::base64_encode(security::scram::as_bytes(text));
}

HttpRequest request(std::optional<std::string> authorization = std::nullopt) {
  HttpRequest req;
  req.method = "GET";
  req.route = "/v3/clusters/{cluster_id}/topics/{topic_name}";
  if (authorization) req.headers["authorization"] = *authorization;
  return req;
}

struct HttpAuthTest : ::testing::Test {
  HttpAuthTest() {
    store.users[{"alice", ScramMechanism::kSha512}] =
        security::make_scram_credential(ScramMechanism::kSha512, "alice-secret", 4096);
  }
  HttpAuth make(bool required) {
    HttpAuthOptions o;
    o.required = required;
    o.open_routes = {"/v1/status/live", "/metrics", "/v1/debug/*"};
    o.plain_users = {{"jaas-bob", "bob-secret"}};
    return HttpAuth(o);
  }
  MapStore store;
  HttpPeer peer = [] {
    HttpPeer p;
    p.client_host = "127.0.0.1";
    return p;
  }();
};

TEST_F(HttpAuthTest, OpenRoutesAreExactPathsOrPrefixes) {
  auto auth = make(true);
  EXPECT_TRUE(auth.is_open("/metrics"));
  EXPECT_FALSE(auth.is_open("/metrics/x"));
  EXPECT_TRUE(auth.is_open("/v1/debug/"));
  EXPECT_TRUE(auth.is_open("/v1/debug/anything"));
  EXPECT_FALSE(auth.is_open("/v1/status/ready"));
}

TEST_F(HttpAuthTest, BasicChecksScramAndJaasUsers) {
  auto auth = make(true);
  auth.set_services(&store, nullptr, nullptr);
  auto req = request(basic("alice", "alice-secret"));
  EXPECT_FALSE(auth.authenticate(req, peer));
  EXPECT_EQ(req.session.principal.to_string(), "User:alice");
  auto jaas = request(basic("jaas-bob", "bob-secret"));
  EXPECT_FALSE(auth.authenticate(jaas, peer));
  EXPECT_EQ(jaas.session.principal.to_string(), "User:jaas-bob");
  for (const auto& bad : {basic("alice", "wrong"), basic("nobody", "x"), std::string("Basic !!"),
                          std::string("Bearer abc"), basic("", "x")}) {
    auto r = request(bad);
    auto refused = auth.authenticate(r, peer);
    ASSERT_TRUE(refused) << bad;
    EXPECT_EQ(refused->status, 401);
    EXPECT_EQ(refused->headers.at("WWW-Authenticate").rfind("Basic realm=", 0), 0u);
    EXPECT_NE(refused->body.find("40101"), std::string::npos);
  }
}

TEST_F(HttpAuthTest, MissingCredentialsAreRefusedOnlyWhenRequired) {
  auto required = make(true);
  auto r1 = request();
  auto refused = required.authenticate(r1, peer);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto optional = make(false);
  auto r2 = request();
  EXPECT_FALSE(optional.authenticate(r2, peer));
  EXPECT_EQ(r2.session.principal.to_string(), "User:ANONYMOUS");
  // Credentials that are sent are checked even when none are required.
  optional.set_services(&store, nullptr, nullptr);
  auto r3 = request(basic("alice", "wrong"));
  ASSERT_TRUE(optional.authenticate(r3, peer));
}

TEST_F(HttpAuthTest, AChangedOrDeletedCredentialIsNoticedDespiteTheCache) {
  auto auth = make(true);
  auth.set_services(&store, nullptr, nullptr);
  auto first = request(basic("alice", "alice-secret"));
  ASSERT_FALSE(auth.authenticate(first, peer));
  store.users[{"alice", ScramMechanism::kSha512}] =
      security::make_scram_credential(ScramMechanism::kSha512, "new-secret", 4096);
  auto old_password = request(basic("alice", "alice-secret"));
  EXPECT_TRUE(auth.authenticate(old_password, peer));
  auto new_password = request(basic("alice", "new-secret"));
  EXPECT_FALSE(auth.authenticate(new_password, peer));
  store.users.clear();
  auto deleted = request(basic("alice", "new-secret"));
  EXPECT_TRUE(auth.authenticate(deleted, peer));
}

TEST_F(HttpAuthTest, DeclaredAccessAsksTheAuthorizerForThePathResource) {
  auto auth = make(true);
  ListAuthorizer authorizer;
  authorizer.allowed = {"User:alice 8 orders", "User:alice 7 kafka-cluster"};
  auth.set_services(&store, &authorizer, nullptr);
  auto req = request(basic("alice", "alice-secret"));
  ASSERT_FALSE(auth.authenticate(req, peer));
  req.path_params = {{"topic_name", "orders"}};
  EXPECT_FALSE(auth.check(req, Access::topic(security::AclOperation::kDescribe)));
  EXPECT_FALSE(auth.check(req, Access::cluster(security::AclOperation::kAlter)));
  EXPECT_FALSE(auth.check(req, Access::authenticated()));
  auto denied = auth.check(req, Access::topic(security::AclOperation::kDelete));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_NE(denied->body.find("40301"), std::string::npos);
  req.path_params = {{"topic_name", "payments"}};
  EXPECT_TRUE(auth.check(req, Access::topic(security::AclOperation::kDescribe)));
}

}  // namespace
}  // namespace samsa::admin_http
