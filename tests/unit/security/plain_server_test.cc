// SASL/PLAIN framing and checks, and the JAAS parser that supplies the listener's users.
#include "security/sasl/plain_server.h"

#include <gtest/gtest.h>

#include "security/sasl/jaas_config.h"
#include "security/sasl/sasl_server_factory.h"
#include "security/sasl/scram_crypto.h"

namespace samsa::security {
namespace {

class OneUserStore : public CredentialStore {
 public:
  OneUserStore() {
    salt_ = scram::random_bytes(16);
    const auto salted = scram::pbkdf2(ScramMechanism::kSha512, "carol-secret", salt_, 4096);
    cred_ = {salt_, scram::stored_key_from_salted(ScramMechanism::kSha512, salted),
             scram::server_key_from_salted(ScramMechanism::kSha512, salted), 4096};
  }
  std::optional<ScramCredential> scram(std::string_view user, ScramMechanism m) const override {
    if (user == "carol" && m == ScramMechanism::kSha512) return cred_;
    return std::nullopt;
  }

 private:
  std::vector<uint8_t> salt_;
  ScramCredential cred_;
};

SaslStep plain(PlainServer& s, std::string_view msg) {
  return s.evaluate(scram::as_bytes(msg));
}

class PlainTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> users{{"alice", "alice-secret"}, {"bob", ""}};
  OneUserStore store;
};

TEST_F(PlainTest, JaasUserAccepted) {
  PlainServer s(&users, &store);
  auto r = plain(s, std::string_view("\0alice\0alice-secret", 19));
  ASSERT_EQ(r.status, SaslStep::Status::kDone) << r.reason;
  EXPECT_EQ(r.authorization_id, "alice");
  EXPECT_TRUE(r.challenge.empty());
}

TEST_F(PlainTest, AuthzidEqualAcceptedOtherRejected) {
  PlainServer s1(&users, &store);
  EXPECT_EQ(plain(s1, std::string_view("alice\0alice\0alice-secret", 24)).status,
            SaslStep::Status::kDone);
  PlainServer s2(&users, &store);
  auto r = plain(s2, std::string_view("bob\0alice\0alice-secret", 22));
  EXPECT_EQ(r.status, SaslStep::Status::kFailed);
  EXPECT_NE(r.error.find("authorization id"), std::string::npos);
}

TEST_F(PlainTest, WrongPasswordAndUnknownUserGiveTheSameMessage) {
  PlainServer s1(&users, &store);
  auto wrong = plain(s1, std::string_view("\0alice\0nope", 11));
  PlainServer s2(&users, &store);
  auto unknown = plain(s2, std::string_view("\0mallory\0nope", 13));
  EXPECT_EQ(wrong.status, SaslStep::Status::kFailed);
  EXPECT_EQ(unknown.status, SaslStep::Status::kFailed);
  EXPECT_EQ(wrong.error, unknown.error);
  // A prefix of the password is not the password.
  PlainServer s3(&users, &store);
  EXPECT_EQ(plain(s3, std::string_view("\0alice\0alice-secre", 18)).status,
            SaslStep::Status::kFailed);
}

TEST_F(PlainTest, ScramCredentialChecked) {
  PlainServer s1(&users, &store);
  EXPECT_EQ(plain(s1, std::string_view("\0carol\0carol-secret", 19)).status,
            SaslStep::Status::kDone);
  PlainServer s2(&users, &store);
  EXPECT_EQ(plain(s2, std::string_view("\0carol\0carol-secreT", 19)).status,
            SaslStep::Status::kFailed);
  PlainServer s3(nullptr, nullptr);
  EXPECT_EQ(plain(s3, std::string_view("\0carol\0carol-secret", 19)).status,
            SaslStep::Status::kFailed);
}

TEST_F(PlainTest, MalformedMessagesRejected) {
  for (std::string_view msg :
       {std::string_view(""), std::string_view("alice"), std::string_view("\0alice", 6),
        std::string_view("\0alice\0alice-secret\0", 20), std::string_view("\0\0alice-secret", 14),
        std::string_view("\0bob\0", 5)}) {
    PlainServer s(&users, &store);
    EXPECT_EQ(plain(s, msg).status, SaslStep::Status::kFailed);
  }
}

TEST_F(PlainTest, SecondTokenRejected) {
  PlainServer s(&users, &store);
  plain(s, std::string_view("\0alice\0alice-secret", 19));
  EXPECT_EQ(plain(s, std::string_view("\0alice\0alice-secret", 19)).status,
            SaslStep::Status::kFailed);
}

TEST(Jaas, KafkaPlainLoginModule) {
  auto m = parse_jaas_config(
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
      "password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";");
  EXPECT_EQ(m.class_name, kPlainLoginModule);
  EXPECT_EQ(m.flag, "required");
  EXPECT_EQ(m.options.at("username"), "admin");
  auto users = jaas_plain_users(m);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users.at("alice"), "alice-secret");
  EXPECT_EQ(users.at("admin"), "admin-secret");
}

TEST(Jaas, QuotingEscapesBareWordsAndWhitespace) {
  auto m =
      parse_jaas_config("  X.Y\n optional\tuser_a = \"p\\\"w;d=x\"  user_b=bare debug=true ;  ");
  EXPECT_EQ(m.flag, "optional");
  EXPECT_EQ(m.options.at("user_a"), "p\"w;d=x");
  EXPECT_EQ(m.options.at("user_b"), "bare");
  auto users = jaas_plain_users(m);
  EXPECT_EQ(users.size(), 2u);
}

TEST(Jaas, Errors) {
  for (const char* bad :
       {"", "X.Y", "X.Y required", "X.Y mandatory;", "X.Y required a=\"b\"", "X.Y required a=;",
        "X.Y required a \"b\";", "X.Y required a=\"b;", "X.Y required a=b a=c;",
        "X.Y required; Z required;", "\"X\" required;"}) {
    EXPECT_THROW(parse_jaas_config(bad), JaasError) << bad;
  }
}

TEST(Jaas, ErrorDoesNotEchoValues) {
  try {
    parse_jaas_config("X.Y required user_a=\"topsecret");
    FAIL();
  } catch (const JaasError& e) {
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos);
  }
}

TEST(SaslFactory, OnlyEnabledMechanismsPerListener) {
  SaslServerFactory f;
  SaslListenerConfig config;
  config.mechanisms = {"PLAIN", "SCRAM-SHA-256"};
  config.plain_users = {{"alice", "x"}};
  f.set_listener("SASL", std::move(config));
  EXPECT_NE(f.create("SASL", "PLAIN"), nullptr);
  EXPECT_NE(f.create("SASL", "SCRAM-SHA-256"), nullptr);
  EXPECT_EQ(f.create("SASL", "SCRAM-SHA-512"), nullptr);
  EXPECT_EQ(f.create("SASL", "plain"), nullptr);
  EXPECT_EQ(f.create("OTHER", "PLAIN"), nullptr);
  EXPECT_EQ(f.mechanisms("SASL").size(), 2u);
  EXPECT_TRUE(SaslServerFactory::implemented("SCRAM-SHA-512"));
  EXPECT_TRUE(SaslServerFactory::implemented("GSSAPI"));
  EXPECT_TRUE(SaslServerFactory::implemented("OAUTHBEARER"));
  EXPECT_FALSE(SaslServerFactory::implemented("CRAM-MD5"));
}

}  // namespace
}  // namespace samsa::security
