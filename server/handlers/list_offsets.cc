#include "protocol/error_codes.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"
#include "server/api_table.h"
#include "server/authz.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::ListOffsetsResponse;

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;

}  // namespace

asio::awaitable<void> handle_list_offsets(RequestContext& ctx) {
  protocol::ListOffsetsRequest request;
  request.decode(ctx.body, ctx.version());
  auto image = ctx.services.topics.image();
  Response response;
  for (const auto& topic : request.topics) {
    Response::ListOffsetsTopicResponse topic_response;
    topic_response.name = topic.name;
    const bool may_describe = topic_allowed(ctx, security::AclOperation::kDescribe, topic.name);
    for (const auto& p : topic.partitions) {
      Response::ListOffsetsPartitionResponse out;
      out.partition_index = p.partition_index;
      if (!may_describe) {
        out.error_code = kTopicAuthorizationFailed;
        topic_response.partitions.push_back(std::move(out));
        continue;
      }
      auto partition = ctx.services.partitions.get_or_sync(*image, topic.name, p.partition_index);
      if (partition == nullptr) {
        out.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
      } else if (!partition->is_leader()) {
        out.error_code = static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower);
      } else if (partition->log().dir_offline()) {
        out.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
      } else {
        const auto& log = partition->log();
        out.leader_epoch = partition->leader_epoch();
        if (p.timestamp == kEarliest) {
          out.offset = log.log_start_offset();
        } else if (p.timestamp == kLatest) {
          // Consumers see up to the high watermark (= last stable offset without transactions).
          out.offset = partition->high_watermark();
        } else if (p.timestamp == kMaxTimestamp) {
          if (auto found = log.max_timestamp_offset()) {
            out.offset = found->first;
            out.timestamp = found->second;
          }
        } else if (p.timestamp < 0) {
          out.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
        } else if (auto found = log.offset_for_timestamp(p.timestamp);
                   found && found->first < partition->high_watermark()) {
          out.offset = found->first;
          out.timestamp = found->second;
        }
      }
      topic_response.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic_response));
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
