#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_delete_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {

asio::awaitable<void> handle_offset_delete(RequestContext& ctx) {
  protocol::OffsetDeleteRequest request;
  request.decode(ctx.body, ctx.version());
  std::vector<group::TopicPartitionKey> partitions;
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) partitions.emplace_back(t.name, p.partition_index);
  }
  auto* groups = ctx.services.groups;
  auto result = co_await await_callback<group::OffsetDeleteResult>(
      [&](auto done) { groups->delete_offsets(request.group_id, partitions, std::move(done)); });
  protocol::OffsetDeleteResponse response;
  response.error_code = result.error;
  if (result.error == 0) {
    size_t i = 0;
    for (const auto& t : request.topics) {
      protocol::OffsetDeleteResponse::OffsetDeleteResponseTopic topic;
      topic.name = t.name;
      for (const auto& p : t.partitions) {
        protocol::OffsetDeleteResponse::OffsetDeleteResponsePartition out;
        out.partition_index = p.partition_index;
        out.error_code = i < result.partition_errors.size() ? result.partition_errors[i] : 0;
        ++i;
        topic.partitions.push_back(out);
      }
      response.topics.push_back(std::move(topic));
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
