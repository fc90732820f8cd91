#pragma once
// A certificate subject as Java's X500Principal.getName() (RFC 2253) prints it, which is the string
// Kafka's ssl.principal.mapping.rules are written against: most specific RDN first, `,` between
// RDNs with no space, `+` inside a multi-valued RDN, only RFC 2253's keywords (CN, C, L, ST, O, OU,
// STREET, DC, UID) and every other attribute as `<oid>=#<hex of its DER value>`.
#include <openssl/x509.h>

#include <string>

namespace samsa::security::tls {

std::string java_rfc2253_name(const X509_NAME* name);

}  // namespace samsa::security::tls
