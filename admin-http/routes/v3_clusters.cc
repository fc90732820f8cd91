// GET /v3/clusters and /v3/clusters/{cluster_id}: the one cluster this broker belongs to, with
// links to everything under it. The Confluent CLI starts every session with GET /v3/clusters to
// learn the cluster id.
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/v3_support.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

nlohmann::json cluster_json(const AdminContext& ctx, const HttpRequest& req) {
  const std::string path = v3::cluster_path(ctx);
  auto out = resource_envelope("KafkaCluster", v3_url(req, path), crn(ctx.cluster_id));
  out["cluster_id"] = ctx.cluster_id;
  const int32_t controller = ctx.topics->image()->controller_id();
  // No controller elected right now: the link is optional in the contract, so leave it out.
  if (controller >= 0) {
    out["controller"] = related(v3_url(req, path + "/brokers/" + std::to_string(controller)));
  }
  out["acls"] = related(v3_url(req, path + "/acls"));
  out["brokers"] = related(v3_url(req, path + "/brokers"));
  out["broker_configs"] = related(v3_url(req, path + "/broker-configs"));
  out["consumer_groups"] = related(v3_url(req, path + "/consumer-groups"));
  out["topics"] = related(v3_url(req, path + "/topics"));
  out["partition_reassignments"] =
      related(v3_url(req, path + "/topics/-/partitions/-/reassignment"));
  return out;
}

}  // namespace

void register_v3_cluster_routes(Router& router, AdminContext& ctx) {
  router.add_v3("GET", "/clusters", Access::authenticated(), [&ctx](HttpRequest& req) {
    auto data = nlohmann::json::array({cluster_json(ctx, req)});
    return HttpResponse::json(
        200, collection_envelope("KafkaClusterList", v3_url(req, "/clusters"), std::move(data)));
  });
  router.add_v3("GET", "/clusters/{cluster_id}", Access::authenticated(), [&ctx](HttpRequest& req) {
    if (auto error = check_cluster(ctx, req)) return *error;
    return HttpResponse::json(200, cluster_json(ctx, req));
  });
}

}  // namespace samsa::admin_http
