#include "security/sasl/gssapi_server.h"

#include <krb5.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace samsa::security {
namespace {

// Cyrus looks for `<confpath>/<app>.conf`; the path names no directory that exists, so no file
// on the host can add options behind our back.
constexpr const char* kAppName = "samsa-broker-gssapi";
constexpr const char* kNoConfigPath = "/nonexistent/samsa-broker-gssapi";
constexpr const char* kAuxprop = "samsa-none";

constexpr std::string_view kFailedMessage =
    "Authentication failed during authentication due to invalid credentials with SASL mechanism "
    "GSSAPI";

std::mutex& cyrus_mutex() {
  static std::mutex m;
  return m;
}

// Set once by gssapi_initialize, under cyrus_mutex; read by the callbacks Cyrus runs under it.
std::string g_keytab;
bool g_initialized = false;

int getopt_cb(void*, const char*, const char* option, const char** result, unsigned* len) {
  const char* value = nullptr;
  if (std::strcmp(option, "mech_list") == 0) {
    value = "GSSAPI";
  } else if (std::strcmp(option, "auxprop_plugin") == 0) {
    value = kAuxprop;
  } else if (std::strcmp(option, "log_level") == 0) {
    value = "2";  // SASL_LOG_FAIL: the GSS-API reason of a failed step
  } else if (std::strcmp(option, "keytab") == 0 && !g_keytab.empty()) {
    value = g_keytab.c_str();
  } else {
    return SASL_FAIL;  // not set: Cyrus's default
  }
  *result = value;
  if (len != nullptr) *len = static_cast<unsigned>(std::strlen(value));
  return SASL_OK;
}

// While a step runs (under cyrus_mutex): where its failure text goes. Cyrus puts only a generic
// "GSSAPI Failure: gss_accept_sec_context" into sasl_errdetail; the GSS-API major and minor
// messages ("kvno 3 not found in keytab") come through the log callback at SASL_LOG_FAIL.
std::string* g_step_failure = nullptr;

int log_cb(void*, int level, const char* message) {
  if (g_step_failure != nullptr && level <= SASL_LOG_FAIL && g_step_failure->empty()) {
    // The connection reports the failure (log, audit line, metrics) with this as the reason.
    *g_step_failure = message;
    return SASL_OK;
  }
  if (level <= SASL_LOG_ERR)
    spdlog::warn("cyrus-sasl: {}", message);
  else
    spdlog::debug("cyrus-sasl: {}", message);
  return SASL_OK;
}

int confpath_cb(void*, char** path) {
  // sasl.h says the library frees this, but 2.1.28's load_config never does (its own default
  // callback hands out a constant; LeakSanitizer saw a strdup'ed copy leak), so a constant it is.
  *path = const_cast<char*>(kNoConfigPath);
  return SASL_OK;
}

// Kafka authorizes any authentication id to act (it ignores the requested authorization id and
// uses the authentication id), so Cyrus must not refuse a client that sends one.
int proxy_policy_cb(sasl_conn_t*, void*, const char*, unsigned, const char*, unsigned, const char*,
                    unsigned, struct propctx*) {
  return SASL_OK;
}

// The auxprop plugin Cyrus consults after naming the user: GSSAPI needs no stored property, and
// answering here keeps the sasldb plugin (and its /etc/sasldb2) out.
int auxprop_lookup(void*, sasl_server_params_t*, unsigned, const char*, unsigned) {
  return SASL_OK;
}

sasl_auxprop_plug_t g_auxprop = {
    0, 0, nullptr, nullptr, &auxprop_lookup, const_cast<char*>(kAuxprop), nullptr,
};

int auxprop_init(const sasl_utils_t*, int max_version, int* out_version, sasl_auxprop_plug_t** plug,
                 const char*) {
  if (max_version < SASL_AUXPROP_PLUG_VERSION) return SASL_BADVERS;
  *out_version = SASL_AUXPROP_PLUG_VERSION;
  *plug = &g_auxprop;
  return SASL_OK;
}

// sasl_callback_t holds every callback as int (*)(void); going through void (*)(void), the type
// that matches any function type, says the cast is meant.
template <typename F>
int (*as_callback(F* f))() {
  return reinterpret_cast<int (*)()>(reinterpret_cast<void (*)()>(f));
}

const sasl_callback_t* global_callbacks() {
  static const sasl_callback_t callbacks[] = {
      {SASL_CB_GETOPT, as_callback(&getopt_cb), nullptr},
      {SASL_CB_LOG, as_callback(&log_cb), nullptr},
      {SASL_CB_GETCONFPATH, as_callback(&confpath_cb), nullptr},
      {SASL_CB_PROXY_POLICY, as_callback(&proxy_policy_cb), nullptr},
      {SASL_CB_LIST_END, nullptr, nullptr},
  };
  return callbacks;
}

SaslStep failed(std::string reason) {
  return SaslStep::failed(std::string(kFailedMessage), std::move(reason));
}

}  // namespace

void gssapi_initialize(const std::string& keytab) {
  std::lock_guard lock(cyrus_mutex());
  if (g_initialized) {
    if (keytab != g_keytab) {
      throw std::runtime_error("GSSAPI uses one keytab per process; " + keytab + " differs from " +
                               g_keytab);
    }
    return;
  }
  // The plugin checks this too, but only says so in a log line and then leaves GSSAPI out.
  if (::access(keytab.c_str(), R_OK) != 0)
    throw std::runtime_error("keytab " + keytab + " cannot be read: " + std::strerror(errno));
  g_keytab = keytab;
  int rc = sasl_server_init(global_callbacks(), kAppName);
  if (rc != SASL_OK)
    throw std::runtime_error(std::string("Cyrus SASL failed to start: ") +
                             sasl_errstring(rc, nullptr, nullptr));
  rc = sasl_auxprop_add_plugin(kAuxprop, &auxprop_init);
  if (rc != SASL_OK)
    throw std::runtime_error(std::string("Cyrus SASL auxprop plugin: ") +
                             sasl_errstring(rc, nullptr, nullptr));
  bool have_gssapi = false;
  if (const char** mechs = sasl_global_listmech()) {
    for (; *mechs != nullptr; ++mechs)
      have_gssapi = have_gssapi || std::strcmp(*mechs, "GSSAPI") == 0;
  }
  if (!have_gssapi) {
    throw std::runtime_error(
        "Cyrus SASL has no GSSAPI mechanism (is libsasl2-modules-gssapi-mit installed?)");
  }
  g_initialized = true;
}

void gssapi_check_acceptor(const std::string& service, const std::string& host) {
  std::lock_guard lock(cyrus_mutex());
  // The plugin acquires an accepting credential for service@host from the keytab on each
  // connection's first token; a keytab without that principal would fail every client, so its
  // entries are looked at once here. The realm is not compared: which realm the host belongs
  // to is krb5.conf's business, as in the acceptor. (Asking gss_acquire_cred instead leaks in
  // MIT 1.20's failure path.)
  krb5_context ctx = nullptr;
  if (krb5_init_context(&ctx) != 0) throw std::runtime_error("cannot start Kerberos");
  std::string error;
  std::vector<std::string> others;
  bool found = false;
  krb5_keytab kt = nullptr;
  krb5_kt_cursor cursor{};
  const std::string name = "FILE:" + g_keytab;
  krb5_error_code rc = krb5_kt_resolve(ctx, name.c_str(), &kt);
  if (rc == 0) rc = krb5_kt_start_seq_get(ctx, kt, &cursor);
  if (rc == 0) {
    krb5_keytab_entry entry{};
    while (!found && krb5_kt_next_entry(ctx, kt, &entry, &cursor) == 0) {
      const krb5_principal p = entry.principal;
      auto component = [&](int i) { return std::string(p->data[i].data, p->data[i].length); };
      found = p->length == 2 && component(0) == service && component(1) == host;
      char* text = nullptr;
      if (!found && others.size() < 5 && krb5_unparse_name(ctx, p, &text) == 0) {
        // One entry per key type: name each principal once.
        if (std::find(others.begin(), others.end(), text) == others.end())
          others.emplace_back(text);
        krb5_free_unparsed_name(ctx, text);
      }
      krb5_free_keytab_entry_contents(ctx, &entry);
    }
    krb5_kt_end_seq_get(ctx, kt, &cursor);
  } else {
    const char* msg = krb5_get_error_message(ctx, rc);
    error = msg;
    krb5_free_error_message(ctx, msg);
  }
  if (kt != nullptr) krb5_kt_close(ctx, kt);
  krb5_free_context(ctx);
  if (!error.empty()) throw std::runtime_error("keytab " + g_keytab + ": " + error);
  if (!found) {
    std::string listed;
    for (const auto& o : others) listed += (listed.empty() ? "" : ", ") + o;
    throw std::runtime_error("keytab " + g_keytab + " holds no key for service principal " +
                             service + "/" + host +
                             " (it has: " + (listed.empty() ? "nothing" : listed) + ")");
  }
}

std::string kerberos_default_realm() {
  krb5_context ctx = nullptr;
  if (krb5_init_context(&ctx) != 0) return "";
  std::string out;
  char* realm = nullptr;
  if (krb5_get_default_realm(ctx, &realm) == 0 && realm != nullptr) {
    out = realm;
    krb5_free_default_realm(ctx, realm);
  }
  krb5_free_context(ctx);
  return out;
}

GssapiServer::GssapiServer(const GssapiSettings* settings) : settings_(settings) {}

GssapiServer::~GssapiServer() {
  if (conn_ == nullptr) return;
  std::lock_guard lock(cyrus_mutex());
  sasl_dispose(&conn_);
}

SaslStep GssapiServer::evaluate(std::span<const uint8_t> client_token) {
  if (over_) return failed("token after the GSSAPI exchange ended");
  std::lock_guard lock(cyrus_mutex());
  if (!g_initialized) {
    over_ = true;
    return failed("Cyrus SASL not initialized");
  }
  int rc = SASL_OK;
  if (conn_ == nullptr) {
    rc = sasl_server_new(settings_->service.c_str(), settings_->host.c_str(), nullptr, nullptr,
                         nullptr, nullptr, SASL_SUCCESS_DATA, &conn_);
    if (rc != SASL_OK) {
      over_ = true;
      return failed(std::string("sasl_server_new: ") + sasl_errstring(rc, nullptr, nullptr));
    }
    // Kafka's GSSAPI offers no security layer (QOP auth only): max_ssf 0 makes Cyrus offer just
    // "no layer" in its wrapped security-layer message.
    sasl_security_properties_t props{};
    props.min_ssf = 0;
    props.max_ssf = 0;
    props.maxbufsize = 0;
    sasl_setprop(conn_, SASL_SEC_PROPS, &props);
  }
  const char* in = reinterpret_cast<const char*>(client_token.data());
  const auto in_len = static_cast<unsigned>(client_token.size());
  const char* out = nullptr;
  unsigned out_len = 0;
  std::string failure;
  g_step_failure = &failure;
  if (!started_) {
    started_ = true;
    rc = sasl_server_start(conn_, "GSSAPI", in_len == 0 ? nullptr : in, in_len, &out, &out_len);
  } else {
    rc = sasl_server_step(conn_, in_len == 0 ? nullptr : in, in_len, &out, &out_len);
  }
  g_step_failure = nullptr;
  if (rc != SASL_OK && rc != SASL_CONTINUE) {
    over_ = true;
    if (!failure.empty()) return failed(failure);
    const char* detail = sasl_errdetail(conn_);
    return failed(detail != nullptr ? detail : sasl_errstring(rc, nullptr, nullptr));
  }
  SaslStep step;
  if (out != nullptr && out_len > 0) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(out);
    step.challenge.assign(bytes, bytes + out_len);
  }
  if (rc == SASL_CONTINUE) {
    step.status = SaslStep::Status::kContinue;
    return step;
  }
  over_ = true;
  SaslStep done = finish();
  done.challenge = std::move(step.challenge);
  return done;
}

// Runs with cyrus_mutex held, after Cyrus said SASL_OK.
SaslStep GssapiServer::finish() {
  const void* value = nullptr;
  if (sasl_getprop(conn_, SASL_AUTHUSER, &value) != SASL_OK || value == nullptr)
    return failed("Cyrus returned no authentication id");
  std::string principal(static_cast<const char*>(value));
  const std::string& realm = settings_->namer->default_realm();
  if (principal.find('@') == std::string::npos && !realm.empty()) principal += "@" + realm;
  try {
    const auto name = KerberosName::parse(principal);
    SaslStep step;
    step.status = SaslStep::Status::kDone;
    step.authorization_id = settings_->namer->short_name(name);
    spdlog::debug("GSSAPI: {} authenticated as {}", principal, step.authorization_id);
    return step;
  } catch (const std::exception& e) {
    return failed("principal " + principal + ": " + e.what());
  }
}

}  // namespace samsa::security
