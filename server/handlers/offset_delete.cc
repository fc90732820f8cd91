#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_delete_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_offset_delete(RequestContext& ctx) {
  protocol::OffsetDeleteRequest request;
  request.decode(ctx.body, ctx.version());
  if (!group_allowed(ctx, security::AclOperation::kDelete, request.group_id)) {
    protocol::OffsetDeleteResponse denied;
    denied.error_code = kGroupAuthorizationFailed;
    denied.encode(ctx.response, ctx.version());
    co_return;
  }
  // Only topics the caller may READ are deleted; the others answer TOPIC_AUTHORIZATION_FAILED.
  std::vector<group::TopicPartitionKey> partitions;
  std::vector<char> readable;
  for (const auto& t : request.topics) {
    readable.push_back(topic_allowed(ctx, security::AclOperation::kRead, t.name));
    if (!readable.back()) continue;
    for (const auto& p : t.partitions) partitions.emplace_back(t.name, p.partition_index);
  }
  auto* groups = ctx.services.groups;
  auto result = co_await await_callback<group::OffsetDeleteResult>(
      [&](auto done) { groups->delete_offsets(request.group_id, partitions, std::move(done)); });
  protocol::OffsetDeleteResponse response;
  response.error_code = result.error;
  // A group-level error fails the whole request: one line for the group. Otherwise one line per
  // partition whose committed offset was to be deleted ("GROUP:g1:TOPIC:orders:0").
  const std::string group_resource =
      audit_resource(security::ResourceType::kGroup, request.group_id);
  if (result.error != 0) ctx.audit_change(group_resource, "DELETE_OFFSETS", result.error);
  if (result.error == 0) {
    size_t i = 0;
    for (size_t ti = 0; ti < request.topics.size(); ++ti) {
      const auto& t = request.topics[ti];
      protocol::OffsetDeleteResponse::OffsetDeleteResponseTopic topic;
      topic.name = t.name;
      for (const auto& p : t.partitions) {
        protocol::OffsetDeleteResponse::OffsetDeleteResponsePartition out;
        out.partition_index = p.partition_index;
        if (!readable[ti]) {
          out.error_code = kTopicAuthorizationFailed;
        } else {
          out.error_code = i < result.partition_errors.size() ? result.partition_errors[i] : 0;
          ctx.audit_change(group_resource + ":" +
                               audit_resource(security::ResourceType::kTopic, t.name) + ":" +
                               std::to_string(p.partition_index),
                           "DELETE_OFFSETS", out.error_code);
          ++i;
        }
        topic.partitions.push_back(out);
      }
      response.topics.push_back(std::move(topic));
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
