// Kafka's Kerberos names and sasl.kerberos.principal.to.local.rules: cases from Kafka's
// KerberosNameTest (parse, /L, /U, invalid rules) and the DEFAULT rule's realm handling.
#include "security/sasl/kerberos_name.h"

#include <gtest/gtest.h>

namespace samsa::security {
namespace {

std::string short_name(const std::vector<std::string>& rules, const std::string& principal,
                       const std::string& realm = "REALM.COM") {
  return KerberosShortNamer::parse(realm, rules).short_name(KerberosName::parse(principal));
}

TEST(KerberosName, Parse) {
  auto n = KerberosName::parse("App.service-name/example.com@REALM.COM");
  EXPECT_EQ(n.service, "App.service-name");
  EXPECT_EQ(n.host, "example.com");
  EXPECT_EQ(n.realm, "REALM.COM");
  EXPECT_EQ(n.to_string(), "App.service-name/example.com@REALM.COM");

  n = KerberosName::parse("alice@REALM.COM");
  EXPECT_EQ(n.service, "alice");
  EXPECT_FALSE(n.host);
  EXPECT_EQ(n.realm, "REALM.COM");

  n = KerberosName::parse("kafka/host");
  EXPECT_EQ(n.host, "host");
  EXPECT_FALSE(n.realm);

  // Not of the primary[/instance][@REALM] form: taken whole, unless it holds '@'.
  n = KerberosName::parse("a/b/c");
  EXPECT_EQ(n.service, "a/b/c");
  EXPECT_FALSE(n.host);
  EXPECT_THROW(KerberosName::parse("a@b@c"), std::invalid_argument);
  EXPECT_THROW(KerberosName::parse("@REALM"), std::invalid_argument);
}

TEST(KerberosShortNamer, KafkaParseCases) {
  const std::vector<std::string> rules = {"RULE:[1:$1](App\\..*)s/App\\.(.*)/$1/g",
                                          "RULE:[2:$1](App\\..*)s/App\\.(.*)/$1/g", "DEFAULT"};
  EXPECT_EQ(short_name(rules, "App.service-name/example.com@REALM.COM"), "service-name");
  EXPECT_EQ(short_name(rules, "App.service-name@REALM.COM"), "service-name");
  EXPECT_EQ(short_name(rules, "user/host@REALM.COM"), "user");
}

TEST(KerberosShortNamer, DefaultRuleOnlyForTheDefaultRealm) {
  EXPECT_EQ(short_name({"DEFAULT"}, "alice@REALM.COM"), "alice");
  EXPECT_EQ(short_name({"DEFAULT"}, "kafka/broker1.example.com@REALM.COM"), "kafka");
  try {
    short_name({"DEFAULT"}, "alice@OTHER.COM");
    FAIL() << "expected no matching rule";
  } catch (const KerberosMappingError& e) {
    EXPECT_STREQ(e.what(), "No rules apply to alice@OTHER.COM, rules [DEFAULT]");
  }
  // A name without realm or instance is already short.
  EXPECT_EQ(short_name({"DEFAULT"}, "bob"), "bob");
  // No default realm known: DEFAULT applies to nothing with a realm.
  EXPECT_THROW(short_name({"DEFAULT"}, "alice@REALM.COM", ""), KerberosMappingError);
}

TEST(KerberosShortNamer, OtherRealmsThroughRules) {
  const std::vector<std::string> rules = {"RULE:[1:$1@$0](.*@PARTNER\\.COM)s/@.*//",
                                          "RULE:[2:$1-$2@$0](kafka-.*@PARTNER\\.COM)s/@.*//",
                                          "DEFAULT"};
  EXPECT_EQ(short_name(rules, "carol@PARTNER.COM"), "carol");
  EXPECT_EQ(short_name(rules, "kafka/b1@PARTNER.COM"), "kafka-b1");
  EXPECT_EQ(short_name(rules, "dave@REALM.COM"), "dave");
  EXPECT_THROW(short_name(rules, "erin@ELSEWHERE.COM"), KerberosMappingError);
}

TEST(KerberosShortNamer, DocsExample) {
  // docs/security.md, Kerberos (GSSAPI).
  const std::vector<std::string> rules = {"RULE:[1:$1@$0](.*@PARTNER[.]COM)s/@.*//",
                                          "RULE:[2:$1-svc@$0](.*@EXAMPLE[.]COM)s/@.*//", "DEFAULT"};
  EXPECT_EQ(short_name(rules, "carol@PARTNER.COM", "EXAMPLE.COM"), "carol");
  EXPECT_EQ(short_name(rules, "etl/host1@EXAMPLE.COM", "EXAMPLE.COM"), "etl-svc");
  EXPECT_EQ(short_name(rules, "alice@EXAMPLE.COM", "EXAMPLE.COM"), "alice");
  EXPECT_THROW(short_name(rules, "carol@OTHER.COM", "EXAMPLE.COM"), KerberosMappingError);
}

TEST(KerberosShortNamer, ComponentCountSelectsRules) {
  const std::vector<std::string> rules = {"RULE:[2:svc-$1]", "RULE:[1:user-$1]"};
  EXPECT_EQ(short_name(rules, "kafka/h@X"), "svc-kafka");
  EXPECT_EQ(short_name(rules, "alice@X"), "user-alice");
}

TEST(KerberosShortNamer, ToLowerCase) {
  const std::vector<std::string> rules = {"RULE:[1:$1]/L",
                                          "RULE:[2:$1](Test.*)s/ABC///L",
                                          "RULE:[2:$1](ABC.*)s/ABC/XYZ/g/L",
                                          "RULE:[2:$1](App\\..*)s/App\\.(.*)/$1/g/L",
                                          "RULE:[2:$1]/L",
                                          "DEFAULT"};
  EXPECT_EQ(short_name(rules, "User@REALM.COM"), "user");
  EXPECT_EQ(short_name(rules, "TestABC/host@FOO.COM"), "test");
  EXPECT_EQ(short_name(rules, "ABC_User_ABC/host@FOO.COM"), "xyz_user_xyz");
  EXPECT_EQ(short_name(rules, "App.SERVICE-name/example.com@REALM.COM"), "service-name");
  EXPECT_EQ(short_name(rules, "User/root@REALM.COM"), "user");
}

TEST(KerberosShortNamer, ToUpperCase) {
  const std::vector<std::string> rules = {"RULE:[1:$1]/U",
                                          "RULE:[2:$1](Test.*)s/ABC///U",
                                          "RULE:[2:$1](ABC.*)s/ABC/XYZ/g/U",
                                          "RULE:[2:$1](App\\..*)s/App\\.(.*)/$1/g/U",
                                          "RULE:[2:$1]/U",
                                          "DEFAULT"};
  EXPECT_EQ(short_name(rules, "User@REALM.COM"), "USER");
  EXPECT_EQ(short_name(rules, "TestABC/host@FOO.COM"), "TEST");
  EXPECT_EQ(short_name(rules, "ABC_User_ABC/host@FOO.COM"), "XYZ_USER_XYZ");
  EXPECT_EQ(short_name(rules, "App.SERVICE-name/example.com@REALM.COM"), "SERVICE-NAME");
  EXPECT_EQ(short_name(rules, "User/root@REALM.COM"), "USER");
}

TEST(KerberosShortNamer, FirstMatchOnlyWithoutG) {
  EXPECT_EQ(short_name({"RULE:[1:$1]s/a/b/"}, "banana@R"), "bbnana");
  EXPECT_EQ(short_name({"RULE:[1:$1]s/a/b/g"}, "banana@R"), "bbnbnb");
  // Java replacement syntax: \x is literal x, $n a group.
  EXPECT_EQ(short_name({"RULE:[1:$1]s/(.)(.)/$2\\$$1/"}, "ab@R"), "b$a");
}

TEST(KerberosShortNamer, NonSimpleResultIsAnError) {
  try {
    short_name({"RULE:[1:$1@$0]"}, "alice@REALM.COM");
    FAIL() << "expected an error";
  } catch (const KerberosMappingError& e) {
    EXPECT_STREQ(e.what(),
                 "Non-simple name alice@REALM.COM after auth_to_local rule RULE:[1:$1@$0]");
  }
}

TEST(KerberosShortNamer, BadFormatAndReplacementAreErrorsWhenApplied) {
  EXPECT_THROW(short_name({"RULE:[1:$3]"}, "alice@R"), KerberosMappingError);
  EXPECT_THROW(short_name({"RULE:[1:$x]"}, "alice@R"), KerberosMappingError);
  EXPECT_THROW(short_name({"RULE:[1:$1]s/a/$2/"}, "alice@R"), KerberosMappingError);
}

TEST(KerberosShortNamer, InvalidRules) {
  for (const char* rule :
       {"default", "DEFAUL", "DEFAULT/L", "DEFAULT/g", "RULE:[1:$1/L", "RULE:[1:$1]/l",
        "RULE:[2:$1](ABC.*)s/ABC/XYZ/L/g", "RULE:[2:$1](ABC.*)s/ABC/XYZ/g/L/g",
        "RULE:[2:$1](ABC.*)s/ABC/XYZ/g/L/U", "RULE:[:$1]", "RULE:[1:$1](a(b)"}) {
    EXPECT_THROW(KerberosShortNamer::parse("REALM.COM", {rule}), std::invalid_argument) << rule;
  }
  EXPECT_NO_THROW(KerberosShortNamer::parse("REALM.COM", {"RULE:[1:$1]", "DEFAULT"}));
}

}  // namespace
}  // namespace samsa::security
