#include "admin-http/openapi_document.h"
#include "admin-http/routes/routes.h"

namespace samsa::admin_http {

void register_openapi_routes(Router& router, AdminContext&) {
  router.add(
      "GET", "/openapi.json",
      [](HttpRequest&) {
        HttpResponse r;
        r.body = std::string(openapi_document());
        return r;
      },
      RouteOptions{
          .available_while_starting = true, .access = Access::authenticated(), .change = {}});
}

}  // namespace samsa::admin_http
