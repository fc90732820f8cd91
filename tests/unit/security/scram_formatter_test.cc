// Credential derivation against RFC 7677's SCRAM-SHA-256 example (user "user", password "pencil"):
// the keys derived here must reproduce the example's client proof and server signature.
#include "security/sasl/scram_formatter.h"

#include <gtest/gtest.h>

#include "cluster/image_builder.h"
#include "security/sasl/bootstrap_credentials.h"
#include "security/sasl/image_credential_store.h"

namespace samsa::security {
namespace {

std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ScramFormatter, Rfc7677Sha256Example) {
  const auto m = ScramMechanism::kSha256;
  const auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt);
  const Bytes salted = scram_salted_password(m, "pencil", *salt, 4096);
  const Bytes client_key = scram_client_key(m, salted);
  const Bytes stored_key = scram_stored_key(m, client_key);
  const Bytes server_key = scram_server_key(m, salted);
  const std::string auth_message =
      "n=user,r=rOprNGfwEbeRWgbNEkqO,"
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  Bytes proof = scram_hmac(m, stored_key, as_bytes(auth_message));
  for (size_t i = 0; i < proof.size(); ++i) proof[i] ^= client_key[i];
  EXPECT_EQ(base64_encode(proof), "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(base64_encode(scram_hmac(m, server_key, as_bytes(auth_message))),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

  const auto c = make_scram_credential(m, "pencil", 4096, *salt);
  EXPECT_EQ(c.salt, *salt);
  EXPECT_EQ(c.stored_key, stored_key);
  EXPECT_EQ(c.server_key, server_key);
  EXPECT_EQ(c.iterations, 4096);
  EXPECT_EQ(scram_credential_from_salted_password(m, *salt, salted, 4096), c);
  EXPECT_TRUE(scram_password_matches(m, c, "pencil"));
  EXPECT_FALSE(scram_password_matches(m, c, "pencil "));
  EXPECT_FALSE(scram_password_matches(ScramMechanism::kSha512, c, "pencil"));
}

TEST(ScramFormatter, Sha512AndRandomSalt) {
  const auto a = make_scram_credential(ScramMechanism::kSha512, "secret", 4096);
  const auto b = make_scram_credential(ScramMechanism::kSha512, "secret", 4096);
  EXPECT_EQ(a.stored_key.size(), 64u);
  EXPECT_EQ(a.server_key.size(), 64u);
  EXPECT_EQ(a.salt.size(), 32u);
  EXPECT_NE(a.salt, b.salt) << "each credential gets a fresh salt";
  EXPECT_NE(a.stored_key, b.stored_key);
  EXPECT_TRUE(scram_password_matches(ScramMechanism::kSha512, a, "secret"));
  EXPECT_THROW(make_scram_credential(ScramMechanism::kUnknown, "x", 4096), std::invalid_argument);
}

TEST(ScramFormatter, MechanismNames) {
  EXPECT_EQ(scram_mechanism_from_name("SCRAM-SHA-256"), ScramMechanism::kSha256);
  EXPECT_EQ(scram_mechanism_from_name("SCRAM-SHA-512"), ScramMechanism::kSha512);
  EXPECT_EQ(scram_mechanism_from_name("scram-sha-256"), ScramMechanism::kUnknown);
  EXPECT_EQ(scram_mechanism_from_name("SCRAM-SHA-1"), ScramMechanism::kUnknown);
  EXPECT_EQ(scram_mechanism_name(ScramMechanism::kSha512), "SCRAM-SHA-512");
  EXPECT_EQ(scram_mechanism_from_type(1), ScramMechanism::kSha256);
  EXPECT_EQ(scram_mechanism_from_type(0), ScramMechanism::kUnknown);
  EXPECT_EQ(scram_mechanism_from_type(3), ScramMechanism::kUnknown);
}

TEST(ScramFormatter, Base64) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto enc = base64_encode(as_bytes(s));
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(std::string(dec->begin(), dec->end()), s);
  }
  EXPECT_EQ(base64_encode(as_bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(as_bytes("fo")), "Zm8=");
  EXPECT_FALSE(base64_decode("Zm8"));
  EXPECT_FALSE(base64_decode("Zm=8"));
  EXPECT_FALSE(base64_decode("Zm8=Zm8="));
  EXPECT_FALSE(base64_decode("Zm9v!mFy"));
}

TEST(BootstrapCredentials, ParsesKafkaStorageForms) {
  auto a = parse_bootstrap_credential("SCRAM-SHA-256=[name=admin,password=secret]");
  EXPECT_EQ(a.mechanism, ScramMechanism::kSha256);
  EXPECT_EQ(a.name, "admin");
  EXPECT_EQ(a.password, "secret");
  EXPECT_EQ(a.iterations, 4096);
  EXPECT_FALSE(a.salt);
  auto b = parse_bootstrap_credential(
      "SCRAM-SHA-512=[name=\"al,ice\",iterations=8192,salt=\"c2FsdA==\",password=\"p,w]\"]");
  EXPECT_EQ(b.name, "al,ice");
  EXPECT_EQ(b.password, "p,w]");
  EXPECT_EQ(b.iterations, 8192);
  EXPECT_EQ(*b.salt, (Bytes{'s', 'a', 'l', 't'}));
  for (const char* bad :
       {"SCRAM-SHA-1=[name=a,password=b]", "SCRAM-SHA-256=name=a,password=b",
        "SCRAM-SHA-256=[password=b]", "SCRAM-SHA-256=[name=a]",
        "SCRAM-SHA-256=[name=a,password=b,iterations=4095]",
        "SCRAM-SHA-256=[name=a,password=b,iterations=16385]",
        "SCRAM-SHA-256=[name=a,password=b,salt=!!]", "SCRAM-SHA-256=[name=a,password=b,colour=red]",
        "SCRAM-SHA-256=[name=a,saltedpassword=c2FsdA==]"}) {
    EXPECT_THROW(parse_bootstrap_credential(bad), std::invalid_argument) << bad;
  }
  try {
    parse_bootstrap_credential("SCRAM-SHA-256=[name=a,password=hunter2,iterations=1]");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(BootstrapCredentials, RecordAndAppliedCheck) {
  auto c = parse_bootstrap_credential("SCRAM-SHA-256=[name=admin,password=secret,iterations=8192]");
  auto record = bootstrap_record(c);
  EXPECT_EQ(record.name, "admin");
  EXPECT_EQ(record.mechanism, 1);
  EXPECT_EQ(record.credential.iterations, 8192);
  cluster::ImageBuilder b;
  EXPECT_FALSE(bootstrap_applied(*b.build(0), c));
  b.apply(record);
  auto image = b.build(1);
  EXPECT_TRUE(bootstrap_applied(*image, c));
  EXPECT_FALSE(bootstrap_applied(
      *image,
      parse_bootstrap_credential("SCRAM-SHA-256=[name=admin,password=other,iterations=8192]")));
  EXPECT_FALSE(bootstrap_applied(
      *image, parse_bootstrap_credential("SCRAM-SHA-256=[name=admin,password=secret]")));
  EXPECT_FALSE(bootstrap_applied(
      *image,
      parse_bootstrap_credential("SCRAM-SHA-512=[name=admin,password=secret,iterations=8192]")));
  // The salted-password form (the client did PBKDF2) gives the same keys.
  const std::string salt = base64_encode(record.credential.salt);
  const auto salted =
      scram_salted_password(ScramMechanism::kSha256, "secret", record.credential.salt, 8192);
  auto s = parse_bootstrap_credential("SCRAM-SHA-256=[name=admin,iterations=8192,salt=\"" + salt +
                                      "\",saltedpassword=\"" + base64_encode(salted) + "\"]");
  EXPECT_EQ(bootstrap_record(s).credential, record.credential);
  EXPECT_TRUE(bootstrap_applied(*image, s));

  ImageCredentialStore store(*image);
  auto found = store.scram("admin", ScramMechanism::kSha256);
  ASSERT_TRUE(found);
  EXPECT_TRUE(scram_password_matches(ScramMechanism::kSha256, *found, "secret"));
  EXPECT_FALSE(store.scram("admin", ScramMechanism::kSha512));
  EXPECT_FALSE(store.scram("nobody", ScramMechanism::kSha256));
  b.apply(cluster::RemoveUserScramCredentialRecord{"admin", 1});
  store.update(*b.build(2));
  EXPECT_FALSE(store.scram("admin", ScramMechanism::kSha256));
}

}  // namespace
}  // namespace samsa::security
