#include "cluster/metadata_image.h"
#include "protocol/error_codes.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"

namespace samsa::server {

asio::awaitable<void> handle_delete_topics(RequestContext& ctx) {
  protocol::DeleteTopicsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::DeleteTopicsResponse;
  auto& topics = ctx.services.topics;

  // v0-5 name topics; v6 names each topic either by name or by id.
  std::vector<std::string> names = request.topic_names;
  std::vector<cluster::Uuid> ids;
  for (const auto& t : request.topics) {
    if (t.name) {
      names.push_back(*t.name);
    } else {
      ids.push_back(t.topic_id);
    }
  }
  // DELETE on each topic, before existence. A topic named by id also needs DESCRIBE, or its
  // name stays hidden in the answer.
  TopicResults denied;
  {
    using security::AclOperation;
    auto deny = [&](std::string name, cluster::Uuid id) {
      cluster::TopicResult r;
      r.name = std::move(name);
      r.id = id;
      r.error_code = kTopicAuthorizationFailed;
      denied.push_back(std::move(r));
    };
    std::vector<std::string> kept_names;
    for (auto& n : names) {
      if (topic_allowed(ctx, AclOperation::kDelete, n)) {
        kept_names.push_back(std::move(n));
      } else {
        deny(n, cluster::Uuid{});
      }
    }
    names = std::move(kept_names);
    auto image = topics.image();
    std::vector<cluster::Uuid> kept_ids;
    for (const auto& id : ids) {
      const cluster::TopicState* t = image->topic_by_id(id);
      if (t == nullptr) {
        kept_ids.push_back(id);  // the controller answers UNKNOWN_TOPIC_ID
      } else if (!topic_allowed(ctx, AclOperation::kDescribe, t->name)) {
        deny("", id);
      } else if (!topic_allowed(ctx, AclOperation::kDelete, t->name)) {
        deny(t->name, id);
      } else {
        kept_ids.push_back(id);
      }
    }
    ids = std::move(kept_ids);
  }
  TopicResults results;
  if (!ctx.services.config.get_bool("delete.topic.enable")) {
    for (const auto& n : names) {
      cluster::TopicResult r;
      r.name = n;
      r.error_code = static_cast<int16_t>(protocol::ErrorCode::kTopicDeletionDisabled);
      results.push_back(std::move(r));
    }
  } else {
    if (!names.empty()) {
      results = co_await await_callback<TopicResults>(
          [&](TopicCallback done) { topics.delete_topics(std::move(names), std::move(done)); });
    }
    if (!ids.empty()) {
      auto by_id = co_await await_callback<TopicResults>(
          [&](TopicCallback done) { topics.delete_topics_by_id(std::move(ids), std::move(done)); });
      results.insert(results.end(), by_id.begin(), by_id.end());
    }
  }
  results.insert(results.end(), denied.begin(), denied.end());
  Response response;
  for (const auto& r : results) {
    // A topic named by an unknown id has no name; the id stands for it.
    ctx.audit_change(audit_resource(security::ResourceType::kTopic,
                                    r.name.empty() ? cluster::uuid_to_string(r.id) : r.name),
                     "DELETE", r.error_code, r.error_message);
    Response::DeletableTopicResult out;
    if (!r.name.empty()) out.name = r.name;
    out.topic_id = r.id;
    out.error_code = r.error_code;
    if (!r.error_message.empty()) out.error_message = r.error_message;
    response.responses.push_back(std::move(out));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
