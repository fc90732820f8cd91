#include "admin-http/https.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace samsa::admin_http {
namespace {

constexpr const char* kShimName = "libsamsa-civetweb-tls.so";

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

// Next to the broker (the build tree, and where the package installs both), or in the package's
// private library directory.
std::vector<std::filesystem::path> shim_candidates() {
  const auto dir = executable_dir();
  return {dir / kShimName, dir / ".." / "lib" / "samsa" / kShimName};
}

std::string tls_names(SSL_CTX* ctx, bool tls13) {
  std::string out;
  STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx);
  for (int i = 0; list != nullptr && i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
    const bool is13 = std::string_view(SSL_CIPHER_get_version(c)) == "TLSv1.3";
    if (is13 != tls13) continue;
    if (!out.empty()) out += ':';
    out += SSL_CIPHER_get_name(c);
  }
  return out;
}

// Moves a handshake that began on CivetWeb's context onto ours: certificate and chain, trust
// store and client CA list come with the context; verify mode, protocol range, options and
// ciphers were copied into the SSL when it was made, so they are set again here.
int on_client_hello(SSL* ssl, int* alert, void* arg) {
  auto* provider = static_cast<security::tls::TlsContextProvider*>(arg);
  const auto current = provider->current();
  SSL_CTX* ours = current->ssl->native_handle();
  if (SSL_set_SSL_CTX(ssl, ours) != ours) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ours), SSL_CTX_get_verify_callback(ours));
  SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ours));
  SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ours));
  SSL_clear_options(ssl, SSL_get_options(ssl));
  SSL_set_options(ssl, SSL_CTX_get_options(ours));
  const std::string tls12 = tls_names(ours, false);
  const std::string tls13 = tls_names(ours, true);
  if ((!tls12.empty() && SSL_set_cipher_list(ssl, tls12.c_str()) != 1) ||
      SSL_set_ciphersuites(ssl, tls13.c_str()) != 1) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

// CivetWeb's own SNI callback would move the handshake back onto its (certificate-less) context;
// OpenSSL asks the original context's callback when the current one has none.
int keep_our_context(SSL*, int*, void*) {
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

void enable_civetweb_tls() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    // Loaded before CivetWeb looks for "libssl.so", so that its dlopen finds this one.
    std::string tried;
    for (const auto& path : shim_candidates()) {
      if (!std::filesystem::exists(path)) {
        tried += (tried.empty() ? "" : ", ") + path.string();
        continue;
      }
      if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
        failure = "cannot load " + path.string() + ": " + dlerror();
        return;
      }
      tried.clear();
      break;
    }
    if (!tried.empty()) {
      failure =
          "the OpenSSL 3 compatibility library for CivetWeb is missing (looked for " + tried + ")";
      return;
    }
    if ((mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS) == 0) {
      failure = "CivetWeb could not initialise OpenSSL";
    }
  });
  if (!failure.empty()) {
    throw std::runtime_error("admin.listeners: https is not available: " + failure);
  }
}

void serve_tls_from(void* civetweb_ctx, security::tls::TlsContextProvider* provider) {
  auto* ctx = static_cast<SSL_CTX*>(civetweb_ctx);
  SSL_CTX_set_client_hello_cb(ctx, &on_client_hello, provider);
  SSL_CTX_set_tlsext_servername_callback(ctx, &keep_our_context);
  // Until the ClientHello moves a handshake onto our context, this one must not accept anything.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

}  // namespace samsa::admin_http
