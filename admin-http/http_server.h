#pragma once
// The admin HTTP server: CivetWeb on admin.listeners, one catch-all handler that hands every
// request to our Router. CivetWeb's worker threads serve it, never the Kafka io_contexts, so a slow
// scrape or REST call cannot stall the data path.
#include <string>
#include <vector>

#include "admin-http/readiness.h"
#include "admin-http/router.h"
#include "config/listeners.h"

struct mg_context;
struct mg_connection;

namespace samsa::admin_http {

struct AdminHttpOptions {
  std::vector<config::AdminListener> listeners;
  int threads = 16;
  size_t max_body_bytes = 10 << 20;
  int request_timeout_ms = 30000;
};

class AdminHttpServer {
 public:
  AdminHttpServer(AdminHttpOptions options, const Router& router, const Readiness& readiness);
  ~AdminHttpServer();

  // Binds every listener; throws std::runtime_error naming the address on failure.
  void start();
  void stop();
  // Ports actually bound, in listener order (for configs with port 0).
  std::vector<int> bound_ports() const;

 private:
  static int handle(mg_connection* conn, void* self);
  int serve(mg_connection* conn);

  AdminHttpOptions options_;
  const Router& router_;
  const Readiness& readiness_;
  mg_context* ctx_ = nullptr;
};

}  // namespace samsa::admin_http
