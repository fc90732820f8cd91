#include "admin-http/routes/routes.h"

namespace samsa::admin_http {

void register_health_routes(Router& router, AdminContext& ctx) {
  const RouteOptions always{.available_while_starting = true};
  // Live: the process answers HTTP. Kubernetes restarts the pod only when this fails.
  router.add(
      "GET", "/v1/status/live",
      [](HttpRequest&) {
        return HttpResponse::json(200, {{"status", "live"}});
      },
      always);
  // Ready: metadata loaded, log dirs recovered, Kafka listeners bound.
  router.add(
      "GET", "/v1/status/ready",
      [&ctx](HttpRequest&) {
        if (ctx.readiness.ready()) return HttpResponse::json(200, {{"status", "ready"}});
        return HttpResponse::json(503,
                                  {{"status", "not_ready"}, {"reason", ctx.readiness.reason()}});
      },
      always);
}

}  // namespace samsa::admin_http
