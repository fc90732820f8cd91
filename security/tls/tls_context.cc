#include "security/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace samsa::security::tls {
namespace {

// Kafka's defaults: TLSv1.2 and TLSv1.3 enabled, the JVM's cipher suites (OpenSSL's here).
constexpr const char* kDefaultProtocols = "TLSv1.2,TLSv1.3";

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using P12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL detail" : out;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

struct KeyStore {
  X509Ptr leaf;
  std::vector<X509Ptr> chain;
  KeyPtr key;
};

int64_t not_after_seconds(const X509* cert) {
  const ASN1_TIME* t = X509_get0_notAfter(cert);
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string serial_hex(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

// Reads the settings of one listener, naming the key to blame in every error.
class Builder {
 public:
  Builder(const TlsContextProvider::Lookup& lookup, const TlsContextProvider::KeyName& name)
      : lookup_(lookup), name_(name) {}

  std::optional<std::string> get(std::string_view key) const {
    auto v = lookup_(key);
    if (v && v->empty()) return std::nullopt;
    return v;
  }
  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    const std::string shown = name_ ? name_(key) : std::string(key);
    throw TlsConfigError(shown, "Invalid configuration '" + shown + "': " + what);
  }

  std::string read_file(std::string_view key, const std::string& path) const {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(key, "cannot read '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::vector<X509Ptr> pem_certificates(std::string_view key, const std::string& pem) const {
    std::vector<X509Ptr> certs;
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(c);
    ERR_clear_error();  // the loop ends on "no start line"
    if (certs.empty()) fail(key, "no PEM certificate found");
    return certs;
  }

  KeyStore pem_keystore() const {
    KeyStore ks;
    std::string certs_pem, key_pem;
    std::string_view certs_key, key_key;
    if (auto location = get("ssl.keystore.location")) {
      certs_pem = key_pem = read_file("ssl.keystore.location", *location);
      certs_key = key_key = "ssl.keystore.location";
    } else if (auto chain = get("ssl.keystore.certificate.chain")) {
      certs_pem = *chain;
      certs_key = "ssl.keystore.certificate.chain";
      auto key = get("ssl.keystore.key");
      if (!key) fail("ssl.keystore.key", "must be set with ssl.keystore.certificate.chain");
      key_pem = *key;
      key_key = "ssl.keystore.key";
    } else {
      fail("ssl.keystore.location",
           "a TLS listener needs a key store (ssl.keystore.location, or "
           "ssl.keystore.certificate.chain and ssl.keystore.key)");
    }
    auto certs = pem_certificates(certs_key, certs_pem);
    ks.leaf = std::move(certs.front());
    for (size_t i = 1; i < certs.size(); ++i) ks.chain.push_back(std::move(certs[i]));
    const auto password = get("ssl.key.password");
    BioPtr bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    // An empty password string, not a prompt, when none is configured.
    std::string pass = password.value_or("");
    ks.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, pass.data()));
    if (!ks.key) {
      const std::string detail = openssl_errors();
      if (key_pem.find("ENCRYPTED") != std::string::npos) {
        fail("ssl.key.password", (password ? "does not decrypt the private key in "
                                           : "is needed for the encrypted private key in ") +
                                     std::string(key_key) + " (" + detail + ")");
      }
      fail(key_key, "no readable PEM private key (" + detail + ")");
    }
    return ks;
  }

  // A PKCS12 file: the key, its certificate and the chain; a wrong password names the password key.
  void read_pkcs12(std::string_view location_key, std::string_view password_key, X509Ptr* cert,
                   KeyPtr* key, std::vector<X509Ptr>* others) const {
    auto location = get(location_key);
    if (!location) fail(location_key, "must be set when the store type is PKCS12");
    const std::string bytes = read_file(location_key, *location);
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    P12Ptr p12(d2i_PKCS12_bio(bio.get(), nullptr));
    if (!p12)
      fail(location_key, "'" + *location + "' is not a PKCS12 file (" + openssl_errors() + ")");
    const auto password = get(password_key);
    const char* pass = password ? password->c_str() : "";
    if (PKCS12_verify_mac(p12.get(), pass, -1) != 1) {
      ERR_clear_error();
      fail(password_key, "does not open '" + *location + "'");
    }
    EVP_PKEY* k = nullptr;
    X509* c = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (PKCS12_parse(p12.get(), pass, &k, &c, &ca) != 1) {
      fail(location_key, "cannot read '" + *location + "' (" + openssl_errors() + ")");
    }
    if (key != nullptr)
      key->reset(k);
    else
      EVP_PKEY_free(k);
    X509Ptr leaf(c);
    if (cert != nullptr)
      *cert = std::move(leaf);
    else if (leaf)
      others->push_back(std::move(leaf));
    for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i)
      others->emplace_back(sk_X509_value(ca, i));
    sk_X509_free(ca);  // the certificates now belong to `others`
  }

  KeyStore keystore() const {
    const std::string type = get("ssl.keystore.type").value_or("PEM");
    if (type == "PEM") return pem_keystore();
    if (type != "PKCS12") fail("ssl.keystore.type", "must be PEM or PKCS12, not " + type);
    KeyStore ks;
    read_pkcs12("ssl.keystore.location", "ssl.keystore.password", &ks.leaf, &ks.key, &ks.chain);
    if (!ks.leaf || !ks.key) fail("ssl.keystore.location", "holds no certificate with its key");
    return ks;
  }

  // The trusted CAs; empty when no trust store is configured.
  std::vector<X509Ptr> truststore() const {
    const std::string type = get("ssl.truststore.type").value_or("PEM");
    if (type == "PKCS12") {
      std::vector<X509Ptr> certs;
      read_pkcs12("ssl.truststore.location", "ssl.truststore.password", nullptr, nullptr, &certs);
      if (certs.empty()) fail("ssl.truststore.location", "holds no certificate");
      return certs;
    }
    if (type != "PEM") fail("ssl.truststore.type", "must be PEM or PKCS12, not " + type);
    if (auto location = get("ssl.truststore.location")) {
      return pem_certificates("ssl.truststore.location",
                              read_file("ssl.truststore.location", *location));
    }
    if (auto inline_pem = get("ssl.truststore.certificates")) {
      return pem_certificates("ssl.truststore.certificates", *inline_pem);
    }
    return {};
  }

  void protocols(SSL_CTX* ctx) const {
    bool v12 = false, v13 = false;
    for (const auto& p : split_list(get("ssl.enabled.protocols").value_or(kDefaultProtocols))) {
      if (p == "TLSv1.2")
        v12 = true;
      else if (p == "TLSv1.3")
        v13 = true;
      else
        fail("ssl.enabled.protocols", "'" + p + "' is not supported (TLSv1.2, TLSv1.3)");
    }
    if (!v12 && !v13) fail("ssl.enabled.protocols", "enables no protocol");
    SSL_CTX_set_min_proto_version(ctx, v12 ? TLS1_2_VERSION : TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx, v13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  }

  // Kafka names suites as IANA does (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); OpenSSL names are
  // accepted too. TLSv1.3 suites are configured apart from the older ones in OpenSSL.
  void ciphers(SSL_CTX* ctx) const {
    auto list = get("ssl.cipher.suites");
    if (!list) return;
    std::string tls13, tls12;
    for (const auto& name : split_list(*list)) {
      const bool is13 = name.rfind("TLS_AES_", 0) == 0 || name.rfind("TLS_CHACHA20_", 0) == 0;
      std::string& target = is13 ? tls13 : tls12;
      std::string openssl_name = name;
      if (!is13) {
        const char* mapped = OPENSSL_cipher_name(name.c_str());
        if (mapped != nullptr && std::string_view(mapped) != "(NONE)") openssl_name = mapped;
      }
      target += (target.empty() ? "" : ":") + openssl_name;
    }
    if (!tls13.empty() && SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) != 1) {
      fail("ssl.cipher.suites", "no TLSv1.3 suite known in '" + tls13 + "'");
    }
    if (!tls12.empty() && SSL_CTX_set_cipher_list(ctx, tls12.c_str()) != 1) {
      fail("ssl.cipher.suites", "no cipher suite known in '" + tls12 + "'");
    }
    ERR_clear_error();
  }

 private:
  const TlsContextProvider::Lookup& lookup_;
  const TlsContextProvider::KeyName& name_;
};

}  // namespace

TlsContextProvider::TlsContextProvider(std::string listener, Lookup lookup, KeyName key_name)
    : listener_(std::move(listener)), lookup_(std::move(lookup)), key_name_(std::move(key_name)) {
  stamps_ = stamps();
  current_ = build();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (current_->certificate_not_after < now) {
    spdlog::warn("event=tls_certificate_expired listener={} serial={} not_after={}", listener_,
                 current_->certificate_serial, current_->certificate_not_after);
  }
}

std::shared_ptr<const TlsContext> TlsContextProvider::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<const TlsContext> TlsContextProvider::build() const {
  Builder b(lookup_, key_name_);
  auto out = std::make_shared<TlsContext>();
  out->ssl = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = out->ssl->native_handle();
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  b.protocols(ctx);
  b.ciphers(ctx);

  KeyStore ks = b.keystore();
  const char* store_key = "ssl.keystore.location";
  if (SSL_CTX_use_certificate(ctx, ks.leaf.get()) != 1) b.fail(store_key, openssl_errors());
  for (auto& c : ks.chain) {
    if (SSL_CTX_add1_chain_cert(ctx, c.get()) != 1) b.fail(store_key, openssl_errors());
  }
  if (SSL_CTX_use_PrivateKey(ctx, ks.key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    b.fail(store_key, "the private key does not match the certificate (" + openssl_errors() + ")");
  }
  out->certificate_not_after = not_after_seconds(ks.leaf.get());
  out->certificate_serial = serial_hex(ks.leaf.get());

  const std::string auth = b.get("ssl.client.auth").value_or("none");
  if (auth == "required")
    out->client_auth = ClientAuth::kRequired;
  else if (auth == "requested")
    out->client_auth = ClientAuth::kRequested;
  else if (auth != "none")
    b.fail("ssl.client.auth", "must be none, requested or required");

  auto trusted = b.truststore();
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (auto& c : trusted) {
    X509_STORE_add_cert(store, c.get());
    SSL_CTX_add_client_CA(ctx, c.get());  // tells clients which certificate to present
  }
  if (trusted.empty() && out->client_auth != ClientAuth::kNone) {
    SSL_CTX_set_default_verify_paths(ctx);  // Kafka falls back to the JVM's trust store too
  }
  int mode = SSL_VERIFY_NONE;
  if (out->client_auth == ClientAuth::kRequested) mode = SSL_VERIFY_PEER;
  if (out->client_auth == ClientAuth::kRequired)
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  // Session resumption with client certificates needs an id context.
  SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(listener_.data()),
                                 static_cast<unsigned>(std::min<size_t>(listener_.size(), 32)));

  try {
    out->principal_mapper = std::make_shared<PrincipalMapper>(
        PrincipalMapper::parse(b.get("ssl.principal.mapping.rules").value_or("DEFAULT")));
  } catch (const std::invalid_argument& e) {
    b.fail("ssl.principal.mapping.rules", e.what());
  }
  ERR_clear_error();
  return out;
}

std::vector<TlsContextProvider::FileStamp> TlsContextProvider::stamps() const {
  std::vector<FileStamp> out;
  for (const char* key : {"ssl.keystore.location", "ssl.truststore.location"}) {
    auto path = lookup_(key);
    if (!path || path->empty()) continue;
    FileStamp s{*path};
    struct stat st {};
    if (::stat(path->c_str(), &st) == 0) {
      s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      s.size = static_cast<int64_t>(st.st_size);
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool TlsContextProvider::reload(const char* why) {
  auto now_stamps = stamps();
  try {
    auto next = build();
    std::lock_guard lock(mutex_);
    const std::string old_serial = current_->certificate_serial;
    current_ = std::move(next);
    stamps_ = std::move(now_stamps);
    spdlog::info(
        "event=tls_reloaded listener={} reason={} serial={} previous_serial={} "
        "not_after={}",
        listener_, why, current_->certificate_serial, old_serial, current_->certificate_not_after);
    return true;
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mutex_);
      stamps_ = std::move(now_stamps);
    }
    spdlog::error(
        "event=tls_reload_failed listener={} reason={} error=\"{}\" (keeping the "
        "previous certificate)",
        listener_, why, e.what());
    return false;
  }
}

void TlsContextProvider::reload_if_changed() {
  const auto now_stamps = stamps();
  {
    std::lock_guard lock(mutex_);
    if (now_stamps == stamps_) return;
  }
  reload("file_changed");
}

}  // namespace samsa::security::tls
