#pragma once
// Lookups and JSON renderers shared by the v3 cluster, broker, topic and partition route files:
// every family links to the others (a partition's leader is a replica, a broker lists its
// partition replicas), so the shapes are built in one place.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "admin-http/admin_context.h"
#include "admin-http/http_types.h"
#include "cluster/metadata_image.h"

namespace samsa::admin_http::v3 {

// "/clusters/<id>" and below, relative to the v3 prefix.
std::string cluster_path(const AdminContext& ctx);
std::string topic_path(const AdminContext& ctx, const std::string& topic);
std::string partition_path(const AdminContext& ctx, const std::string& topic, int32_t partition);

// A decimal int32 path parameter; nullopt for anything else (signs, spaces, overflow).
std::optional<int32_t> parse_int32(const std::string& text);

// The topic named by the request's {topic_name}: null with `error` set to 404/40403 if unknown.
const cluster::TopicState* find_topic(const cluster::MetadataImage& image, const HttpRequest& req,
                                      HttpResponse& error);
// The partition named by {partition_id}: null with `error` set to 404/40402 if the topic has none.
const cluster::PartitionState* find_partition(const cluster::TopicState& topic,
                                              const HttpRequest& req, HttpResponse& error);

nlohmann::json broker_json(const AdminContext& ctx, const HttpRequest& req,
                           const cluster::BrokerRegistration& broker);
nlohmann::json topic_json(const AdminContext& ctx, const HttpRequest& req,
                          const cluster::TopicState& topic);
// A topic that is not (yet) in the image, e.g. the answer to a validate_only create.
nlohmann::json topic_json(const AdminContext& ctx, const HttpRequest& req, const std::string& name,
                          int32_t partitions, int32_t replication_factor, bool internal);
nlohmann::json partition_json(const AdminContext& ctx, const HttpRequest& req,
                              const std::string& topic, const cluster::PartitionState& p);
nlohmann::json replica_json(const AdminContext& ctx, const HttpRequest& req,
                            const std::string& topic, const cluster::PartitionState& p,
                            int32_t broker_id);

// 500/50003: the controller or a service did not answer in time (retriable: Terraform retries 5xx).
HttpResponse service_timeout(const std::string& what);

}  // namespace samsa::admin_http::v3
