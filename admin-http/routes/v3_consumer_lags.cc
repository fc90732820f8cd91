// Confluent v3 consumer lag: per partition and summarised per group. Lag is the committed offset's
// distance to the high watermark for every partition with a committed offset (kafka-rest's
// ConsumerLagManagerImpl rule), attributed to the member assigned the partition, if any.
#include "admin-http/group_view.h"
#include "admin-http/routes/routes.h"
#include "admin-http/routes/v3_resources.h"
#include "admin-http/v3_support.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

std::string group_path(const AdminContext& ctx, const std::string& group) {
  return v3::cluster_path(ctx) + "/consumer-groups/" + group;
}

nlohmann::json nullable(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json();
}

nlohmann::json lag_json(const AdminContext& ctx, const HttpRequest& req, const std::string& group,
                        const LagView& l) {
  const std::string path =
      group_path(ctx, group) + "/lags/" + l.topic + "/partitions/" + std::to_string(l.partition);
  auto out =
      resource_envelope("KafkaConsumerLag", v3_url(req, path),
                        crn(ctx.cluster_id, "/consumer-group=" + group + "/lag=" + l.topic +
                                                "/partition=" + std::to_string(l.partition)));
  out["cluster_id"] = ctx.cluster_id;
  out["consumer_group_id"] = group;
  out["topic_name"] = l.topic;
  out["partition_id"] = l.partition;
  out["current_offset"] = l.current_offset;
  out["log_end_offset"] = l.log_end_offset;
  out["lag"] = l.lag;
  out["consumer_id"] = l.consumer_id;
  out["instance_id"] = nullable(l.instance_id);
  out["client_id"] = l.client_id;
  return out;
}

nlohmann::json summary_json(const AdminContext& ctx, const HttpRequest& req,
                            const std::string& group, const std::vector<LagView>& lags) {
  const std::string path = group_path(ctx, group) + "/lag-summary";
  auto out = resource_envelope("KafkaConsumerGroupLagSummary", v3_url(req, path),
                               crn(ctx.cluster_id, "/consumer-group=" + group + "/lag-summary"));
  const LagView* max = nullptr;
  int64_t total = 0;
  for (const auto& l : lags) {
    total += l.lag;
    if (max == nullptr || l.lag > max->lag) max = &l;
  }
  // A group without committed offsets has no lag: zeros and empty names, as kafka-rest's
  // defaults, with links to the group itself.
  const LagView none{};
  const LagView& m = max ? *max : none;
  out["cluster_id"] = ctx.cluster_id;
  out["consumer_group_id"] = group;
  out["max_lag_consumer_id"] = m.consumer_id;
  out["max_lag_instance_id"] = nullable(m.instance_id);
  out["max_lag_client_id"] = m.client_id;
  out["max_lag_topic_name"] = m.topic;
  out["max_lag_partition_id"] = max ? m.partition : 0;
  out["max_lag"] = m.lag;
  out["total_lag"] = total;
  out["max_lag_consumer"] = related(
      v3_url(req, m.consumer_id.empty() ? group_path(ctx, group) + "/consumers"
                                        : group_path(ctx, group) + "/consumers/" + m.consumer_id));
  out["max_lag_partition"] = related(v3_url(req, max ? v3::partition_path(ctx, m.topic, m.partition)
                                                     : v3::cluster_path(ctx) + "/topics"));
  return out;
}

}  // namespace

void register_v3_consumer_lag_routes(Router& router, AdminContext& ctx) {
  const std::string base = "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}";
  router.add_v3("GET", base + "/lags", Access::group(Op::kDescribe), [&ctx](HttpRequest& req) {
    if (auto bad = check_cluster(ctx, req)) return *bad;
    auto load = load_group(ctx, req.param("consumer_group_id"), true);
    if (load.error) return *load.error;
    const auto& group = load.group->group_id;
    nlohmann::json data = nlohmann::json::array();
    for (const auto& l : load.group->lags(ctx)) data.push_back(lag_json(ctx, req, group, l));
    return HttpResponse::json(
        200, collection_envelope("KafkaConsumerLagList",
                                 v3_url(req, group_path(ctx, group) + "/lags"), data));
  });
  router.add_v3(
      "GET", base + "/lags/{topic_name}/partitions/{partition_id}", Access::group(Op::kDescribe),
      [&ctx](HttpRequest& req) {
        if (auto bad = check_cluster(ctx, req)) return *bad;
        auto load = load_group(ctx, req.param("consumer_group_id"), true);
        if (load.error) return *load.error;
        auto partition = v3::parse_int32(req.param("partition_id"));
        for (const auto& l : load.group->lags(ctx)) {
          if (partition && l.topic == req.param("topic_name") && l.partition == *partition) {
            return HttpResponse::json(200, lag_json(ctx, req, load.group->group_id, l));
          }
        }
        return HttpResponse::error(404, 404,
                                   "Consumer lag not found: the group has no committed offset for "
                                   "this topic-partition.");
      });
  router.add_v3("GET", base + "/lag-summary", Access::group(Op::kDescribe),
                [&ctx](HttpRequest& req) {
                  if (auto bad = check_cluster(ctx, req)) return *bad;
                  auto load = load_group(ctx, req.param("consumer_group_id"), true);
                  if (load.error) return *load.error;
                  return HttpResponse::json(
                      200, summary_json(ctx, req, load.group->group_id, load.group->lags(ctx)));
                });
}

}  // namespace samsa::admin_http
