#include "protocol/error_codes.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_partitions_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"

namespace samsa::server {

asio::awaitable<void> handle_create_partitions(RequestContext& ctx) {
  protocol::CreatePartitionsRequest request;
  request.decode(ctx.body, ctx.version());
  using Response = protocol::CreatePartitionsResponse;
  Response response;

  std::vector<std::pair<std::string, int32_t>> counts;
  TopicResults results;
  for (const auto& t : request.topics) {
    if (!topic_allowed(ctx, security::AclOperation::kAlter, t.name)) {
      cluster::TopicResult r;
      r.name = t.name;
      r.error_code = kTopicAuthorizationFailed;
      r.error_message = "The topic authorization failed.";
      results.push_back(std::move(r));
      continue;
    }
    if (t.assignments && !t.assignments->empty()) {
      // Manual placement of new partitions needs the reassignment work of the controller.
      cluster::TopicResult r;
      r.name = t.name;
      r.error_code = static_cast<int16_t>(protocol::ErrorCode::kInvalidReplicaAssignment);
      r.error_message = "Manual replica assignment for new partitions is not supported yet";
      results.push_back(std::move(r));
      continue;
    }
    counts.emplace_back(t.name, t.count);
  }
  if (!counts.empty()) {
    auto created = co_await await_callback<TopicResults>([&](TopicCallback done) {
      ctx.services.topics.create_partitions(std::move(counts), request.validate_only,
                                            std::move(done));
    });
    results.insert(results.end(), created.begin(), created.end());
  }
  for (const auto& r : results) {
    // validate_only changes nothing, so there is nothing to audit.
    if (!request.validate_only) {
      ctx.audit_change(audit_resource(security::ResourceType::kTopic, r.name), "CREATE_PARTITIONS",
                       r.error_code, r.error_message);
    }
    Response::CreatePartitionsTopicResult out;
    out.name = r.name;
    out.error_code = r.error_code;
    if (!r.error_message.empty()) out.error_message = r.error_message;
    response.results.push_back(std::move(out));
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
