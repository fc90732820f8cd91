#include <set>

#include "protocol/error_codes.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/metadata_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"

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

  std::map<std::string, int16_t> creation_errors;
  if (!all_topics && may_create) {
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (const auto& t : *request.topics) {
      if (t.name && image->topic(*t.name) == nullptr && seen.insert(*t.name).second) {
        missing.push_back(*t.name);
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

  if (all_topics) {
    for (const auto& [name, topic] : image->topics())
      response.topics.push_back(describe_topic(*topic));
  } else {
    for (const auto& requested : *request.topics) {
      const cluster::TopicState* topic = nullptr;
      if (requested.name) {
        topic = image->topic(*requested.name);
      } else {
        topic = image->topic_by_id(requested.topic_id);
      }
      if (topic != nullptr) {
        response.topics.push_back(describe_topic(*topic));
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
