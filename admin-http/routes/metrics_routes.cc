#include "admin-http/routes/routes.h"

namespace samsa::admin_http {

void register_metrics_routes(Router& router, AdminContext& ctx) {
  router.add(
      "GET", "/metrics",
      [&ctx](HttpRequest&) {
        HttpResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = ctx.metrics.render();
        return r;
      },
      // Scrapes during startup show recovery progress and process metrics.
      RouteOptions{
          .available_while_starting = true, .access = Access::authenticated(), .change = {}});
}

}  // namespace samsa::admin_http
