// The client-certificate principal: the subject of real certificates printed as Java's
// X500Principal.getName() does, then Kafka's ssl.principal.mapping.rules.
#include <gtest/gtest.h>

#include "security/tls/distinguished_name.h"
#include "security/tls/principal_mapper.h"
#include "tls_test_certs.h"

namespace samsa::security::tls {
namespace {

using testing::make_cert;

// The DN read back from a certificate that went through PEM, as a peer's certificate does.
std::string dn_of(const std::vector<std::pair<std::string, std::string>>& subject) {
  auto c = make_cert(subject);
  const std::string pem = testing::cert_pem(c);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* parsed = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(parsed, nullptr);
  std::string dn = java_rfc2253_name(X509_get_subject_name(parsed));
  X509_free(parsed);
  return dn;
}

TEST(JavaRfc2253Name, MostSpecificFirstWithoutSpaces) {
  EXPECT_EQ(dn_of({{"C", "US"},
                   {"ST", "CA"},
                   {"L", "Palo Alto"},
                   {"O", "Acme"},
                   {"OU", "Eng"},
                   {"CN", "alice"}}),
            "CN=alice,OU=Eng,O=Acme,L=Palo Alto,ST=CA,C=US");
  EXPECT_EQ(dn_of({{"DC", "com"}, {"DC", "example"}, {"UID", "u1"}, {"street", "Main St"}}),
            "STREET=Main St,UID=u1,DC=example,DC=com");
}

TEST(JavaRfc2253Name, OtherAttributesAsOidAndDerHex) {
  // emailAddress is an IA5String: tag 0x16, length 5, "a@b.c".
  EXPECT_EQ(dn_of({{"O", "Acme"}, {"emailAddress", "a@b.c"}, {"CN", "bob"}}),
            "CN=bob,1.2.840.113549.1.9.1=#16056140622e63,O=Acme");
  // serialNumber is a PrintableString (0x13).
  EXPECT_EQ(dn_of({{"serialNumber", "42"}, {"CN", "x"}}), "CN=x,2.5.4.5=#13023432");
}

TEST(JavaRfc2253Name, EscapesSpecials) {
  EXPECT_EQ(dn_of({{"CN", "Smith, John"}}), "CN=Smith\\, John");
  EXPECT_EQ(dn_of({{"CN", "a+b=c;d<e>\"f\\"}}), "CN=a\\+b\\=c\\;d\\<e\\>\\\"f\\\\");
  EXPECT_EQ(dn_of({{"CN", "#lead"}}), "CN=\\#lead");
  EXPECT_EQ(dn_of({{"CN", " pad "}}), "CN=\\ pad\\ ");
  EXPECT_EQ(dn_of({{"O", "Caf\xc3\xa9"}}), "O=Caf\xc3\xa9");  // UTF-8 kept as is
}

TEST(JavaRfc2253Name, MultiValuedRdnJoinedWithPlus) {
  const std::string dn = dn_of({{"O", "Acme"}, {"CN", "multi"}, {"+UID", "u7"}});
  EXPECT_TRUE(dn == "CN=multi+UID=u7,O=Acme" || dn == "UID=u7+CN=multi,O=Acme") << dn;
}

TEST(PrincipalMapper, DefaultIsTheDn) {
  EXPECT_EQ(PrincipalMapper::parse("DEFAULT").map("CN=a,O=b"), "CN=a,O=b");
  EXPECT_EQ(PrincipalMapper::parse("").map("CN=a,O=b"), "CN=a,O=b");
}

TEST(PrincipalMapper, KafkaDocumentationExample) {
  auto m = PrincipalMapper::parse(
      "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/L,DEFAULT");
  EXPECT_EQ(m.map("CN=kafka-broker,OU=ServiceUsers,O=Acme,C=US"), "kafka-broker");
  EXPECT_EQ(m.map("CN=Alice,OU=Eng,O=Acme,C=US"), "alice@eng");
  EXPECT_EQ(m.map("CN=solo"), "CN=solo");  // falls through to DEFAULT
}

TEST(PrincipalMapper, RuleMustMatchTheWholeDnAndNoMatchFails) {
  auto m = PrincipalMapper::parse("RULE:CN=([a-z]+)/$1/");
  EXPECT_EQ(m.map("CN=alice"), "alice");
  EXPECT_EQ(m.map("CN=alice,O=Acme"), std::nullopt);  // a prefix match is not enough
}

TEST(PrincipalMapper, CaseFoldingAndLiteralReferences) {
  EXPECT_EQ(PrincipalMapper::parse("RULE:^CN=(.*)$/$1/U").map("CN=Bob"), "BOB");
  // $2 does not exist: kept literally; \$ is a literal dollar.
  EXPECT_EQ(PrincipalMapper::parse("RULE:^CN=(.*)$/$1-$2-\\$1/").map("CN=x"), "x-$2-$1");
  // Spaces around rules and commas are allowed, and a rule's regex may hold commas and escapes.
  auto m = PrincipalMapper::parse(" RULE:^CN=([^,]*),O=A\\/B$/$1/ , DEFAULT ");
  EXPECT_EQ(m.map("CN=z,O=A/B"), "z");
}

TEST(PrincipalMapper, RejectsMalformedRules) {
  EXPECT_THROW(PrincipalMapper::parse("RULE:abc"), std::invalid_argument);
  EXPECT_THROW(PrincipalMapper::parse("RULE:^(x$/y/"), std::invalid_argument);
  EXPECT_THROW(PrincipalMapper::parse("NONSENSE"), std::invalid_argument);
  EXPECT_THROW(PrincipalMapper::parse("DEFAULT x"), std::invalid_argument);
}

TEST(PrincipalMapper, MapsARealCertificateSubject) {
  auto m = PrincipalMapper::parse("RULE:^CN=([^,]+),OU=clients,O=Samsa$/$1/L");
  EXPECT_EQ(m.map(dn_of({{"O", "Samsa"}, {"OU", "clients"}, {"CN", "Carol"}})), "carol");
}

}  // namespace
}  // namespace samsa::security::tls
