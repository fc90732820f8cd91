#pragma once
// SASL/GSSAPI (Kerberos V5, RFC 4752) through Cyrus SASL's gssapiv2 plugin and MIT Kerberos.
//
// Cyrus is loaded once per process (gssapi_initialize) under a private application name, with
// every option it reads answered by our GETOPT callback: mech_list=GSSAPI, the acceptor keytab,
// and an in-process auxprop plugin that stores nothing, so no sasldb or /etc/sasl2 file on the
// host takes part. The keytab is process-wide (the plugin registers it with MIT's
// krb5_gss_register_acceptor_identity when it loads), so every GSSAPI listener shares one.
//
// Each exchange is one Cyrus server connection for `<service>@<host>` (the service principal
// `service/host` in the keytab). The client's principal comes from SASL_AUTHUSER, as Kafka takes
// the authentication id and ignores a requested authorization id; Cyrus cuts the realm off names
// of the default realm, so it is put back before Kafka's principal.to.local rules run.
//
// Threading: every Cyrus call goes through one process-wide mutex. Cyrus's default mutex hooks
// are no-ops and its global plugin state is not documented as safe for concurrent connections;
// a GSSAPI step is local work (ticket decryption, replay cache), done once per connection.
#include <memory>
#include <string>

#include "security/sasl/kerberos_name.h"
#include "security/sasl/sasl_server.h"

struct sasl_conn;  // Cyrus <sasl/sasl.h>, kept out of this header

namespace samsa::security {

struct GssapiSettings {
  std::string service;  // the service principal's primary, e.g. "kafka"
  std::string host;     // its instance, e.g. "broker1.example.com"
  std::shared_ptr<const KerberosShortNamer> namer;
};

// Loads Cyrus SASL for GSSAPI with `keytab` as the acceptor keytab. Call once, before any
// GssapiServer exists (startup); calling again with the same keytab does nothing. Throws
// std::runtime_error saying what failed (unreadable keytab, no GSSAPI plugin, different keytab).
void gssapi_initialize(const std::string& keytab);

// Whether the keytab holds a key the broker can accept `service/host` tickets with. Call after
// gssapi_initialize. Throws std::runtime_error with MIT's reason.
void gssapi_check_acceptor(const std::string& service, const std::string& host);

// The default realm of the Kerberos configuration (KRB5_CONFIG or /etc/krb5.conf); empty when
// none is configured.
std::string kerberos_default_realm();

class GssapiServer : public SaslServer {
 public:
  // `settings` must outlive the server.
  explicit GssapiServer(const GssapiSettings* settings);
  ~GssapiServer() override;
  GssapiServer(const GssapiServer&) = delete;
  GssapiServer& operator=(const GssapiServer&) = delete;

  const std::string& mechanism() const override { return name_; }
  SaslStep evaluate(std::span<const uint8_t> client_token) override;

 private:
  SaslStep finish();

  std::string name_ = "GSSAPI";
  const GssapiSettings* settings_;
  ::sasl_conn* conn_ = nullptr;
  bool started_ = false;
  bool over_ = false;
};

}  // namespace samsa::security
