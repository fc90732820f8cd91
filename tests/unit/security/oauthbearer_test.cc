// SASL/OAUTHBEARER: RFC 7628 framing, Kafka's error exchange, and JWT validation against a JWKS
// (KIP-768 rules): signatures, dates, issuer, audience, principal and scope claims.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "oauth_test_tokens.h"
#include "security/sasl/jwks_endpoint.h"
#include "security/sasl/oauthbearer_server.h"
#include "security/sasl/sasl_server_factory.h"

namespace samsa::security {
namespace {

using oauth::JsonWebKeySet;
using oauth::JwtValidator;
using oauth::JwtValidatorConfig;
using oauth::testing::b64;
using oauth::testing::client_first;
using oauth::testing::json;
using oauth::testing::jwks_of;
using oauth::testing::mint;
using oauth::testing::TestKey;

constexpr int64_t kNow = 1'800'000'000;  // seconds; the tests' fixed clock

class OAuthBearerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(TestKey::rsa("rsa-1"));
    ec_ = new TestKey(TestKey::p256("ec-1"));
    other_ = new TestKey(TestKey::rsa("rsa-1"));  // same kid, different key
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete other_;
  }

  static json claims(const std::string& sub = "alice") {
    return {{"sub", sub},       {"iss", "https://idp.example"}, {"aud", "samsa"},
            {"iat", kNow - 10}, {"exp", kNow + 3600},           {"scope", "kafka"}};
  }

  std::shared_ptr<const JwtValidator> validator(JwtValidatorConfig c = {}) const {
    if (c.expected_audiences.empty() && !no_audience_) c.expected_audiences = {"other", "samsa"};
    if (!c.expected_issuer && !no_issuer_) c.expected_issuer = "https://idp.example";
    auto keys = std::make_shared<oauth::StaticKeys>(JsonWebKeySet::parse(jwks_of({rsa_, ec_})));
    return std::make_shared<JwtValidator>(std::move(c), keys);
  }

  oauth::JwtResult check(const std::string& token, JwtValidatorConfig c = {}) const {
    return validator(std::move(c))->validate(token, kNow * 1000);
  }

  OAuthBearerServer server(JwtValidatorConfig c = {}) const {
    return OAuthBearerServer(validator(std::move(c)), [] { return kNow * 1000; });
  }

  static SaslStep send(OAuthBearerServer& s, std::string_view msg) {
    return s.evaluate(scram::as_bytes(msg));
  }

  static TestKey* rsa_;
  static TestKey* ec_;
  static TestKey* other_;
  bool no_audience_ = false;
  bool no_issuer_ = false;
};

TestKey* OAuthBearerTest::rsa_ = nullptr;
TestKey* OAuthBearerTest::ec_ = nullptr;
TestKey* OAuthBearerTest::other_ = nullptr;

TEST_F(OAuthBearerTest, GoodTokenAuthenticatesAsItsSubjectUntilExp) {
  auto s = server();
  auto r = send(s, client_first(mint(*rsa_, claims())));
  ASSERT_EQ(r.status, SaslStep::Status::kDone) << r.reason;
  EXPECT_EQ(r.authorization_id, "alice");
  EXPECT_TRUE(r.challenge.empty());
  ASSERT_TRUE(r.credential_expiry_ms.has_value());
  EXPECT_EQ(*r.credential_expiry_ms, (kNow + 3600) * 1000);
}

TEST_F(OAuthBearerTest, Es256AndPs256AndKidlessTokensVerify) {
  EXPECT_TRUE(check(mint(*ec_, claims(), "ES256")).token)
      << check(mint(*ec_, claims(), "ES256")).error;
  EXPECT_TRUE(check(mint(*rsa_, claims(), "PS256")).token);
  // No kid in the header: every key fitting the alg is tried.
  TestKey anonymous{rsa_->pkey, "", false};
  EXPECT_TRUE(check(mint(anonymous, claims())).token) << check(mint(anonymous, claims())).error;
}

TEST_F(OAuthBearerTest, ExpiredTokenGetsTheErrorChallengeThenFails) {
  auto c = claims();
  c["exp"] = kNow - 31;  // beyond the 30 s default skew
  auto s = server();
  auto r = send(s, client_first(mint(*rsa_, c)));
  ASSERT_EQ(r.status, SaslStep::Status::kContinue);
  EXPECT_EQ(std::string(r.challenge.begin(), r.challenge.end()), R"({"status":"invalid_token"})");
  auto f = send(s, "\x01");
  EXPECT_EQ(f.status, SaslStep::Status::kFailed);
  EXPECT_EQ(f.error, R"({"status":"invalid_token"})");
  EXPECT_NE(f.reason.find("expired"), std::string::npos) << f.reason;
  // Within the skew it still passes, and a custom skew is honoured.
  c["exp"] = kNow - 29;
  EXPECT_TRUE(check(mint(*rsa_, c)).token);
  JwtValidatorConfig strict;
  strict.clock_skew_seconds = 0;
  c["exp"] = kNow;
  EXPECT_FALSE(check(mint(*rsa_, c), strict).token);
}

TEST_F(OAuthBearerTest, NotBeforeAndMissingDatesAreRefused) {
  auto c = claims();
  c["nbf"] = kNow + 60;
  EXPECT_NE(check(mint(*rsa_, c)).error.find("not valid before"), std::string::npos);
  c["nbf"] = kNow + 20;  // within skew
  EXPECT_TRUE(check(mint(*rsa_, c)).token);
  for (const char* name : {"exp", "iat"}) {
    auto m = claims();
    m.erase(name);
    EXPECT_NE(check(mint(*rsa_, m)).error.find(name), std::string::npos) << name;
    m[name] = "soon";
    EXPECT_NE(check(mint(*rsa_, m)).error.find("not a number"), std::string::npos) << name;
  }
}

TEST_F(OAuthBearerTest, IssuerMustMatchWhenExpected) {
  auto c = claims();
  c["iss"] = "https://evil.example";
  EXPECT_NE(check(mint(*rsa_, c)).error.find("issuer"), std::string::npos);
  c.erase("iss");
  EXPECT_NE(check(mint(*rsa_, c)).error.find("'iss'"), std::string::npos);
  no_issuer_ = true;
  EXPECT_TRUE(check(mint(*rsa_, c)).token);
}

TEST_F(OAuthBearerTest, AudienceRules) {
  auto c = claims();
  c["aud"] = "someone-else";
  EXPECT_NE(check(mint(*rsa_, c)).error.find("audience"), std::string::npos);
  c["aud"] = json::array({"x", "samsa"});
  EXPECT_TRUE(check(mint(*rsa_, c)).token);
  c.erase("aud");
  EXPECT_NE(check(mint(*rsa_, c)).error.find("'aud'"), std::string::npos);
  // No audience configured: a token without aud passes, one with aud does not (jose4j default).
  no_audience_ = true;
  EXPECT_TRUE(check(mint(*rsa_, c)).token);
  EXPECT_FALSE(check(mint(*rsa_, claims())).token);
}

TEST_F(OAuthBearerTest, BadSignaturesAreRefused) {
  const std::string good = mint(*rsa_, claims());
  // Another key under the same kid.
  EXPECT_NE(check(mint(*other_, claims())).error.find("signature"), std::string::npos);
  // Claims swapped after signing.
  const auto dot1 = good.find('.');
  const auto dot2 = good.find('.', dot1 + 1);
  const std::string forged =
      good.substr(0, dot1 + 1) + b64(claims("admin").dump()) + good.substr(dot2);
  EXPECT_NE(check(forged).error.find("signature"), std::string::npos);
  // A truncated signature.
  EXPECT_FALSE(check(good.substr(0, good.size() - 4)).token);
  // An ES256 signature on an RSA kid: no key fits.
  EXPECT_FALSE(check(mint(*ec_, claims(), "ES256", {{"kid", "rsa-1"}})).token);
}

TEST_F(OAuthBearerTest, AlgNoneAndSymmetricAlgsAreRefused) {
  const std::string unsecured = b64(R"({"alg":"none"})") + "." + b64(claims().dump()) + ".";
  EXPECT_NE(check(unsecured).error.find("none"), std::string::npos);
  EXPECT_NE(check(unsecured + "c2ln").error.find("none"), std::string::npos);
  const std::string hs = b64(R"({"alg":"HS256","kid":"rsa-1"})") + "." + b64(claims().dump()) +
                         "." + b64("mac-made-with-the-public-key");
  EXPECT_NE(check(hs).error.find("HS256"), std::string::npos);
  EXPECT_FALSE(check(mint(*rsa_, claims(), "RS256", {{"crit", json::array({"exp"})}})).token);
  // Through the SASL server too: challenge, then failure.
  auto s = server();
  EXPECT_EQ(send(s, client_first(unsecured.substr(0, unsecured.size() - 1) + ".c2ln")).status,
            SaslStep::Status::kContinue);
  EXPECT_EQ(send(s, "\x01").status, SaslStep::Status::kFailed);
}

TEST_F(OAuthBearerTest, UnknownKidIsRefused) {
  auto r = check(mint(*rsa_, claims(), "RS256", {{"kid", "rotated-away"}}));
  EXPECT_NE(r.error.find("rotated-away"), std::string::npos) << r.error;
  // What the client put in the header reaches the log only escaped.
  r = check(mint(*rsa_, claims(), "RS256", {{"kid", "x\nevent=forged \"q\""}}));
  EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("x\\x0aevent=forged \\x22q\\x22"), std::string::npos) << r.error;
  EXPECT_EQ(oauth::printable(std::string(100, 'a')), std::string(80, 'a') + "...");
}

TEST_F(OAuthBearerTest, BadBase64UrlAndShapesAreRefused) {
  const std::string good = mint(*rsa_, claims());
  EXPECT_FALSE(check(good + "=").token);
  EXPECT_FALSE(check("e+" + good.substr(2)).token);
  EXPECT_FALSE(check(good.substr(0, good.find('.'))).token);  // one part
  EXPECT_FALSE(check(good + ".x.y").token);                   // JWE-like
  EXPECT_FALSE(check(b64("not json") + good.substr(good.find('.'))).token);
  EXPECT_FALSE(check("a" + good).token);                       // header length 1 mod 4 or bad JSON
  EXPECT_FALSE(oauth::base64url_decode("abcde").has_value());  // length 1 mod 4
  EXPECT_EQ(oauth::base64url_decode("YWJj").value(), (oauth::Bytes{'a', 'b', 'c'}));
}

TEST_F(OAuthBearerTest, OversizedTokensAreRefused) {
  auto c = claims();
  c["padding"] = std::string(oauth::kMaxTokenBytes, 'x');
  auto r = check(mint(*rsa_, c));
  EXPECT_NE(r.error.find("bytes"), std::string::npos) << r.error;
}

TEST_F(OAuthBearerTest, DuplicateClaimsAndDeepNestingAreRefused) {
  const std::string payload =
      R"({"sub":"alice","sub":"admin","iss":"https://idp.example","aud":"samsa","iat":1,"exp":)" +
      std::to_string(kNow + 100) + "}";
  const std::string input = b64(R"({"alg":"RS256","kid":"rsa-1"})") + "." + b64(payload);
  auto r = check(input + "." + rsa_->sign("RS256", input));
  EXPECT_NE(r.error.find("duplicate"), std::string::npos) << r.error;
  auto c = claims();
  json deep = 1;
  for (int i = 0; i < 40; ++i) deep = json::array({deep});
  c["deep"] = deep;
  EXPECT_NE(check(mint(*rsa_, c)).error.find("deeply"), std::string::npos);
}

TEST_F(OAuthBearerTest, PrincipalAndScopeClaims) {
  auto c = claims("  bob ");
  auto r = check(mint(*rsa_, c));
  ASSERT_TRUE(r.token) << r.error;
  EXPECT_EQ(r.token->principal, "bob");  // trimmed, as Kafka does
  EXPECT_EQ(r.token->scopes, std::vector<std::string>{"kafka"});
  c["sub"] = "   ";
  EXPECT_FALSE(check(mint(*rsa_, c)).token);
  c["sub"] = 42;
  EXPECT_FALSE(check(mint(*rsa_, c)).token);
  // Another claim as the principal.
  JwtValidatorConfig cfg;
  cfg.sub_claim = "client_id";
  auto d = claims();
  d["client_id"] = "svc-orders";
  r = check(mint(*rsa_, d), cfg);
  ASSERT_TRUE(r.token) << r.error;
  EXPECT_EQ(r.token->principal, "svc-orders");
  d.erase("client_id");
  EXPECT_FALSE(check(mint(*rsa_, d), cfg).token);
  // Scopes: a list of distinct non-blank strings.
  auto e = claims();
  e["scope"] = json::array({"read", "write"});
  EXPECT_TRUE(check(mint(*rsa_, e)).token);
  e["scope"] = json::array({"read", " read"});
  EXPECT_NE(check(mint(*rsa_, e)).error.find("twice"), std::string::npos);
  e["scope"] = "";
  EXPECT_FALSE(check(mint(*rsa_, e)).token);
}

TEST_F(OAuthBearerTest, MalformedClientMessagesFailAtOnce) {
  const std::string token = mint(*rsa_, claims());
  const std::vector<std::string> bad = {
      "",
      "y,,\x01"
      "auth=Bearer " +
          token + "\x01\x01",
      "n,,auth=Bearer " + token + "\x01\x01",
      "n,,\x01"
      "auth=Bearer " +
          token + "\x01",
      "n,,\x01"
      "auth=Bearer " +
          token + "\x01\x01x",
      "n,,\x01\x01",
      "n,,\x01"
      "auth=Basic YWxpY2U6cHc=\x01\x01",
      "n,,\x01"
      "auth=Bearer\x01\x01",
      "n,,\x01"
      "auth=Bearer " +
          token + "\x01" + "1x=2\x01\x01",
      "n,a=,\x01"
      "auth=Bearer " +
          token + "\x01\x01",
      "n,a=x=2Dy,\x01"
      "auth=Bearer " +
          token + "\x01\x01",
  };
  for (const auto& m : bad) {
    auto s = server();
    auto r = send(s, m);
    EXPECT_EQ(r.status, SaslStep::Status::kFailed) << m;
    EXPECT_NE(r.error.find("invalid credentials with SASL mechanism OAUTHBEARER"),
              std::string::npos);
  }
  // Extensions and a lower-case scheme are fine; a key given twice keeps the last value.
  auto s = server();
  auto r = send(s,
                "n,,\x01"
                "auth=bearer " +
                    token + "\x01traceId=abc 1\x01\x01");
  EXPECT_EQ(r.status, SaslStep::Status::kDone) << r.reason;
}

TEST_F(OAuthBearerTest, AuthzidMustBeTheTokensPrincipal) {
  auto s1 = server();
  EXPECT_EQ(send(s1, client_first(mint(*rsa_, claims()), "alice")).status, SaslStep::Status::kDone);
  auto s2 = server();
  auto r = send(s2, client_first(mint(*rsa_, claims()), "admin"));
  EXPECT_EQ(r.status, SaslStep::Status::kFailed);
  EXPECT_NE(r.error.find("(admin)"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("(alice)"), std::string::npos) << r.error;
}

TEST_F(OAuthBearerTest, AfterAnErrorANewFirstMessageIsJudgedAfresh) {
  auto c = claims();
  c["exp"] = kNow - 3600;
  auto s = server();
  ASSERT_EQ(send(s, client_first(mint(*rsa_, c))).status, SaslStep::Status::kContinue);
  // Kafka clears the error and parses whatever comes next as a first message.
  EXPECT_EQ(send(s, client_first(mint(*rsa_, claims()))).status, SaslStep::Status::kDone);
  EXPECT_EQ(send(s, "\x01").status, SaslStep::Status::kFailed);  // nothing after done
}

TEST(JsonWebKeySetTest, UnusableKeysAreSkippedAndAnEmptySetRefused) {
  auto good = TestKey::rsa("good");
  auto small = TestKey::rsa("small", 1024);
  json set = json::parse(jwks_of({&good, &small}));
  set["keys"].push_back({{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}});
  set["keys"].push_back(
      {{"kty", "RSA"}, {"kid", "enc"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}});
  auto jwks = JsonWebKeySet::parse(set.dump());
  ASSERT_EQ(jwks.keys().size(), 1u);
  EXPECT_EQ(jwks.keys()[0].kid, "good");
  EXPECT_EQ(jwks.skipped().size(), 3u);
  EXPECT_THROW(JsonWebKeySet::parse(R"({"keys":[]})"), oauth::JwksError);
  EXPECT_THROW(JsonWebKeySet::parse(R"({"kty":"RSA"})"), oauth::JwksError);
  EXPECT_THROW(JsonWebKeySet::parse("not json"), oauth::JwksError);
  EXPECT_THROW(JsonWebKeySet::parse(jwks_of({&small})), oauth::JwksError);
}

TEST(JwksUrlTest, OnlyFileUrls) {
  EXPECT_EQ(oauth::jwks_path_from_url("file:///etc/samsa/jwks.json"), "/etc/samsa/jwks.json");
  EXPECT_EQ(oauth::jwks_path_from_url("file:/etc/jwks.json"), "/etc/jwks.json");
  EXPECT_EQ(oauth::jwks_path_from_url("file://localhost/etc/jwks.json"), "/etc/jwks.json");
  EXPECT_THROW(oauth::jwks_path_from_url("https://idp.example/jwks"), oauth::JwksError);
  EXPECT_THROW(oauth::jwks_path_from_url("file://idp/jwks"), oauth::JwksError);
  EXPECT_THROW(oauth::jwks_path_from_url("/etc/jwks.json"), oauth::JwksError);
}

TEST(JwksFileTest, ReloadPicksUpRotatedKeysAndKeepsOldOnesOnABadFile) {
  auto a = TestKey::rsa("a");
  auto b = TestKey::rsa("b");
  char tmpl[] = "/tmp/samsa-jwks-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string path = tmpl;
  auto write = [&](const std::string& text) { std::ofstream(path, std::ios::trunc) << text; };
  write(jwks_of({&a}));
  auto file = std::make_shared<oauth::JwksFile>(path);
  JwtValidatorConfig cfg;
  JwtValidator v(cfg, file);
  const int64_t now = kNow * 1000;
  json c = {{"sub", "alice"}, {"iat", kNow}, {"exp", kNow + 60}};
  EXPECT_TRUE(v.validate(mint(a, c), now).token);
  EXPECT_FALSE(v.validate(mint(b, c), now).token);
  write(jwks_of({&b}));
  EXPECT_TRUE(file->reload());
  EXPECT_TRUE(v.validate(mint(b, c), now).token);
  EXPECT_FALSE(v.validate(mint(a, c), now).token);
  write("{ half written");
  EXPECT_FALSE(file->reload());
  EXPECT_TRUE(v.validate(mint(b, c), now).token);  // the old keys stay
  std::remove(path.c_str());
  EXPECT_THROW(oauth::JwksFile("/nonexistent/jwks.json"), oauth::JwksError);
}

// A source that can fetch hears of kids it lacks (JwksEndpoint refetches early for them); kids
// it has, and tokens without a kid, do not bother it.
TEST(KeySourceTest, UnknownKidIsReportedToTheSource) {
  struct Recording : oauth::KeySource {
    explicit Recording(JsonWebKeySet s)
        : set(std::make_shared<const JsonWebKeySet>(std::move(s))) {}
    std::shared_ptr<const JsonWebKeySet> current() override { return set; }
    void key_not_found(std::string_view kid) override { kids.emplace_back(kid); }
    std::shared_ptr<const JsonWebKeySet> set;
    std::vector<std::string> kids;
  };
  auto a = TestKey::rsa("a");
  auto keys = std::make_shared<Recording>(JsonWebKeySet::parse(jwks_of({&a})));
  JwtValidator v(JwtValidatorConfig{}, keys);
  json c = {{"sub", "alice"}, {"iat", kNow}, {"exp", kNow + 60}};
  EXPECT_TRUE(v.validate(mint(a, c), kNow * 1000).token);
  EXPECT_FALSE(v.validate(mint(a, c, "RS256", {{"kid", "rotated-in"}}), kNow * 1000).token);
  EXPECT_EQ(keys->kids, std::vector<std::string>{"rotated-in"});
}

TEST(KeySourceTest, SchemesOtherThanFileAndHttpStopStartup) {
  for (const char* url : {"ftp://idp.example/jwks", "/etc/jwks.json", "ldap://idp"}) {
    oauth::JwksEndpointOptions o;
    o.url = url;
    EXPECT_THROW(oauth::make_key_source(o), oauth::JwksError) << url;
  }
  // Nothing listens on port 1: a fetch fails, is retried within the backoff bound, and says so.
  oauth::JwksEndpointOptions o;
  o.url = "http://127.0.0.1:1/jwks";
  o.retry_backoff_ms = 10;
  o.retry_backoff_max_ms = 100;
  try {
    oauth::make_key_source(o);
    ADD_FAILURE() << "no JWKS was fetched, yet a source was made";
  } catch (const oauth::JwksError& e) {
    EXPECT_NE(std::string(e.what()).find("attempts"), std::string::npos) << e.what();
  }
}

TEST(SaslServerFactoryTest, OAuthBearerIsImplemented) {
  EXPECT_TRUE(SaslServerFactory::implemented("OAUTHBEARER"));
  EXPECT_FALSE(SaslServerFactory::implemented("oauthbearer"));
}

}  // namespace
}  // namespace samsa::security
