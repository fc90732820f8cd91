#include "admin-http/routes/v3_resources.h"

#include <algorithm>
#include <charconv>

#include "admin-http/v3_support.h"

namespace samsa::admin_http::v3 {

std::string cluster_path(const AdminContext& ctx) {
  return "/clusters/" + ctx.cluster_id;
}

std::string topic_path(const AdminContext& ctx, const std::string& topic) {
  return cluster_path(ctx) + "/topics/" + topic;
}

std::string partition_path(const AdminContext& ctx, const std::string& topic, int32_t partition) {
  return topic_path(ctx, topic) + "/partitions/" + std::to_string(partition);
}

std::optional<int32_t> parse_int32(const std::string& text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

const cluster::TopicState* find_topic(const cluster::MetadataImage& image, const HttpRequest& req,
                                      HttpResponse& error) {
  const cluster::TopicState* topic = image.topic(req.param("topic_name"));
  if (!topic) {
    // kafka-rest answers UnknownTopicOrPartitionException with Kafka's own message.
    error = HttpResponse::error(404, 40403, "This server does not host this topic-partition.");
  }
  return topic;
}

const cluster::PartitionState* find_partition(const cluster::TopicState& topic,
                                              const HttpRequest& req, HttpResponse& error) {
  auto id = parse_int32(req.param("partition_id"));
  if (!id || static_cast<size_t>(*id) >= topic.partitions.size()) {
    error = HttpResponse::error(404, 40402, "Partition not found.");
    return nullptr;
  }
  return &topic.partitions[static_cast<size_t>(*id)];
}

nlohmann::json broker_json(const AdminContext& ctx, const HttpRequest& req,
                           const cluster::BrokerRegistration& broker) {
  const std::string path = cluster_path(ctx) + "/brokers/" + std::to_string(broker.id);
  auto out = resource_envelope("KafkaBroker", v3_url(req, path),
                               crn(ctx.cluster_id, "/broker=" + std::to_string(broker.id)));
  out["cluster_id"] = ctx.cluster_id;
  out["broker_id"] = broker.id;
  out["host"] = broker.host;
  out["port"] = broker.port;
  out["rack"] = broker.rack ? nlohmann::json(*broker.rack) : nlohmann::json();
  out["configs"] = related(v3_url(req, path + "/configs"));
  out["partition_replicas"] = related(v3_url(req, path + "/partition-replicas"));
  return out;
}

nlohmann::json topic_json(const AdminContext& ctx, const HttpRequest& req, const std::string& name,
                          int32_t partitions, int32_t replication_factor, bool internal) {
  const std::string path = topic_path(ctx, name);
  auto out =
      resource_envelope("KafkaTopic", v3_url(req, path), crn(ctx.cluster_id, "/topic=" + name));
  out["cluster_id"] = ctx.cluster_id;
  out["topic_name"] = name;
  out["is_internal"] = internal;
  out["replication_factor"] = replication_factor;
  out["partitions_count"] = partitions;
  out["partitions"] = related(v3_url(req, path + "/partitions"));
  out["configs"] = related(v3_url(req, path + "/configs"));
  out["partition_reassignments"] = related(v3_url(req, path + "/partitions/-/reassignment"));
  return out;
}

nlohmann::json topic_json(const AdminContext& ctx, const HttpRequest& req,
                          const cluster::TopicState& topic) {
  // Every partition has the same replica count (the controller refuses uneven assignments).
  const int32_t rf =
      topic.partitions.empty() ? 0 : static_cast<int32_t>(topic.partitions.front().replicas.size());
  return topic_json(ctx, req, topic.name, static_cast<int32_t>(topic.partitions.size()), rf,
                    topic.internal);
}

nlohmann::json partition_json(const AdminContext& ctx, const HttpRequest& req,
                              const std::string& topic, const cluster::PartitionState& p) {
  const std::string path = partition_path(ctx, topic, p.partition);
  auto out = resource_envelope(
      "KafkaPartition", v3_url(req, path),
      crn(ctx.cluster_id, "/topic=" + topic + "/partition=" + std::to_string(p.partition)));
  out["cluster_id"] = ctx.cluster_id;
  out["topic_name"] = topic;
  out["partition_id"] = p.partition;
  // No leader (offline partition): kafka-rest leaves the link out.
  if (p.leader >= 0) {
    out["leader"] = related(v3_url(req, path + "/replicas/" + std::to_string(p.leader)));
  }
  out["replicas"] = related(v3_url(req, path + "/replicas"));
  out["reassignment"] = related(v3_url(req, path + "/reassignment"));
  return out;
}

nlohmann::json replica_json(const AdminContext& ctx, const HttpRequest& req,
                            const std::string& topic, const cluster::PartitionState& p,
                            int32_t broker_id) {
  const std::string path =
      partition_path(ctx, topic, p.partition) + "/replicas/" + std::to_string(broker_id);
  auto out = resource_envelope(
      "KafkaReplica", v3_url(req, path),
      crn(ctx.cluster_id, "/topic=" + topic + "/partition=" + std::to_string(p.partition) +
                              "/replica=" + std::to_string(broker_id)));
  out["cluster_id"] = ctx.cluster_id;
  out["topic_name"] = topic;
  out["partition_id"] = p.partition;
  out["broker_id"] = broker_id;
  out["is_leader"] = p.leader == broker_id;
  out["is_in_sync"] = std::find(p.isr.begin(), p.isr.end(), broker_id) != p.isr.end();
  out["broker"] = related(v3_url(req, cluster_path(ctx) + "/brokers/" + std::to_string(broker_id)));
  return out;
}

HttpResponse service_timeout(const std::string& what) {
  return HttpResponse::error(500, 50003, what + " did not complete in time; retry");
}

}  // namespace samsa::admin_http::v3
