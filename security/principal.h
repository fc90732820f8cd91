#pragma once
// Who a connection or an HTTP request acts as: Kafka's KafkaPrincipal, written `User:name`.
// PLAINTEXT, and TLS without a client certificate, give User:ANONYMOUS; SASL gives the
// authorization id; a client certificate gives its subject through ssl.principal.mapping.rules.
#include <optional>
#include <string>
#include <string_view>

namespace samsa::security {

struct KafkaPrincipal {
  std::string type = "User";
  std::string name;

  // "User:alice"; what super.users, ACLs and the audit log compare and print.
  std::string to_string() const { return type + ":" + name; }
  // "Type:name" with a non-empty type and name; nullopt otherwise.
  static std::optional<KafkaPrincipal> parse(std::string_view text);
  bool operator==(const KafkaPrincipal&) const = default;
};

inline KafkaPrincipal anonymous_principal() {
  return {"User", "ANONYMOUS"};
}

// The client address as Java's InetAddress.getHostAddress() prints it, which is what Kafka ACL
// hosts are compared with: IPv4 dotted, IPv6 uncompressed lower-case hex groups without leading
// zeros ("0:0:0:0:0:0:0:1"), IPv4-mapped IPv6 as plain IPv4. Returns the input if it is not an
// address.
std::string java_host_address(std::string_view address);

}  // namespace samsa::security
