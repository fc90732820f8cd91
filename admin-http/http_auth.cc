#include "admin-http/http_auth.h"

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "security/acl/acl_rules.h"
#include "security/sasl/plain_server.h"
#include "security/sasl/scram_crypto.h"
#include "security/tls/distinguished_name.h"

namespace samsa::admin_http {
namespace {

using security::ScramMechanism;

constexpr const char* kChallenge = "Basic realm=\"samsa\", charset=\"UTF-8\"";

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// "Basic <base64(user:password)>" -> (user, password); nullopt when malformed.
std::optional<std::pair<std::string, std::string>> parse_basic(const std::string& header) {
  const std::string value = trim(header);
  const auto space = value.find(' ');
  if (space == std::string::npos) return std::nullopt;
  std::string scheme = value.substr(0, space);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "basic") return std::nullopt;
  // Credentials are small; a huge header is refused before decoding.
  const std::string encoded = trim(value.substr(space + 1));
  if (encoded.size() > 4096) return std::nullopt;
  const auto decoded = security::scram::base64_decode(encoded);
  if (!decoded) return std::nullopt;
  const std::string text(decoded->begin(), decoded->end());
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return std::make_pair(text.substr(0, colon), text.substr(colon + 1));
}

// Who asked, from where, on which route: what every audit line of a request shares (the REST
// twin of the Kafka face's request_event).
security::AuditEvent request_event(const HttpRequest& req, security::AuditEvent::Kind kind) {
  security::AuditEvent e;
  e.kind = kind;
  e.principal = req.session.principal.to_string();
  e.client = req.session.client_host;
  e.listener = kAdminListenerName;
  e.route = req.method + " " + req.route;
  return e;
}

}  // namespace

HttpResponse unauthorized(const std::string& message) {
  auto r = HttpResponse::error(401, 40101, message);
  r.headers["WWW-Authenticate"] = kChallenge;
  return r;
}

HttpResponse forbidden(const std::string& message) {
  return HttpResponse::error(403, 40301, message);
}

namespace {

HttpResponse denied(const HttpRequest& req, security::AclOperation op, security::ResourceType type,
                    const std::string& name) {
  return forbidden(std::string("Request is not authorized: ") + req.session.principal.to_string() +
                   " may not " + security::name_of(op) + " " + security::name_of(type) + " " +
                   name);
}

}  // namespace

std::optional<HttpResponse> require_access(const HttpRequest& req, security::AclOperation op,
                                           security::ResourceType type, const std::string& name) {
  if (req.allowed(op, type, name)) return std::nullopt;
  return denied(req, op, type, name);
}

HttpAuth::HttpAuth(HttpAuthOptions options)
    : options_(std::move(options)), cache_salt_(security::scram::random_bytes(32)) {}

void HttpAuth::set_services(const security::CredentialStore* credentials,
                            const security::Authorizer* authorizer, security::AuditLog* audit,
                            metrics::NetworkMetrics* network) {
  credentials_ = credentials;
  authorizer_ = authorizer;
  audit_ = audit;
  network_ = network;
}

bool HttpAuth::is_open(const std::string& path) const {
  for (const auto& p : options_.open_routes) {
    if (!p.empty() && p.back() == '*') {
      if (path.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
    } else if (path == p) {
      return true;
    }
  }
  return false;
}

std::vector<std::optional<security::ScramCredential>> HttpAuth::credential_of(
    const std::string& user) const {
  std::vector<std::optional<security::ScramCredential>> out;
  for (auto m : {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    const auto* store = credentials_.load();
    out.push_back(store != nullptr ? store->scram(user, m) : std::nullopt);
  }
  return out;
}

std::optional<std::string> HttpAuth::verify_basic(const std::string& user,
                                                  const std::string& password) {
  std::vector<uint8_t> digest_input(cache_salt_);
  digest_input.insert(digest_input.end(), password.begin(), password.end());
  const auto digest = security::scram::hash(ScramMechanism::kSha256, digest_input);
  const auto credential = credential_of(user);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(user);
    if (it != cache_.end()) {
      if (it->second.expires > now && it->second.credential == credential &&
          security::scram::constant_time_equal(it->second.password_digest, digest)) {
        return std::nullopt;
      }
      cache_.erase(it);
    }
  }
  // The same check SASL/PLAIN makes: JAAS users first, then the salted SCRAM credential.
  security::PlainServer plain(&options_.plain_users, credentials_.load());
  std::string token;
  token.push_back('\0');
  token += user;
  token.push_back('\0');
  token += password;
  const auto step = plain.evaluate(security::scram::as_bytes(token));
  if (step.status != security::SaslStep::Status::kDone) return step.reason;
  std::lock_guard lock(cache_mutex_);
  // Bounded: a flood of distinct users cannot grow it without limit.
  if (cache_.size() >= 10000) cache_.clear();
  cache_[user] = CachedBasic{digest, credential, now + options_.cache_ttl};
  return std::nullopt;
}

void HttpAuth::audit_authentication(const HttpRequest& req, const std::string& principal, bool ok,
                                    const std::string& mechanism, const std::string& reason) const {
  if (auto* network = network_.load(); network != nullptr && !ok) {
    network->count_authentication_failure(kAdminListenerName,
                                          mechanism.empty() ? "none" : mechanism);
  }
  auto* audit = audit_.load();
  if (audit == nullptr || !audit->enabled()) return;
  auto e = request_event(req, security::AuditEvent::Kind::kAuthentication);
  e.principal = principal;
  e.resource = mechanism.empty() ? "" : "Mechanism:" + mechanism;
  e.operation = "AUTHENTICATE";
  e.result = ok ? "success" : "failure";
  e.reason = reason;
  audit->record(e);
}

std::optional<HttpResponse> HttpAuth::authenticate(HttpRequest& req, const HttpPeer& peer) {
  req.session = security::Session{};
  req.session.listener = kAdminListenerName;
  req.session.protocol =
      peer.tls ? security::SecurityProtocol::kSsl : security::SecurityProtocol::kPlaintext;
  req.session.client_host = peer.client_host;
  req.session.authenticated = true;
  if (const auto header = req.header("authorization")) {
    const auto basic = parse_basic(*header);
    if (!basic) {
      audit_authentication(req, "", false, "BASIC", "malformed Authorization header");
      return unauthorized(
          "Authentication failed: the Authorization header must be "
          "'Basic <base64(user:password)>'");
    }
    if (auto why = verify_basic(basic->first, basic->second)) {
      spdlog::info(
          "event=authentication result=failure listener={} mechanism=BASIC peer={} user={} "
          "reason=\"{}\"",
          kAdminListenerName, peer.client_host, basic->first, *why);
      audit_authentication(req, "User:" + basic->first, false, "BASIC", *why);
      return unauthorized("Authentication failed: Invalid username or password");
    }
    req.session.principal = security::KafkaPrincipal{"User", basic->first};
    req.session.sasl_mechanism = "BASIC";
    audit_authentication(req, req.session.principal.to_string(), true, "BASIC", "");
    return std::nullopt;
  }
  if (peer.certificate != nullptr && peer.mapper) {
    const std::string dn =
        security::tls::java_rfc2253_name(X509_get_subject_name(peer.certificate));
    const auto name = peer.mapper->map(dn);
    if (!name || name->empty()) {
      audit_authentication(req, "", false, "MTLS",
                           "no ssl.principal.mapping.rules rule matches " + dn);
      return unauthorized("Authentication failed: the client certificate maps to no principal");
    }
    req.session.principal = security::KafkaPrincipal{"User", *name};
    audit_authentication(req, req.session.principal.to_string(), true, "MTLS", "");
    return std::nullopt;
  }
  if (options_.required) {
    audit_authentication(req, "", false, "", "no credentials");
    return unauthorized(
        "Authentication required: send HTTP Basic credentials or a client "
        "certificate");
  }
  return std::nullopt;
}

bool HttpAuth::authorize(const HttpRequest& req, const security::Action& action,
                         bool audit_denial) const {
  const auto* authorizer = authorizer_.load();
  if (authorizer == nullptr) return true;
  if (authorizer->authorize(req.session, action)) return true;
  auto* audit = audit_.load();
  if (audit_denial && audit != nullptr && audit->enabled()) {
    auto e = request_event(req, security::AuditEvent::Kind::kAuthorization);
    e.resource = std::string(security::name_of(action.resource_type)) + ":" + action.resource_name;
    e.operation = security::name_of(action.operation);
    e.result = "denied";
    audit->record(e);
  }
  return false;
}

void HttpAuth::audit_change(const HttpRequest& req, const Access& access,
                            const std::string& operation, const HttpResponse& response) const {
  auto* audit = audit_.load();
  if (audit == nullptr || !audit->enabled()) return;
  // A refused request changed nothing and is already audited as a denial.
  if (response.status == 401 || response.status == 403) return;
  std::vector<std::string> resources = req.audit_resources.value_or(std::vector<std::string>{});
  if (!req.audit_resources) {
    auto param = [&](const std::string& name) {
      auto it = req.path_params.find(name);
      return it == req.path_params.end() ? std::string() : it->second;
    };
    std::string name =
        access.name_param.empty() ? security::kClusterResourceName : param(access.name_param);
    std::string type = security::name_of(access.resource_type);
    // Broker configs name the broker (or the cluster-wide default), as the Kafka face does.
    if (access.resource_type == security::ResourceType::kCluster &&
        req.route.find("configs") != std::string::npos) {
      type = "BROKER";
      name = param("broker_id");
    }
    if (auto user = param("user"); !user.empty()) {
      type = "USER";
      name = user;
    }
    std::string resource = type + ":" + name;
    if (auto p = param("partition"); !p.empty()) resource += ":" + p;
    resources.push_back(std::move(resource));
  }
  const bool ok = response.status < 400;
  std::string reason;
  if (!ok) {
    reason = "HTTP " + std::to_string(response.status);
    try {
      auto body = nlohmann::json::parse(response.body);
      if (body.is_object() && body.contains("message") && body["message"].is_string())
        reason += ": " + body["message"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
  }
  for (const auto& resource : resources) {
    auto e = request_event(req, security::AuditEvent::Kind::kChange);
    e.resource = resource;
    e.operation = operation;
    e.result = ok ? "success" : "failure";
    e.reason = reason;
    audit->record(e);
  }
}

std::optional<HttpResponse> HttpAuth::check(const HttpRequest& req, const Access& access) const {
  if (access.kind != Access::Kind::kResource) return std::nullopt;
  std::string name = security::kClusterResourceName;
  if (!access.name_param.empty()) {
    auto it = req.path_params.find(access.name_param);
    if (it == req.path_params.end()) return forbidden("Request is not authorized");
    name = it->second;
  }
  if (authorize(req, security::Action{access.operation, access.resource_type, name})) {
    return std::nullopt;
  }
  return denied(req, access.operation, access.resource_type, name);
}

}  // namespace samsa::admin_http
