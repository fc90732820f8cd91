// The native SCRAM server against RFC 7677's example exchange and a client written here from RFC
// 5802, including librdkafka 2.0.2's duplicated nonce, which Kafka 3.9 accepts.
#include "security/sasl/scram_server.h"

#include <gtest/gtest.h>

#include <map>

#include "security/sasl/scram_crypto.h"

namespace samsa::security {
namespace {

using scram::as_bytes;

class MemoryStore : public CredentialStore {
 public:
  void add(const std::string& user, ScramMechanism m, const std::string& password,
           std::vector<uint8_t> salt, int32_t iterations) {
    const auto salted = scram::pbkdf2(m, password, salt, iterations);
    creds_[{user, m}] = {salt, scram::stored_key_from_salted(m, salted),
                         scram::server_key_from_salted(m, salted), iterations};
  }
  std::optional<ScramCredential> scram(std::string_view user, ScramMechanism m) const override {
    auto it = creds_.find({std::string(user), m});
    if (it == creds_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::pair<std::string, ScramMechanism>, ScramCredential> creds_;
};

std::string text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

SaslStep step(ScramServer& s, const std::string& msg) {
  return s.evaluate(as_bytes(msg));
}

// RFC 7677 section 3, byte for byte.
TEST(ScramServer, Rfc7677Sha256Example) {
  MemoryStore store;
  store.add("user", ScramMechanism::kSha256, "pencil",
            *scram::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  ScramServer server(ScramMechanism::kSha256, &store,
                     [] { return std::string("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"); });
  auto first = step(server, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_EQ(first.status, SaslStep::Status::kContinue) << first.reason;
  EXPECT_EQ(
      text(first.challenge),
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  auto final_step = step(server,
                         "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                         "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_EQ(final_step.status, SaslStep::Status::kDone) << final_step.reason;
  EXPECT_EQ(text(final_step.challenge), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  EXPECT_EQ(final_step.authorization_id, "user");
  // Nothing more is accepted once done.
  EXPECT_EQ(step(server, "x").status, SaslStep::Status::kFailed);
}

// A client following RFC 5802; `final_nonce` lets a test send what buggy clients send.
struct Client {
  ScramMechanism m;
  std::string user, password, cnonce = "fyko+d2lbbFgONRv9qkxdawL";
  std::string gs2 = "n,,";
  std::string bare() const { return "n=" + user + ",r=" + cnonce; }
  std::string first() const { return gs2 + bare(); }
  std::string final_message(const std::string& server_first, const std::string& final_nonce,
                            std::string* expected_v = nullptr) const {
    auto get = [&](char k) {
      for (size_t at = 0; at < server_first.size();) {
        size_t comma = server_first.find(',', at);
        if (comma == std::string::npos) comma = server_first.size();
        if (server_first[at] == k) return server_first.substr(at + 2, comma - at - 2);
        at = comma + 1;
      }
      return std::string();
    };
    const auto salt = *scram::base64_decode(get('s'));
    const auto salted = scram::pbkdf2(m, password, salt, std::stoi(get('i')));
    const std::string without_proof =
        "c=" + scram::base64_encode(as_bytes(gs2)) + ",r=" + final_nonce;
    const std::string auth = bare() + "," + server_first + "," + without_proof;
    const auto client_key = scram::hmac(m, salted, as_bytes("Client Key"));
    const auto signature = scram::hmac(m, scram::hash(m, client_key), as_bytes(auth));
    std::vector<uint8_t> proof(client_key.size());
    for (size_t i = 0; i < proof.size(); ++i) proof[i] = client_key[i] ^ signature[i];
    if (expected_v != nullptr)
      *expected_v = "v=" + scram::base64_encode(scram::hmac(
                               m, scram::server_key_from_salted(m, salted), as_bytes(auth)));
    return without_proof + ",p=" + scram::base64_encode(proof);
  }
};

std::string nonce_of(const std::string& server_first) {
  return server_first.substr(2, server_first.find(',') - 2);
}

class ScramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store.add("alice", ScramMechanism::kSha512, "alice-secret", scram::random_bytes(16), 4096);
    store.add("alice", ScramMechanism::kSha256, "alice-secret", scram::random_bytes(16), 8192);
    store.add("weak", ScramMechanism::kSha256, "pw", scram::random_bytes(16), 1024);
  }
  MemoryStore store;
};

TEST_F(ScramTest, Sha512ExchangeVerifiesServerSignature) {
  ScramServer server(ScramMechanism::kSha512, &store);
  Client c{ScramMechanism::kSha512, "alice", "alice-secret"};
  auto first = step(server, c.first());
  ASSERT_EQ(first.status, SaslStep::Status::kContinue);
  const auto sf = text(first.challenge);
  ASSERT_EQ(sf.rfind("r=" + c.cnonce, 0), 0u);
  EXPECT_GT(nonce_of(sf).size(), c.cnonce.size() + 16);
  std::string expected_v;
  auto done = step(server, c.final_message(sf, nonce_of(sf), &expected_v));
  ASSERT_EQ(done.status, SaslStep::Status::kDone) << done.reason;
  EXPECT_EQ(text(done.challenge), expected_v);
  EXPECT_EQ(done.authorization_id, "alice");
}

TEST_F(ScramTest, LibrdkafkaDuplicatedNonceAccepted) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "alice-secret"};
  const auto sf = text(step(server, c.first()).challenge);
  // librdkafka <= 2.6.0: client nonce followed by the whole server nonce.
  auto done = step(server, c.final_message(sf, c.cnonce + nonce_of(sf)));
  EXPECT_EQ(done.status, SaslStep::Status::kDone) << done.reason;
}

TEST_F(ScramTest, AuthzidEqualToUserAccepted) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "alice-secret"};
  c.gs2 = "n,a=alice,";
  const auto sf = text(step(server, c.first()).challenge);
  EXPECT_EQ(step(server, c.final_message(sf, nonce_of(sf))).status, SaslStep::Status::kDone);
}

TEST_F(ScramTest, AuthzidOtherThanUserRejected) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "alice-secret"};
  c.gs2 = "n,a=bob,";
  auto r = step(server, c.first());
  EXPECT_EQ(r.status, SaslStep::Status::kFailed);
  EXPECT_NE(r.error.find("authorization id"), std::string::npos);
}

TEST_F(ScramTest, WrongPasswordFailsWithGenericMessage) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "wrong"};
  const auto sf = text(step(server, c.first()).challenge);
  auto r = step(server, c.final_message(sf, nonce_of(sf)));
  EXPECT_EQ(r.status, SaslStep::Status::kFailed);
  EXPECT_TRUE(r.challenge.empty());  // no e= message
  EXPECT_EQ(r.error,
            "Authentication failed during authentication due to invalid credentials with SASL "
            "mechanism SCRAM-SHA-256");
}

TEST_F(ScramTest, WrongNonceRejected) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "alice-secret"};
  const auto sf = text(step(server, c.first()).challenge);
  auto nonce = nonce_of(sf);
  nonce.back() = nonce.back() == 'A' ? 'B' : 'A';
  // A correct proof over the wrong nonce still fails: the server's nonce must be bound.
  EXPECT_EQ(step(server, c.final_message(sf, nonce)).status, SaslStep::Status::kFailed);
}

TEST_F(ScramTest, ClientNonceOnlyRejected) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "alice-secret"};
  const auto sf = text(step(server, c.first()).challenge);
  EXPECT_EQ(step(server, c.final_message(sf, c.cnonce)).status, SaslStep::Status::kFailed);
}

TEST_F(ScramTest, ChannelBindingMustMatchGs2Header) {
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "alice", "alice-secret"};
  c.gs2 = "n,a=alice,";
  const auto sf = text(step(server, c.first()).challenge);
  auto msg = c.final_message(sf, nonce_of(sf));
  // Replace c=<base64("n,a=alice,")> by c=biws.
  msg = "c=biws" + msg.substr(msg.find(','));
  EXPECT_EQ(step(server, msg).status, SaslStep::Status::kFailed);
}

TEST_F(ScramTest, BadGs2HeadersRejected) {
  for (std::string first : {"y,,n=alice,r=abc", "p=tls-unique,,n=alice,r=abc", "n=alice,r=abc",
                            "n,x=alice,n=alice,r=abc", "n,,r=abc", "n,,n=alice", "", "n,",
                            "n,,n=al=ZZice,r=abc", "n,,n=alice,r=a,b"}) {
    ScramServer server(ScramMechanism::kSha256, &store);
    EXPECT_EQ(step(server, first).status, SaslStep::Status::kFailed) << first;
  }
}

TEST_F(ScramTest, UnknownUserFailsAtClientFirstLikeKafka) {
  ScramServer server(ScramMechanism::kSha256, &store);
  auto r = step(server, "n,,n=mallory,r=abcdef");
  EXPECT_EQ(r.status, SaslStep::Status::kFailed);
  // The same words as a wrong password: the client is not told the user does not exist.
  EXPECT_EQ(r.error,
            "Authentication failed during authentication due to invalid credentials with SASL "
            "mechanism SCRAM-SHA-256");
}

TEST_F(ScramTest, MechanismWithoutCredentialIsUnknownUser) {
  ScramServer server(ScramMechanism::kSha512, &store);
  EXPECT_EQ(step(server, "n,,n=weak,r=abcdef").status, SaslStep::Status::kFailed);
}

TEST_F(ScramTest, TooFewIterationsRejected) {
  ScramServer server(ScramMechanism::kSha256, &store);
  auto r = step(server, "n,,n=weak,r=abcdef");
  EXPECT_EQ(r.status, SaslStep::Status::kFailed);
  EXPECT_NE(r.reason.find("1024"), std::string::npos);
}

TEST_F(ScramTest, NoStoreMeansNoUsers) {
  ScramServer server(ScramMechanism::kSha256, nullptr);
  EXPECT_EQ(step(server, "n,,n=alice,r=abcdef").status, SaslStep::Status::kFailed);
}

TEST_F(ScramTest, TokenAuthExtensionRefused) {
  ScramServer server(ScramMechanism::kSha256, &store);
  EXPECT_EQ(step(server, "n,,n=alice,r=abcdef,tokenauth=true").status, SaslStep::Status::kFailed);
}

TEST_F(ScramTest, UnknownExtensionIgnored) {
  ScramServer server(ScramMechanism::kSha256, &store);
  EXPECT_EQ(step(server, "n,,n=alice,r=abcdef,foo=bar").status, SaslStep::Status::kContinue);
}

TEST_F(ScramTest, EscapedSaslnameDecoded) {
  store.add("we,ird=user", ScramMechanism::kSha256, "pw", scram::random_bytes(16), 4096);
  ScramServer server(ScramMechanism::kSha256, &store);
  Client c{ScramMechanism::kSha256, "we=2Cird=3Duser", "pw"};
  const auto sf = text(step(server, c.first()).challenge);
  auto r = step(server, c.final_message(sf, nonce_of(sf)));
  ASSERT_EQ(r.status, SaslStep::Status::kDone) << r.reason;
  EXPECT_EQ(r.authorization_id, "we,ird=user");
}

TEST_F(ScramTest, GarbageFinalRejected) {
  for (std::string fin :
       {"", "garbage", "c=biws,r=x,p=!!!", "c=biws,p=AAAA", "r=x,c=biws,p=AAAA"}) {
    ScramServer server(ScramMechanism::kSha256, &store);
    step(server, "n,,n=alice,r=abcdef");
    EXPECT_EQ(step(server, fin).status, SaslStep::Status::kFailed) << fin;
  }
}

TEST(ScramCrypto, Base64RoundTripAndStrictness) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "n,,"}) {
    auto enc = scram::base64_encode(as_bytes(s));
    auto dec = scram::base64_decode(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(text(*dec), s);
  }
  EXPECT_EQ(scram::base64_encode(as_bytes("n,,")), "biws");
  EXPECT_FALSE(scram::base64_decode("abc"));
  EXPECT_FALSE(scram::base64_decode("ab=c"));
  EXPECT_FALSE(scram::base64_decode("a==="));
  EXPECT_FALSE(scram::base64_decode("ab!d"));
}

}  // namespace
}  // namespace samsa::security
