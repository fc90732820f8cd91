#include "protocol/messages/delete_records_request.h"
#include "protocol/messages/delete_records_response.h"
#include "server/api_table.h"
#include "server/authz.h"
#include "server/partition_admin.h"

namespace samsa::server {

asio::awaitable<void> handle_delete_records(RequestContext& ctx) {
  using Response = protocol::DeleteRecordsResponse;
  protocol::DeleteRecordsRequest request;
  request.decode(ctx.body, ctx.version());
  auto image = ctx.services.topics.image();
  Response response;
  for (const auto& topic : request.topics) {
    Response::DeleteRecordsTopicResult topic_result;
    topic_result.name = topic.name;
    const bool may_delete = topic_allowed(ctx, security::AclOperation::kDelete, topic.name);
    for (const auto& p : topic.partitions) {
      if (!may_delete) {
        Response::DeleteRecordsPartitionResult denied;
        denied.partition_index = p.partition_index;
        denied.low_watermark = -1;
        denied.error_code = kTopicAuthorizationFailed;
        topic_result.partitions.push_back(std::move(denied));
        continue;
      }
      // The rules live in the service, shared with the admin HTTP API's records:delete.
      auto outcome = delete_records(ctx.services.topics, ctx.services.partitions, *image,
                                    topic.name, p.partition_index, p.offset);
      Response::DeleteRecordsPartitionResult out;
      out.partition_index = p.partition_index;
      out.error_code = outcome.error;
      out.low_watermark = outcome.low_watermark;
      ctx.audit_change(audit_resource(security::ResourceType::kTopic, topic.name) + ":" +
                           std::to_string(p.partition_index),
                       "DELETE_RECORDS", outcome.error);
      topic_result.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic_result));
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
