#include "server/partition_admin.h"

#include "protocol/error_codes.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;

int16_t code(ErrorCode e) {
  return static_cast<int16_t>(e);
}

}  // namespace

DeleteRecordsOutcome delete_records(TopicService& topics, PartitionManager& partitions,
                                    const cluster::MetadataImage& image, const std::string& topic,
                                    int32_t index, int64_t offset) {
  DeleteRecordsOutcome out;
  const auto* state = image.topic(topic);
  // As Kafka: a compact-only topic's start is the cleaner's business, not the client's.
  bool deletable = true;
  if (state != nullptr) {
    // Dynamic broker defaults (log.cleanup.policy) count, not only the static config.
    deletable =
        topics.effective_config(*state, "cleanup.policy").find("delete") != std::string::npos;
  }
  auto partition = partitions.get_or_sync(image, topic, index);
  if (partition == nullptr) {
    out.error = code(ErrorCode::kUnknownTopicOrPartition);
  } else if (!partition->is_leader()) {
    out.error = code(ErrorCode::kNotLeaderOrFollower);
  } else if (!deletable) {
    out.error = code(ErrorCode::kPolicyViolation);
  } else {
    const int64_t hw = partition->high_watermark();
    const int64_t target = offset == kDeleteToHighWatermark ? hw : offset;
    if (target < 0 || target > hw) {
      out.error = code(ErrorCode::kOffsetOutOfRange);
    } else {
      // Segments wholly below the new start go on the next retention pass, which also
      // checkpoints the start offset.
      out.low_watermark = partition->log().advance_log_start(target);
    }
  }
  return out;
}

PartitionOffsets partition_offsets(PartitionManager& partitions,
                                   const cluster::MetadataImage& image, const std::string& topic,
                                   int32_t index) {
  PartitionOffsets out;
  auto partition = partitions.get_or_sync(image, topic, index);
  if (partition == nullptr) {
    out.error = code(ErrorCode::kUnknownTopicOrPartition);
  } else if (!partition->is_leader()) {
    out.error = code(ErrorCode::kNotLeaderOrFollower);
  } else {
    out.log_start_offset = partition->log().log_start_offset();
    out.high_watermark = partition->high_watermark();
  }
  return out;
}

std::optional<int64_t> offset_for_timestamp(PartitionManager& partitions,
                                            const cluster::MetadataImage& image,
                                            const std::string& topic, int32_t index,
                                            int64_t timestamp_ms) {
  auto partition = partitions.get_or_sync(image, topic, index);
  if (partition == nullptr || !partition->is_leader()) return std::nullopt;
  auto found = partition->log().offset_for_timestamp(timestamp_ms);
  if (!found || found->first >= partition->high_watermark()) return std::nullopt;
  return found->first;
}

}  // namespace samsa::server
