#pragma once
// Partition-level administration shared by the Kafka handlers and the admin HTTP routes:
// DeleteRecords (moving the log start offset) and the offset look-ups an offset reset needs
// (earliest, latest, by timestamp). One place so both faces apply the same rules.
#include <cstdint>
#include <optional>
#include <string>

#include "cluster/metadata_image.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::server {

// DeleteRecords offset -1 means "up to the high watermark".
inline constexpr int64_t kDeleteToHighWatermark = -1;

struct DeleteRecordsOutcome {
  int16_t error = 0;
  int64_t low_watermark = -1;
};

// Moves the partition's log start offset up to `offset` (or the high watermark for -1), as
// Kafka's DeleteRecords: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, POLICY_VIOLATION for
// a topic without cleanup.policy=delete, OFFSET_OUT_OF_RANGE beyond the high watermark.
DeleteRecordsOutcome delete_records(TopicService& topics, PartitionManager& partitions,
                                    const cluster::MetadataImage& image, const std::string& topic,
                                    int32_t partition, int64_t offset);

struct PartitionOffsets {
  int16_t error = 0;
  int64_t log_start_offset = -1;
  int64_t high_watermark = -1;
};

// The range a consumer can read: log start offset and high watermark of a partition we lead.
PartitionOffsets partition_offsets(PartitionManager& partitions,
                                   const cluster::MetadataImage& image, const std::string& topic,
                                   int32_t partition);

// ListOffsets by timestamp: the first offset below the high watermark whose record timestamp is
// >= `timestamp_ms`; nullopt when there is none (Kafka answers -1 then).
std::optional<int64_t> offset_for_timestamp(PartitionManager& partitions,
                                            const cluster::MetadataImage& image,
                                            const std::string& topic, int32_t partition,
                                            int64_t timestamp_ms);

}  // namespace samsa::server
