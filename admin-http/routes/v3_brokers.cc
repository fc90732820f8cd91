// GET /v3/clusters/{c}/brokers[/{broker_id}] and .../brokers/{broker_id}/partition-replicas: the
// registered brokers (from the metadata image) and the replicas each one hosts.
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/v3_support.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

// The broker named by {broker_id}: null with `error` set to 404 when it is not registered.
const cluster::BrokerRegistration* find_broker(const AdminContext& ctx,
                                               const cluster::MetadataImage& image,
                                               const HttpRequest& req, HttpResponse& error) {
  auto id = v3::parse_int32(req.param("broker_id"));
  const cluster::BrokerRegistration* broker = id ? image.broker(*id) : nullptr;
  if (!broker) {
    error = HttpResponse::error(
        404, 404,
        "Broker " + req.param("broker_id") + " cannot be found in cluster " + ctx.cluster_id + ".");
  }
  return broker;
}

}  // namespace

void register_v3_broker_routes(Router& router, AdminContext& ctx) {
  router.add_v3(
      "GET", "/clusters/{cluster_id}/brokers", Access::authenticated(), [&ctx](HttpRequest& req) {
        if (auto error = check_cluster(ctx, req)) return *error;
        auto image = ctx.topics->image();
        auto data = nlohmann::json::array();
        for (const auto& [id, broker] : image->brokers())
          data.push_back(v3::broker_json(ctx, req, broker));
        return HttpResponse::json(
            200,
            collection_envelope("KafkaBrokerList", v3_url(req, v3::cluster_path(ctx) + "/brokers"),
                                std::move(data)));
      });
  router.add_v3("GET", "/clusters/{cluster_id}/brokers/{broker_id}", Access::authenticated(),
                [&ctx](HttpRequest& req) {
                  if (auto error = check_cluster(ctx, req)) return *error;
                  auto image = ctx.topics->image();
                  HttpResponse error;
                  const auto* broker = find_broker(ctx, *image, req, error);
                  if (!broker) return error;
                  return HttpResponse::json(200, v3::broker_json(ctx, req, *broker));
                });
  router.add_v3("GET", "/clusters/{cluster_id}/brokers/{broker_id}/partition-replicas",
                Access::authenticated(), [&ctx](HttpRequest& req) {
                  if (auto error = check_cluster(ctx, req)) return *error;
                  auto image = ctx.topics->image();
                  HttpResponse error;
                  const auto* broker = find_broker(ctx, *image, req, error);
                  if (!broker) return error;
                  auto data = nlohmann::json::array();
                  for (const auto& [name, topic] : image->topics()) {
                    for (const auto& p : topic->partitions) {
                      for (int32_t replica : p.replicas) {
                        if (replica == broker->id)
                          data.push_back(v3::replica_json(ctx, req, name, p, replica));
                      }
                    }
                  }
                  return HttpResponse::json(
                      200, collection_envelope(
                               "KafkaReplicaList",
                               v3_url(req, v3::cluster_path(ctx) + "/brokers/" +
                                               std::to_string(broker->id) + "/partition-replicas"),
                               std::move(data)));
                });
}

}  // namespace samsa::admin_http
