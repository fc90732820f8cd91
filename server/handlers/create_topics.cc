#include <set>

#include "protocol/error_codes.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/config_service.h"

namespace samsa::server {

asio::awaitable<void> handle_create_topics(RequestContext& ctx) {
  protocol::CreateTopicsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::CreateTopicsResponse;
  Response response;

  // A name given twice in one request is refused for both, as Kafka does.
  std::map<std::string, int> counts;
  for (const auto& t : request.topics) counts[t.name]++;
  std::vector<cluster::CreateTopicRequest> topics;
  std::map<std::string, std::map<std::string, std::string>> overrides;
  TopicResults denied;
  for (const auto& t : request.topics) {
    if (counts[t.name] > 1) continue;
    if (!may_create_topic(ctx, t.name)) {
      cluster::TopicResult r;
      r.name = t.name;
      r.error_code = kTopicAuthorizationFailed;
      r.error_message = "Authorization failed.";
      denied.push_back(std::move(r));
      continue;
    }
    cluster::CreateTopicRequest c;
    c.name = t.name;
    c.num_partitions = t.num_partitions;
    c.replication_factor = t.replication_factor;
    for (const auto& a : t.assignments) c.assignments[a.partition_index] = a.broker_ids;
    for (const auto& cfg : t.configs) {
      if (cfg.value) c.configs[cfg.name] = *cfg.value;
    }
    overrides[c.name] = c.configs;
    topics.push_back(std::move(c));
  }
  TopicResults results;
  if (!topics.empty()) {
    results = co_await await_callback<TopicResults>([&](TopicCallback done) {
      ctx.services.topics.create_topics(std::move(topics), request.validate_only, std::move(done));
    });
  }
  results.insert(results.end(), denied.begin(), denied.end());
  for (const auto& [name, count] : counts) {
    if (count < 2) continue;
    cluster::TopicResult dup;
    dup.name = name;
    dup.error_code = static_cast<int16_t>(protocol::ErrorCode::kInvalidRequest);
    dup.error_message = "Create topics request from client contains a duplicate topic: " + name;
    results.push_back(std::move(dup));
  }
  // validate_only changes nothing, so there is nothing to audit.
  if (!request.validate_only) {
    for (const auto& r : results) {
      ctx.audit_change(audit_resource(security::ResourceType::kTopic, r.name), "CREATE",
                       r.error_code, r.error_message);
    }
  }
  for (const auto& r : results) {
    Response::CreatableTopicResult out;
    out.name = r.name;
    out.topic_id = r.id;
    out.error_code = r.error_code;
    // Kafka sends null, not "", when there is no error.
    out.error_message =
        r.error_message.empty() ? std::nullopt : std::optional<std::string>(r.error_message);
    out.num_partitions = r.num_partitions;
    out.replication_factor = r.replication_factor;
    // v5+ answers with the topic's effective configs.
    // ...only to callers with DESCRIBE_CONFIGS on the topic (else topicConfigErrorCode says why).
    const bool show_configs = r.error_code == 0 && ctx.version() >= 5 &&
                              topic_allowed(ctx, security::AclOperation::kDescribeConfigs, r.name);
    if (r.error_code == 0 && ctx.version() >= 5 && !show_configs) {
      out.topic_config_error_code = kTopicAuthorizationFailed;
    }
    if (show_configs && ctx.services.configs != nullptr) {
      cluster::TopicState effective;
      if (auto it = overrides.find(r.name); it != overrides.end()) effective.configs = it->second;
      out.configs.emplace();
      for (auto& c :
           ctx.services.configs->describe_topic(*ctx.services.topics.image(), &effective)) {
        Response::CreatableTopicConfigs cfg;
        cfg.name = std::move(c.name);
        cfg.value = std::move(c.value);
        cfg.read_only = c.read_only;
        cfg.config_source = static_cast<int8_t>(c.source);
        cfg.is_sensitive = c.sensitive;
        out.configs->push_back(std::move(cfg));
      }
    }
    response.topics.push_back(std::move(out));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
