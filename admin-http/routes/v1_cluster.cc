// GET /v1/cluster/health_overview: one answer to "is the cluster healthy, and if not, why", in
// the shape of Redpanda's health overview (our own /v1 extension; documented in 30-v1.json).
// Computed from the metadata image: the controller, fenced brokers, partitions without a live
// leader and partitions whose ISR is smaller than their replica set.
// GET /v1/log-dirs: this broker's log dirs as Kafka's DescribeLogDirs reports them
// (32-v1-log-dirs).
#include "admin-http/routes/routes.h"
#include "cluster/metadata_image.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

// Lists are truncated (the counts are not) so a sick cluster with 100k partitions still answers.
constexpr size_t kMaxListed = 128;

nlohmann::json health_overview(const AdminContext& ctx) {
  auto image = ctx.topics->image();
  nlohmann::json all_nodes = nlohmann::json::array();
  nlohmann::json nodes_down = nlohmann::json::array();
  for (const auto& [id, b] : image->brokers()) {
    all_nodes.push_back(id);
    if (b.fenced) nodes_down.push_back(id);
  }
  auto live = [&](int32_t id) {
    const auto* b = image->broker(id);
    return b != nullptr && !b->fenced;
  };
  nlohmann::json leaderless = nlohmann::json::array();
  nlohmann::json under_replicated = nlohmann::json::array();
  int64_t leaderless_count = 0;
  int64_t under_replicated_count = 0;
  for (const auto& [name, topic] : image->topics()) {
    for (const auto& p : topic->partitions) {
      nlohmann::json tp{{"topic", name}, {"partition", p.partition}};
      if (p.leader < 0 || !live(p.leader)) {
        if (++leaderless_count <= static_cast<int64_t>(kMaxListed)) leaderless.push_back(tp);
      } else if (p.isr.size() < p.replicas.size()) {
        if (++under_replicated_count <= static_cast<int64_t>(kMaxListed)) {
          under_replicated.push_back(tp);
        }
      }
    }
  }
  // This broker's log dirs taken offline by a failed write or fsync (other brokers report theirs).
  nlohmann::json offline_dirs = nlohmann::json::array();
  if (ctx.partitions != nullptr) {
    for (const auto& d : ctx.partitions->describe_log_dirs())
      if (!d.offline_error.empty())
        offline_dirs.push_back({{"log_dir", d.dir.string()}, {"error", d.offline_error}});
  }
  nlohmann::json reasons = nlohmann::json::array();
  const int32_t controller = image->controller_id();
  if (controller < 0) reasons.push_back("no_elected_controller");
  if (!nodes_down.empty()) reasons.push_back("nodes_down");
  if (leaderless_count > 0) reasons.push_back("leaderless_partitions");
  if (under_replicated_count > 0) reasons.push_back("under_replicated_partitions");
  if (!offline_dirs.empty()) reasons.push_back("offline_log_dirs");
  return nlohmann::json{{"is_healthy", reasons.empty()},
                        {"unhealthy_reasons", reasons},
                        {"controller_id", controller},
                        {"all_nodes", all_nodes},
                        {"nodes_down", nodes_down},
                        {"leaderless_partitions", leaderless},
                        {"leaderless_count", leaderless_count},
                        {"under_replicated_partitions", under_replicated},
                        {"under_replicated_count", under_replicated_count},
                        {"offline_log_dirs", offline_dirs}};
}

nlohmann::json log_dirs(const AdminContext& ctx) {
  nlohmann::json dirs = nlohmann::json::array();
  if (ctx.partitions != nullptr) {
    for (const auto& d : ctx.partitions->describe_log_dirs()) {
      nlohmann::json partitions = nlohmann::json::array();
      for (const auto& [tp, size] : d.partitions) {
        partitions.push_back(
            {{"topic", tp.topic}, {"partition", tp.partition}, {"size_bytes", size}});
      }
      dirs.push_back(
          {{"log_dir", d.dir.string()},
           {"error", d.offline_error.empty() ? nlohmann::json() : nlohmann::json(d.offline_error)},
           {"total_bytes", d.total_bytes},
           {"usable_bytes", d.usable_bytes},
           {"partitions", std::move(partitions)}});
    }
  }
  return {{"broker_id", ctx.node_id}, {"log_dirs", std::move(dirs)}};
}

}  // namespace

void register_v1_cluster_routes(Router& router, AdminContext& ctx) {
  router.add("GET", "/v1/cluster/health_overview", Access::cluster(Op::kDescribe),
             [&ctx](HttpRequest&) { return HttpResponse::json(200, health_overview(ctx)); });
  // Kafka's DescribeLogDirs needs DESCRIBE on the cluster.
  router.add("GET", "/v1/log-dirs", Access::cluster(Op::kDescribe),
             [&ctx](HttpRequest&) { return HttpResponse::json(200, log_dirs(ctx)); });
}

}  // namespace samsa::admin_http
