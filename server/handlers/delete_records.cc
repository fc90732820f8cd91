#include "protocol/error_codes.h"
#include "protocol/messages/delete_records_request.h"
#include "protocol/messages/delete_records_response.h"
#include "server/api_table.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::DeleteRecordsResponse;

// DeleteRecords offset -1 means "up to the high watermark".
constexpr int64_t kHighWatermark = -1;

int16_t code(ErrorCode e) {
  return static_cast<int16_t>(e);
}

}  // namespace

asio::awaitable<void> handle_delete_records(RequestContext& ctx) {
  protocol::DeleteRecordsRequest request;
  request.decode(ctx.body, ctx.version());
  auto image = ctx.services.topics.image();
  Response response;
  for (const auto& topic : request.topics) {
    Response::DeleteRecordsTopicResult topic_result;
    topic_result.name = topic.name;
    const auto* state = image->topic(topic.name);
    // As Kafka: a compact-only topic's start is the cleaner's business, not the client's.
    bool deletable = true;
    if (state != nullptr) {
      auto it = state->configs.find("cleanup.policy");
      std::string policy = it != state->configs.end()
                               ? it->second
                               : ctx.services.config.topic_default("cleanup.policy");
      deletable = policy.find("delete") != std::string::npos;
    }
    for (const auto& p : topic.partitions) {
      Response::DeleteRecordsPartitionResult out;
      out.partition_index = p.partition_index;
      out.low_watermark = -1;
      auto partition = ctx.services.partitions.get_or_sync(*image, topic.name, p.partition_index);
      if (partition == nullptr) {
        out.error_code = code(ErrorCode::kUnknownTopicOrPartition);
      } else if (!partition->is_leader()) {
        out.error_code = code(ErrorCode::kNotLeaderOrFollower);
      } else if (!deletable) {
        out.error_code = code(ErrorCode::kPolicyViolation);
      } else {
        const int64_t hw = partition->high_watermark();
        const int64_t target = p.offset == kHighWatermark ? hw : p.offset;
        if (target < 0 || target > hw) {
          out.error_code = code(ErrorCode::kOffsetOutOfRange);
        } else {
          // Segments wholly below the new start go on the next retention pass, which also
          // checkpoints the start offset.
          out.low_watermark = partition->log().advance_log_start(target);
        }
      }
      topic_result.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic_result));
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
