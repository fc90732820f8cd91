#pragma once
// HTTPS for the admin HTTP server. CivetWeb does the TLS I/O; the TLS settings are the broker's
// own (security::tls::TlsContextProvider for the ADMIN_HTTP listener: the same ssl.* keys,
// listener.name.admin_http.* overrides, reload on SIGHUP or a changed file), applied to each
// handshake from OpenSSL's ClientHello callback, so a reload reaches new connections at once and
// leaves open ones alone.
#include "security/tls/tls_context.h"

namespace samsa::admin_http {

// Makes CivetWeb's TLS usable on this system (see tls_shim/civetweb_openssl3_shim.c); throws
// std::runtime_error naming admin.listeners when HTTPS cannot be served.
void enable_civetweb_tls();

// From CivetWeb's init_ssl callback: every handshake on `civetweb_ctx` (an SSL_CTX*) takes the
// provider's current context. The provider must outlive the CivetWeb context.
void serve_tls_from(void* civetweb_ctx, security::tls::TlsContextProvider* provider);

}  // namespace samsa::admin_http
