#include "protocol/error_codes.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::OffsetCommitResponse;

// Kafka's offset.metadata.max.bytes default; not configurable here yet.
constexpr size_t kMaxMetadataBytes = 4096;

}  // namespace

asio::awaitable<void> handle_offset_commit(RequestContext& ctx) {
  protocol::OffsetCommitRequest request;
  request.decode(ctx.body, ctx.version());
  auto image = ctx.services.topics.image();

  group::CommitParams params;
  params.group_id = request.group_id;
  params.member_id = request.member_id;
  params.group_instance_id = request.group_instance_id;
  params.generation = request.generation_id_or_member_epoch;
  // The response mirrors the request; entries that pass local checks get the coordinator's answer.
  Response response;
  std::vector<int16_t*> pending;
  // READ on the group fails every partition when missing; READ on each topic before existence.
  const bool group_ok = group_allowed(ctx, security::AclOperation::kRead, request.group_id);
  for (const auto& topic : request.topics) {
    Response::OffsetCommitResponseTopic out_topic;
    out_topic.name = topic.name;
    const auto* state = image->topic(topic.name);
    const bool topic_ok = topic_allowed(ctx, security::AclOperation::kRead, topic.name);
    for (const auto& p : topic.partitions) {
      Response::OffsetCommitResponsePartition out;
      out.partition_index = p.partition_index;
      if (!group_ok) {
        out.error_code = kGroupAuthorizationFailed;
      } else if (!topic_ok) {
        out.error_code = kTopicAuthorizationFailed;
      } else if (state == nullptr || p.partition_index < 0 ||
                 p.partition_index >= static_cast<int32_t>(state->partitions.size())) {
        out.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
      } else if (p.committed_metadata && p.committed_metadata->size() > kMaxMetadataBytes) {
        out.error_code = static_cast<int16_t>(ErrorCode::kOffsetMetadataTooLarge);
      } else {
        out.error_code = -2;  // placeholder, filled below
        group::CommitEntry e;
        e.topic = topic.name;
        e.partition = p.partition_index;
        e.offset.offset = p.committed_offset;
        e.offset.leader_epoch = p.committed_leader_epoch;
        e.offset.metadata = p.committed_metadata.value_or("");
        e.offset.commit_timestamp = p.commit_timestamp;
        params.entries.push_back(std::move(e));
      }
      out_topic.partitions.push_back(out);
    }
    response.topics.push_back(std::move(out_topic));
  }
  for (auto& t : response.topics) {
    for (auto& p : t.partitions) {
      if (p.error_code == -2) pending.push_back(&p.error_code);
    }
  }
  if (!pending.empty()) {
    auto* groups = ctx.services.groups;
    auto errors = co_await await_callback<std::vector<int16_t>>(
        [&](auto done) { groups->commit_offsets(std::move(params), std::move(done)); });
    for (size_t i = 0; i < pending.size(); ++i) {
      *pending[i] =
          i < errors.size() ? errors[i] : static_cast<int16_t>(ErrorCode::kUnknownServerError);
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
