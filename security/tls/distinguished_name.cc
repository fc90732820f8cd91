#include "security/tls/distinguished_name.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <cstdio>
#include <string_view>
#include <vector>

namespace samsa::security::tls {
namespace {

// The keywords java.security X500Principal uses in RFC 2253 output; the rest print as OIDs.
const char* rfc2253_keyword(int nid) {
  switch (nid) {
    case NID_commonName:
      return "CN";
    case NID_countryName:
      return "C";
    case NID_localityName:
      return "L";
    case NID_stateOrProvinceName:
      return "ST";
    case NID_organizationName:
      return "O";
    case NID_organizationalUnitName:
      return "OU";
    case NID_streetAddress:
      return "STREET";
    case NID_domainComponent:
      return "DC";
    case NID_userId:
      return "UID";
    default:
      return nullptr;
  }
}

void append_hex(std::string& out, const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";  // Java prints lower case
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 0xF];
  }
}

// Java's AVA.toRFC2253String escaping: the RFC 2253 specials and '=' anywhere, a leading '#' or
// space and a trailing space; control characters as \xx per byte.
void append_escaped(std::string& out, std::string_view value) {
  static constexpr std::string_view kSpecials = ",=+<>#;\"\\";
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    if (kSpecials.find(static_cast<char>(c)) != std::string_view::npos || edge_space) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "\\%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
}

// "#<hex>" of the DER encoding of the value (tag, length, contents), as Java prints unknown
// attribute types.
void append_der_hex(std::string& out, const ASN1_STRING* value) {
  ASN1_TYPE* type = ASN1_TYPE_new();
  if (type == nullptr) return;
  ASN1_STRING* copy = ASN1_STRING_dup(value);
  ASN1_TYPE_set(type, ASN1_STRING_type(value), copy);
  unsigned char* der = nullptr;
  const int n = i2d_ASN1_TYPE(type, &der);
  out += '#';
  if (n > 0) append_hex(out, der, static_cast<size_t>(n));
  OPENSSL_free(der);
  ASN1_TYPE_free(type);
}

void append_ava(std::string& out, const X509_NAME_ENTRY* entry) {
  const ASN1_OBJECT* object = X509_NAME_ENTRY_get_object(entry);
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  const char* keyword = rfc2253_keyword(OBJ_obj2nid(object));
  if (keyword == nullptr) {
    char oid[128];
    OBJ_obj2txt(oid, sizeof oid, object, 1);
    out += oid;
    out += '=';
    append_der_hex(out, data);
    return;
  }
  out += keyword;
  out += '=';
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) {
    append_der_hex(out, data);  // undecodable: Java would print it as hex too
    return;
  }
  append_escaped(out,
                 std::string_view(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n)));
  OPENSSL_free(utf8);
}

}  // namespace

std::string java_rfc2253_name(const X509_NAME* name) {
  std::string out;
  const int count = X509_NAME_entry_count(name);
  // Entries are in DER order (least specific first); Java prints the last RDN first.
  int i = count - 1;
  while (i >= 0) {
    const int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, i));
    int first = i;
    while (first > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(name, first - 1)) == set) --first;
    if (!out.empty()) out += ',';
    for (int j = first; j <= i; ++j) {
      if (j != first) out += '+';
      append_ava(out, X509_NAME_get_entry(name, j));
    }
    i = first - 1;
  }
  return out;
}

}  // namespace samsa::security::tls
