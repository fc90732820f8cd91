// Confluent v3 consumer groups: groups, their consumers and each consumer's assignments. Read-only
// views over the group coordinator (group_view.h); lags live in v3_consumer_lags.cc.
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

std::string consumer_path(const AdminContext& ctx, const std::string& group,
                          const std::string& consumer) {
  return group_path(ctx, group) + "/consumers/" + consumer;
}

nlohmann::json group_json(const AdminContext& ctx, const HttpRequest& req, const GroupView& g) {
  const std::string path = group_path(ctx, g.group_id);
  auto out = resource_envelope("KafkaConsumerGroup", v3_url(req, path),
                               crn(ctx.cluster_id, "/consumer-group=" + g.group_id));
  out["cluster_id"] = ctx.cluster_id;
  out["consumer_group_id"] = g.group_id;
  out["is_simple"] = g.is_simple();
  out["partition_assignor"] = g.protocol;
  out["state"] = rest_group_state(g.state);
  // Only the classic protocol exists here (no KIP-848 "consumer" groups yet).
  out["type"] = "CLASSIC";
  out["is_mixed_consumer_group"] = false;
  // A single coordinator: this broker leads every __consumer_offsets partition it hosts.
  out["coordinator"] =
      related(v3_url(req, v3::cluster_path(ctx) + "/brokers/" + std::to_string(ctx.node_id)));
  out["consumers"] = related(v3_url(req, path + "/consumers"));
  out["lag_summary"] = related(v3_url(req, path + "/lag-summary"));
  return out;
}

nlohmann::json consumer_json(const AdminContext& ctx, const HttpRequest& req,
                             const std::string& group, const MemberView& m) {
  const std::string path = consumer_path(ctx, group, m.consumer_id);
  auto out = resource_envelope(
      "KafkaConsumer", v3_url(req, path),
      crn(ctx.cluster_id, "/consumer-group=" + group + "/consumer=" + m.consumer_id));
  out["cluster_id"] = ctx.cluster_id;
  out["consumer_group_id"] = group;
  out["consumer_id"] = m.consumer_id;
  out["instance_id"] = m.instance_id ? nlohmann::json(*m.instance_id) : nlohmann::json();
  out["client_id"] = m.client_id;
  out["assignments"] = related(v3_url(req, path + "/assignments"));
  return out;
}

nlohmann::json assignment_json(const AdminContext& ctx, const HttpRequest& req,
                               const std::string& group, const MemberView& m,
                               const TopicPartitionKey& tp) {
  const std::string suffix = tp.first + "/partitions/" + std::to_string(tp.second);
  const std::string path = consumer_path(ctx, group, m.consumer_id) + "/assignments/" + suffix;
  auto out = resource_envelope("KafkaConsumerAssignment", v3_url(req, path),
                               crn(ctx.cluster_id, "/consumer-group=" + group + "/consumer=" +
                                                       m.consumer_id + "/assignment=" + tp.first +
                                                       "/partition=" + std::to_string(tp.second)));
  out["cluster_id"] = ctx.cluster_id;
  out["consumer_group_id"] = group;
  out["consumer_id"] = m.consumer_id;
  out["topic_name"] = tp.first;
  out["partition_id"] = tp.second;
  out["partition"] = related(v3_url(req, v3::partition_path(ctx, tp.first, tp.second)));
  out["lag"] = related(v3_url(req, group_path(ctx, group) + "/lags/" + suffix));
  return out;
}

HttpResponse consumer_not_found(const std::string& group, const std::string& consumer) {
  return HttpResponse::error(
      404, 404, "Consumer " + consumer + " not found in consumer group " + group + ".");
}

// The group (and consumer, when the path names one) or the error to answer with.
struct Target {
  GroupLoad load;
  const MemberView* member = nullptr;
  std::optional<HttpResponse> error;
};

Target resolve(AdminContext& ctx, const HttpRequest& req, bool want_member) {
  Target t;
  if (auto bad = check_cluster(ctx, req)) {
    t.error = std::move(bad);
    return t;
  }
  t.load = load_group(ctx, req.param("consumer_group_id"), false);
  if (t.load.error) {
    t.error = t.load.error;
    return t;
  }
  if (want_member) {
    t.member = t.load.group->member(req.param("consumer_id"));
    if (t.member == nullptr) {
      t.error = consumer_not_found(req.param("consumer_group_id"), req.param("consumer_id"));
    }
  }
  return t;
}

}  // namespace

void register_v3_consumer_group_routes(Router& router, AdminContext& ctx) {
  const std::string base = "/clusters/{cluster_id}/consumer-groups";
  router.add_v3("GET", base, Access::in_route(), [&ctx](HttpRequest& req) {
    if (auto bad = check_cluster(ctx, req)) return *bad;
    auto list = list_group_ids(ctx);
    if (list.error) return *list.error;
    nlohmann::json data = nlohmann::json::array();
    for (const auto& id : list.ids) {
      // ListGroups' rule: only the groups the caller may describe.
      if (!req.visible(Op::kDescribe, security::ResourceType::kGroup, id)) continue;
      auto load = load_group(ctx, id, false);
      // A group deleted between the list and the describe is simply no longer there.
      if (load.group) data.push_back(group_json(ctx, req, *load.group));
    }
    return HttpResponse::json(
        200, collection_envelope("KafkaConsumerGroupList",
                                 v3_url(req, v3::cluster_path(ctx) + "/consumer-groups"), data));
  });
  router.add_v3("GET", base + "/{consumer_group_id}", Access::group(Op::kDescribe),
                [&ctx](HttpRequest& req) {
                  auto t = resolve(ctx, req, false);
                  if (t.error) return *t.error;
                  return HttpResponse::json(200, group_json(ctx, req, *t.load.group));
                });
  router.add_v3("GET", base + "/{consumer_group_id}/consumers", Access::group(Op::kDescribe),
                [&ctx](HttpRequest& req) {
                  auto t = resolve(ctx, req, false);
                  if (t.error) return *t.error;
                  const auto& g = *t.load.group;
                  nlohmann::json data = nlohmann::json::array();
                  for (const auto& m : g.members)
                    data.push_back(consumer_json(ctx, req, g.group_id, m));
                  return HttpResponse::json(
                      200, collection_envelope(
                               "KafkaConsumerList",
                               v3_url(req, group_path(ctx, g.group_id) + "/consumers"), data));
                });
  router.add_v3("GET", base + "/{consumer_group_id}/consumers/{consumer_id}",
                Access::group(Op::kDescribe), [&ctx](HttpRequest& req) {
                  auto t = resolve(ctx, req, true);
                  if (t.error) return *t.error;
                  return HttpResponse::json(
                      200, consumer_json(ctx, req, t.load.group->group_id, *t.member));
                });
  router.add_v3(
      "GET", base + "/{consumer_group_id}/consumers/{consumer_id}/assignments",
      Access::group(Op::kDescribe), [&ctx](HttpRequest& req) {
        auto t = resolve(ctx, req, true);
        if (t.error) return *t.error;
        const auto& group = t.load.group->group_id;
        nlohmann::json data = nlohmann::json::array();
        for (const auto& tp : t.member->assignments) {
          data.push_back(assignment_json(ctx, req, group, *t.member, tp));
        }
        const std::string self = consumer_path(ctx, group, t.member->consumer_id) + "/assignments";
        return HttpResponse::json(
            200, collection_envelope("KafkaConsumerAssignmentList", v3_url(req, self), data));
      });
  router.add_v3(
      "GET",
      base +
          "/{consumer_group_id}/consumers/{consumer_id}/assignments/{topic_name}/partitions/"
          "{partition_id}",
      Access::group(Op::kDescribe), [&ctx](HttpRequest& req) {
        auto t = resolve(ctx, req, true);
        if (t.error) return *t.error;
        auto partition = v3::parse_int32(req.param("partition_id"));
        for (const auto& tp : t.member->assignments) {
          if (partition && tp.first == req.param("topic_name") && tp.second == *partition) {
            return HttpResponse::json(
                200, assignment_json(ctx, req, t.load.group->group_id, *t.member, tp));
          }
        }
        return HttpResponse::error(404, 404, "Consumer assignment not found.");
      });
}

}  // namespace samsa::admin_http
