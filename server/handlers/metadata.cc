#include <set>

#include "protocol/error_codes.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/metadata_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"

namespace samsa::server {
namespace {

using Response = protocol::MetadataResponse;

Response::MetadataResponseTopic describe_topic(const cluster::TopicState& topic) {
  Response::MetadataResponseTopic t;
  t.name = topic.name;
  t.topic_id = topic.id;
  t.is_internal = topic.internal;
  for (const auto& p : topic.partitions) {
    Response::MetadataResponsePartition out;
    out.partition_index = p.partition;
    out.leader_id = p.leader;
    out.leader_epoch = p.leader_epoch;
    out.replica_nodes = p.replicas;
    out.isr_nodes = p.isr;
    if (p.leader < 0)
      out.error_code = static_cast<int16_t>(protocol::ErrorCode::kLeaderNotAvailable);
    t.partitions.push_back(std::move(out));
  }
  return t;
}

Response::MetadataResponseTopic topic_error(std::optional<std::string> name, protocol::Uuid id,
                                            int16_t error) {
  Response::MetadataResponseTopic t;
  t.name = std::move(name);
  t.topic_id = id;
  t.error_code = error;
  return t;
}

}  // namespace

asio::awaitable<void> handle_metadata(RequestContext& ctx) {
  protocol::MetadataRequest request;
  request.decode(ctx.body, ctx.version());
  auto& topics = ctx.services.topics;
  auto image = topics.image();

  // v0: an empty list means every topic; v1+: null means every topic and empty means none.
  const bool all_topics =
      !request.topics.has_value() || (ctx.version() == 0 && request.topics->empty());
  const bool may_create =
      (ctx.version() < 4 || request.allow_auto_topic_creation) && topics.auto_create_enabled();

  using security::AclOperation;
  std::map<std::string, int16_t> creation_errors;
  if (!all_topics && may_create) {
    // Only topics the caller may see are created, and only with CREATE on the cluster or topic.
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (const auto& t : *request.topics) {
      if (t.name && image->topic(*t.name) == nullptr && seen.insert(*t.name).second &&
          topic_allowed(ctx, AclOperation::kDescribe, *t.name)) {
        if (may_create_topic(ctx, *t.name)) {
          missing.push_back(*t.name);
        } else {
          creation_errors[*t.name] = kTopicAuthorizationFailed;
        }
      }
    }
    if (!missing.empty()) {
      auto results = co_await await_callback<TopicResults>(
          [&](TopicCallback done) { topics.auto_create(std::move(missing), std::move(done)); });
      for (const auto& r : results) {
        // A concurrent creator winning the race is not an error for the client.
        if (r.error_code != 0 &&
            r.error_code != static_cast<int16_t>(protocol::ErrorCode::kTopicAlreadyExists)) {
          creation_errors[r.name] = r.error_code;
        }
      }
      image = topics.image();
    }
  }

  Response response;
  for (const auto& [id, broker] : image->brokers()) {
    if (broker.fenced) continue;
    const auto address = broker.address_for(ctx.session.listener);
    if (!address) continue;
    Response::MetadataResponseBroker b;
    b.node_id = id;
    b.host = address->first;
    b.port = address->second;
    b.rack = broker.rack;
    response.brokers.push_back(std::move(b));
  }
  response.cluster_id = image->cluster_id();
  response.controller_id = image->controller_id();

  const bool topic_ops = ctx.version() >= 8 && request.include_topic_authorized_operations;
  auto add_topic = [&](const cluster::TopicState& topic) {
    response.topics.push_back(describe_topic(topic));
    if (topic_ops) {
      response.topics.back().topic_authorized_operations =
          authorized_ops(ctx, security::ResourceType::kTopic, topic.name);
    }
  };
  if (ctx.version() >= 8 && ctx.version() <= 10 && request.include_cluster_authorized_operations) {
    response.cluster_authorized_operations =
        cluster_allowed(ctx, AclOperation::kDescribe)
            ? authorized_ops(ctx, security::ResourceType::kCluster, security::kClusterResourceName)
            : 0;
  }
  if (all_topics) {
    // Topics the caller may not describe are left out silently.
    for (const auto& [name, topic] : image->topics()) {
      if (topic_allowed(ctx, AclOperation::kDescribe, name)) add_topic(*topic);
    }
  } else {
    for (const auto& requested : *request.topics) {
      const cluster::TopicState* topic = nullptr;
      if (requested.name) {
        topic = image->topic(*requested.name);
      } else {
        topic = image->topic_by_id(requested.topic_id);
      }
      // Authorization before existence: a named topic the caller may not describe fails with
      // a zero id whether it exists or not; an id lookup fails with a null name.
      if (requested.name && !topic_allowed(ctx, AclOperation::kDescribe, *requested.name)) {
        response.topics.push_back(
            topic_error(requested.name, protocol::Uuid{}, kTopicAuthorizationFailed));
        continue;
      }
      if (topic != nullptr && !requested.name &&
          !topic_allowed(ctx, AclOperation::kDescribe, topic->name)) {
        response.topics.push_back(
            topic_error(std::nullopt, requested.topic_id, kTopicAuthorizationFailed));
        continue;
      }
      if (topic != nullptr) {
        add_topic(*topic);
        continue;
      }
      int16_t error =
          static_cast<int16_t>(requested.name ? protocol::ErrorCode::kUnknownTopicOrPartition
                                              : protocol::ErrorCode::kUnknownTopicId);
      if (requested.name) {
        auto it = creation_errors.find(*requested.name);
        if (it != creation_errors.end()) error = it->second;
      }
      response.topics.push_back(topic_error(requested.name, requested.topic_id, error));
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
