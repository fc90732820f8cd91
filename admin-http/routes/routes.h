#pragma once
// Every admin route family registers itself here; the composition root calls register_routes once.
// One file per family (v3 topics, v3 configs, v1 health, ...), each a thin face over the services
// in AdminContext.
#include "admin-http/admin_context.h"
#include "admin-http/router.h"

namespace samsa::admin_http {

void register_routes(Router& router, AdminContext& ctx);

void register_metrics_routes(Router& router, AdminContext& ctx);
void register_health_routes(Router& router, AdminContext& ctx);
void register_openapi_routes(Router& router, AdminContext& ctx);
// Confluent v3: clusters, brokers, broker configs, topics, topic configs, partitions, replicas.
void register_v3_cluster_routes(Router& router, AdminContext& ctx);
void register_v3_broker_routes(Router& router, AdminContext& ctx);
void register_v3_broker_config_routes(Router& router, AdminContext& ctx);
void register_v3_topic_routes(Router& router, AdminContext& ctx);
void register_v3_topic_config_routes(Router& router, AdminContext& ctx);
void register_v3_partition_routes(Router& router, AdminContext& ctx);
// Confluent v3: consumer groups, consumers, assignments, lags; produce records.
void register_v3_consumer_group_routes(Router& router, AdminContext& ctx);
void register_v3_consumer_lag_routes(Router& router, AdminContext& ctx);
void register_v3_record_routes(Router& router, AdminContext& ctx);
void register_v3_acl_routes(Router& router, AdminContext& ctx);
// Our /v1 extensions: cluster health, offset reset, delete/browse records, log levels.
void register_v1_cluster_routes(Router& router, AdminContext& ctx);
void register_v1_group_routes(Router& router, AdminContext& ctx);
void register_v1_record_routes(Router& router, AdminContext& ctx);
void register_v1_log_level_routes(Router& router, AdminContext& ctx);
// /v1/security/users: SCRAM users (list, upsert with a password, delete).
void register_v1_user_routes(Router& router, AdminContext& ctx);

}  // namespace samsa::admin_http
