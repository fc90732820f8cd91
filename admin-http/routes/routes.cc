#include "admin-http/routes/routes.h"

namespace samsa::admin_http {

void register_routes(Router& router, AdminContext& ctx) {
  register_metrics_routes(router, ctx);
  register_health_routes(router, ctx);
  register_openapi_routes(router, ctx);
  register_v3_cluster_routes(router, ctx);
  register_v3_broker_routes(router, ctx);
  register_v3_broker_config_routes(router, ctx);
  register_v3_topic_routes(router, ctx);
  register_v3_topic_config_routes(router, ctx);
  register_v3_partition_routes(router, ctx);
  register_v3_consumer_group_routes(router, ctx);
  register_v3_consumer_lag_routes(router, ctx);
  register_v3_record_routes(router, ctx);
  register_v3_acl_routes(router, ctx);
  register_v1_cluster_routes(router, ctx);
  register_v1_group_routes(router, ctx);
  register_v1_record_routes(router, ctx);
  register_v1_log_level_routes(router, ctx);
  register_v1_user_routes(router, ctx);
}

}  // namespace samsa::admin_http
