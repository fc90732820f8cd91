#include "admin-http/routes/routes.h"

namespace samsa::admin_http {

void register_health_routes(Router& router, AdminContext& ctx) {
  const RouteOptions always{
      .available_while_starting = true, .access = Access::authenticated(), .change = {}};
  // Live: the process answers HTTP. Kubernetes restarts the pod only when this fails.
  router.add(
      "GET", "/v1/status/live",
      [](HttpRequest&) {
        return HttpResponse::json(200, {{"status", "live"}});
      },
      always);
  // Ready: metadata loaded, log dirs recovered, Kafka listeners bound. A log dir taken offline by
  // a failed write makes it "degraded" (200: the other dirs' partitions still serve, as in Kafka)
  // and, once every dir is offline, not ready.
  router.add(
      "GET", "/v1/status/ready",
      [&ctx](HttpRequest&) {
        if (!ctx.readiness.ready())
          return HttpResponse::json(503,
                                    {{"status", "not_ready"}, {"reason", ctx.readiness.reason()}});
        const auto offline = ctx.readiness.offline_log_dirs();
        if (offline.empty()) return HttpResponse::json(200, {{"status", "ready"}});
        if (offline.size() >= ctx.readiness.log_dir_count())
          return HttpResponse::json(503, {{"status", "not_ready"},
                                          {"reason", "every log dir is offline"},
                                          {"offline_log_dirs", offline}});
        return HttpResponse::json(200, {{"status", "degraded"},
                                        {"reason", "log dirs offline after an I/O error"},
                                        {"offline_log_dirs", offline}});
      },
      always);
}

}  // namespace samsa::admin_http
