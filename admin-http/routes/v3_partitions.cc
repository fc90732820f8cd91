// Partitions over v3: list/get (links to the leader replica, replicas and reassignment), the
// earliest and latest offsets of one partition (what ListOffsets EARLIEST/LATEST answers), the
// replicas with leader and in-sync flags, and the read-only reassignment views. Partitions never
// move between brokers yet, so there are never ongoing reassignments: the lists are empty and a
// single partition's reassignment is 404, as kafka-rest answers when none is in progress.
#include <algorithm>

#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/v3_support.h"
#include "protocol/error_codes.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

// Both lookups of a partition route; on failure `error` holds the response.
struct PartitionLookup {
  std::shared_ptr<const cluster::MetadataImage> image;
  const cluster::TopicState* topic = nullptr;
  const cluster::PartitionState* partition = nullptr;
};

std::optional<HttpResponse> lookup(const AdminContext& ctx, const HttpRequest& req,
                                   PartitionLookup& out, bool need_partition) {
  if (auto error = check_cluster(ctx, req)) return error;
  out.image = ctx.topics->image();
  HttpResponse error;
  out.topic = v3::find_topic(*out.image, req, error);
  if (!out.topic) return error;
  if (need_partition) {
    out.partition = v3::find_partition(*out.topic, req, error);
    if (!out.partition) return error;
  }
  return std::nullopt;
}

HttpResponse offsets(AdminContext& ctx, HttpRequest& req) {
  PartitionLookup l;
  if (auto error = lookup(ctx, req, l, true)) return *error;
  // kafka-rest accepts only this value (and treats a missing one the same way).
  auto type = req.query_param("offset_type");
  if (type && *type != "earliest_and_latest") {
    return HttpResponse::error(400, 400,
                               "offset_type must be earliest_and_latest, not '" + *type + "'");
  }
  auto partition = ctx.partitions->get_or_sync(*l.image, l.topic->name, l.partition->partition);
  if (!partition) {
    return HttpResponse::error(404, 40403, "This server does not host this topic-partition.");
  }
  if (!partition->is_leader()) {
    return kafka_error_response(static_cast<int16_t>(protocol::ErrorCode::kNotLeaderOrFollower),
                                "This server is not the leader for that topic-partition.");
  }
  const std::string path =
      v3::partition_path(ctx, l.topic->name, l.partition->partition) + "/offset";
  auto out = resource_envelope(
      "KafkaPartitionWithOffsets", v3_url(req, path),
      crn(ctx.cluster_id, "/topic=" + l.topic->name +
                              "/partition=" + std::to_string(l.partition->partition) + "/offset"));
  out["cluster_id"] = ctx.cluster_id;
  out["topic_name"] = l.topic->name;
  out["partition_id"] = l.partition->partition;
  out["earliest_offset"] = partition->log().log_start_offset();
  // What a consumer can read up to: the high watermark, as ListOffsets LATEST answers.
  out["latest_offset"] = partition->high_watermark();
  return HttpResponse::json(200, out);
}

HttpResponse empty_reassignments(const HttpRequest& req, const std::string& path) {
  return HttpResponse::json(200, collection_envelope("KafkaReassignmentList", v3_url(req, path),
                                                     nlohmann::json::array()));
}

}  // namespace

void register_v3_partition_routes(Router& router, AdminContext& ctx) {
  const std::string topic = "/clusters/{cluster_id}/topics/{topic_name}";
  router.add_v3(
      "GET", topic + "/partitions", Access::topic(Op::kDescribe), [&ctx](HttpRequest& req) {
        PartitionLookup l;
        if (auto error = lookup(ctx, req, l, false)) return *error;
        auto data = nlohmann::json::array();
        for (const auto& p : l.topic->partitions) {
          data.push_back(v3::partition_json(ctx, req, l.topic->name, p));
        }
        return HttpResponse::json(
            200,
            collection_envelope("KafkaPartitionList",
                                v3_url(req, v3::topic_path(ctx, l.topic->name) + "/partitions"),
                                std::move(data)));
      });
  router.add_v3("GET", topic + "/partitions/{partition_id}", Access::topic(Op::kDescribe),
                [&ctx](HttpRequest& req) {
                  PartitionLookup l;
                  if (auto error = lookup(ctx, req, l, true)) return *error;
                  return HttpResponse::json(
                      200, v3::partition_json(ctx, req, l.topic->name, *l.partition));
                });
  router.add_v3("GET", topic + "/partitions/{partition_id}/offset", Access::topic(Op::kDescribe),
                [&ctx](HttpRequest& req) { return offsets(ctx, req); });
  router.add_v3(
      "GET", topic + "/partitions/{partition_id}/replicas", Access::topic(Op::kDescribe),
      [&ctx](HttpRequest& req) {
        PartitionLookup l;
        if (auto error = lookup(ctx, req, l, true)) return *error;
        auto data = nlohmann::json::array();
        for (int32_t b : l.partition->replicas) {
          data.push_back(v3::replica_json(ctx, req, l.topic->name, *l.partition, b));
        }
        return HttpResponse::json(
            200, collection_envelope(
                     "KafkaReplicaList",
                     v3_url(req, v3::partition_path(ctx, l.topic->name, l.partition->partition) +
                                     "/replicas"),
                     std::move(data)));
      });
  router.add_v3(
      "GET", topic + "/partitions/{partition_id}/replicas/{broker_id}",
      Access::topic(Op::kDescribe), [&ctx](HttpRequest& req) {
        PartitionLookup l;
        if (auto error = lookup(ctx, req, l, true)) return *error;
        auto broker = v3::parse_int32(req.param("broker_id"));
        const auto& replicas = l.partition->replicas;
        if (!broker || std::find(replicas.begin(), replicas.end(), *broker) == replicas.end()) {
          return HttpResponse::error(
              404, 404,
              "Replica " + req.param("broker_id") + " of partition " + l.topic->name + "-" +
                  std::to_string(l.partition->partition) + " cannot be found.");
        }
        return HttpResponse::json(200,
                                  v3::replica_json(ctx, req, l.topic->name, *l.partition, *broker));
      });

  router.add_v3("GET", "/clusters/{cluster_id}/topics/-/partitions/-/reassignment",
                Access::cluster(Op::kDescribe), [&ctx](HttpRequest& req) {
                  if (auto error = check_cluster(ctx, req)) return *error;
                  return empty_reassignments(
                      req, v3::cluster_path(ctx) + "/topics/-/partitions/-/reassignment");
                });
  router.add_v3("GET", topic + "/partitions/-/reassignment", Access::cluster(Op::kDescribe),
                [&ctx](HttpRequest& req) {
                  PartitionLookup l;
                  if (auto error = lookup(ctx, req, l, false)) return *error;
                  return empty_reassignments(
                      req, v3::topic_path(ctx, l.topic->name) + "/partitions/-/reassignment");
                });
  router.add_v3("GET", topic + "/partitions/{partition_id}/reassignment",
                Access::cluster(Op::kDescribe), [&ctx](HttpRequest& req) {
                  PartitionLookup l;
                  if (auto error = lookup(ctx, req, l, true)) return *error;
                  return HttpResponse::error(404, 404,
                                             "No reassignment is in progress for partition " +
                                                 l.topic->name + "-" +
                                                 std::to_string(l.partition->partition) + ".");
                });
}

}  // namespace samsa::admin_http
