#pragma once
// The admin HTTP server: CivetWeb on admin.listeners, one catch-all handler that hands every
// request to our Router. CivetWeb's worker threads serve it, never the Kafka io_contexts, so a slow
// scrape or REST call cannot stall the data path.
#include <memory>
#include <string>
#include <vector>

#include "admin-http/http_auth.h"
#include "admin-http/readiness.h"
#include "admin-http/router.h"
#include "config/listeners.h"
#include "security/tls/tls_context.h"

struct mg_context;
struct mg_connection;

namespace samsa::admin_http {

struct AdminHttpOptions {
  std::vector<config::AdminListener> listeners;
  int threads = 16;
  size_t max_body_bytes = 10 << 20;
  int request_timeout_ms = 30000;
  // The TLS settings of the https listeners (required when there is one).
  std::shared_ptr<security::tls::TlsContextProvider> tls;
};

class AdminHttpServer {
 public:
  AdminHttpServer(AdminHttpOptions options, const Router& router, const Readiness& readiness,
                  HttpAuth& auth);
  ~AdminHttpServer();

  // Binds every listener; throws std::runtime_error naming the address on failure.
  void start();
  void stop();
  // Ports actually bound, in listener order (for configs with port 0).
  std::vector<int> bound_ports() const;

 private:
  static int handle(mg_connection* conn, void* self);
  int serve(mg_connection* conn);
  // Authentication and the route's access rule; the response to send instead, if any.
  std::optional<HttpResponse> admit(mg_connection* conn, HttpRequest& req,
                                    const Router::Match& m) const;

  AdminHttpOptions options_;
  const Router& router_;
  const Readiness& readiness_;
  HttpAuth& auth_;
  mg_context* ctx_ = nullptr;
};

}  // namespace samsa::admin_http
