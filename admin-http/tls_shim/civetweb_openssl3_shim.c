/* Lets Debian 12's CivetWeb (1.15, built for the OpenSSL 1.1 API and loading libssl with dlopen)
 * run on the system's OpenSSL 3.
 *
 * CivetWeb dlopen()s "libssl.so" and resolves a fixed table of symbols from it; it refuses TLS
 * when one is missing. OpenSSL 3 keeps every one of them except SSL_get_peer_certificate, which
 * became a macro over SSL_get1_peer_certificate. This object carries the SONAME "libssl.so" and
 * depends on the real libssl.so.3 and libcrypto.so.3: loaded first (RTLD_GLOBAL, by path), it is
 * what CivetWeb's dlopen("libssl.so") finds already loaded, and dlsym() through it reaches the real
 * library for every other symbol. Nothing else in the broker uses it. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

__attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
