#pragma once
// Who an admin HTTP request comes from, and whether it may do what its route does: HTTP Basic
// checked against the same credentials the Kafka listeners use (SCRAM credentials by recomputing
// StoredKey, JAAS PLAIN users), or the client certificate of an HTTPS listener mapped through
// ssl.principal.mapping.rules; then the route's Access asked of the one authorizer. Answers 401
// (with WWW-Authenticate) and 403 with Confluent's error bodies, and writes the audit lines.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "admin-http/http_types.h"
#include "admin-http/router.h"
#include "config/listeners.h"
#include "metrics/network_metrics.h"
#include "security/audit_log.h"
#include "security/authorizer.h"
#include "security/sasl/credential_store.h"
#include "security/tls/principal_mapper.h"

typedef struct x509_st X509;

namespace samsa::admin_http {

// The listener name admin HTTP audit lines and sessions carry, and the one its overrides use
// (listener.name.admin_http.ssl.keystore.location, ...).
inline constexpr const char* kAdminListenerName = "ADMIN_HTTP";
static_assert(std::string_view(kAdminListenerName) == config::kAdminHttpListener);

struct HttpAuthOptions {
  // Whether routes outside `open_routes` need credentials (admin.http.authentication).
  bool required = false;
  // admin.http.open.routes: exact paths, or prefixes ending in `*`.
  std::vector<std::string> open_routes;
  // JAAS PLAIN users accepted by Basic (besides SCRAM credentials).
  std::map<std::string, std::string> plain_users;
  // How long a verified Basic credential is remembered, so a client that sends it on every
  // request does not pay PBKDF2 each time. A changed or deleted credential is noticed at once.
  std::chrono::seconds cache_ttl{300};
};

// What the server knows about the connection a request came on.
struct HttpPeer {
  std::string client_host;  // Java's textual form, as ACL hosts match
  bool tls = false;
  X509* certificate = nullptr;  // verified client certificate, if the client sent one
  // The listener's principal mapper (null on plain HTTP).
  std::shared_ptr<const security::tls::PrincipalMapper> mapper;
};

class HttpAuth {
 public:
  explicit HttpAuth(HttpAuthOptions options);

  // Set once the broker has loaded its metadata (before any non-open route runs); either may be
  // null (no SCRAM users; no authorizer = everything allowed, as in Kafka).
  void set_services(const security::CredentialStore* credentials,
                    const security::Authorizer* authorizer, security::AuditLog* audit,
                    metrics::NetworkMetrics* network = nullptr);

  bool is_open(const std::string& path) const;
  bool required() const { return options_.required; }

  // Fills req.session; returns the 401 response when credentials are required and missing or
  // wrong. Audits the outcome when credentials were presented or required.
  std::optional<HttpResponse> authenticate(HttpRequest& req, const HttpPeer& peer);
  // Asks the authorizer; audits a denial against the request's route.
  bool authorize(const HttpRequest& req, const security::Action& action,
                 bool audit_denial = true) const;
  // One change line per resource the route changed (req.audit_resources, else the resource
  // its Access names), "success" for a 2xx answer, else "failure" with the status and message.
  void audit_change(const HttpRequest& req, const Access& access, const std::string& operation,
                    const HttpResponse& response) const;
  // The route's declared access; the 403 response when it is denied.
  std::optional<HttpResponse> check(const HttpRequest& req, const Access& access) const;

 private:
  struct CachedBasic {
    std::vector<uint8_t> password_digest;
    std::vector<std::optional<security::ScramCredential>> credential;  // as when verified
    std::chrono::steady_clock::time_point expires;
  };
  std::optional<std::string> verify_basic(const std::string& user, const std::string& password);
  std::vector<std::optional<security::ScramCredential>> credential_of(
      const std::string& user) const;
  void audit_authentication(const HttpRequest& req, const std::string& principal, bool ok,
                            const std::string& mechanism, const std::string& reason) const;

  HttpAuthOptions options_;
  std::vector<uint8_t> cache_salt_;
  // Set once at readiness while CivetWeb threads may already serve open routes.
  std::atomic<const security::CredentialStore*> credentials_{nullptr};
  std::atomic<const security::Authorizer*> authorizer_{nullptr};
  std::atomic<security::AuditLog*> audit_{nullptr};
  // samsa_sasl_authentication_failures_total{listener="ADMIN_HTTP",mechanism="BASIC"|"MTLS"|"none"}
  std::atomic<metrics::NetworkMetrics*> network_{nullptr};
  std::mutex cache_mutex_;
  std::map<std::string, CachedBasic> cache_;
};

// 401 with Confluent's body (40101) and the WWW-Authenticate challenge.
HttpResponse unauthorized(const std::string& message);
// 403 with Confluent's body (40301).
HttpResponse forbidden(const std::string& message);
// For routes that check access themselves (Access::in_route): the 403 when the caller may not do
// `op` on the resource, nullopt when it may.
std::optional<HttpResponse> require_access(const HttpRequest& req, security::AclOperation op,
                                           security::ResourceType type, const std::string& name);

}  // namespace samsa::admin_http
