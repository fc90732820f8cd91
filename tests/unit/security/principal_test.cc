#include "security/principal.h"

#include <gtest/gtest.h>

#include "security/session.h"

namespace samsa::security {
namespace {

TEST(KafkaPrincipal, ParsesTypeAndName) {
  auto p = KafkaPrincipal::parse("User:alice");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "User");
  EXPECT_EQ(p->name, "alice");
  EXPECT_EQ(p->to_string(), "User:alice");
  // Names may hold colons (a DN mapped with DEFAULT does not, but a SASL name may).
  EXPECT_EQ(KafkaPrincipal::parse("User:a:b")->name, "a:b");
  EXPECT_FALSE(KafkaPrincipal::parse("alice"));
  EXPECT_FALSE(KafkaPrincipal::parse(":alice"));
  EXPECT_FALSE(KafkaPrincipal::parse("User:"));
}

TEST(JavaHostAddress, MatchesGetHostAddress) {
  EXPECT_EQ(java_host_address("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(java_host_address("::1"), "0:0:0:0:0:0:0:1");
  EXPECT_EQ(java_host_address("2001:DB8::0042"), "2001:db8:0:0:0:0:0:42");
  EXPECT_EQ(java_host_address("::ffff:10.0.0.7"), "10.0.0.7");
  EXPECT_EQ(java_host_address("not-an-address"), "not-an-address");
}

TEST(SecurityProtocol, NamesRoundTrip) {
  for (auto p : {SecurityProtocol::kPlaintext, SecurityProtocol::kSsl,
                 SecurityProtocol::kSaslPlaintext, SecurityProtocol::kSaslSsl}) {
    EXPECT_EQ(parse_security_protocol(security_protocol_name(p)), p);
  }
  EXPECT_FALSE(parse_security_protocol("TLS"));
  EXPECT_TRUE(uses_tls(SecurityProtocol::kSaslSsl));
  EXPECT_FALSE(uses_sasl(SecurityProtocol::kSsl));
}

}  // namespace
}  // namespace samsa::security
