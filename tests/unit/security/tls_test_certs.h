#pragma once
// Real keys and X.509 certificates made with OpenSSL at test time, for the TLS unit tests.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace samsa::security::tls::testing {

struct Cert {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
};

// Each pair is (attribute short name, value), in DER order (least specific first); a name
// prefixed with '+' joins the previous RDN (a multi-valued RDN).
inline X509_NAME* make_name(const std::vector<std::pair<std::string, std::string>>& parts) {
  X509_NAME* name = X509_NAME_new();
  for (const auto& [field, value] : parts) {
    const bool join = field[0] == '+';
    const std::string f = join ? field.substr(1) : field;
    X509_NAME_add_entry_by_txt(name, f.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                               join ? X509_NAME_entry_count(name) - 1 : -1, join ? 1 : 0);
  }
  return name;
}

// A certificate for `subject`, signed by `issuer` (self-signed when null), valid from
// `from_days` to `to_days` relative to now.
inline Cert make_cert(const std::vector<std::pair<std::string, std::string>>& subject,
                      const Cert* issuer = nullptr, long from_days = -1, long to_days = 30,
                      long serial = 1) {
  Cert c;
  c.key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
  c.cert.reset(X509_new(), X509_free);
  X509* x = c.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400);
  X509_NAME* name = make_name(subject);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_NAME_free(name);
  X509_set_pubkey(x, c.key.get());
  X509_sign(x, issuer ? issuer->key.get() : c.key.get(), EVP_sha256());
  return c;
}

inline std::string cert_pem(const Cert& c) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, c.cert.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

// PKCS8 PEM, encrypted with AES-256 when `password` is non-empty.
inline std::string key_pem(const Cert& c, const std::string& password = "") {
  BIO* bio = BIO_new(BIO_s_mem());
  if (password.empty()) {
    PEM_write_bio_PrivateKey(bio, c.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PKCS8PrivateKey(bio, c.key.get(), EVP_aes_256_cbc(), password.data(),
                                  static_cast<int>(password.size()), nullptr, nullptr);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string pkcs12_der(const Cert& c, const std::string& password) {
  PKCS12* p12 =
      PKCS12_create(password.c_str(), "samsa", c.key.get(), c.cert.get(), nullptr, 0, 0, 0, 0, 0);
  unsigned char* der = nullptr;
  const int n = i2d_PKCS12(p12, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  PKCS12_free(p12);
  return out;
}

}  // namespace samsa::security::tls::testing
