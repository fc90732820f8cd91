#pragma once
// Appending client record batches to partitions this broker leads, shared by every face (the Kafka
// Produce handler, REST produce): topic/partition checks, batch validation against the topic's
// configs, keyless records in compacted topics, conversion to the topic's compression.type,
// LogAppendTime, and the idempotent append.
#include <cstdint>
#include <span>
#include <string>

#include "cluster/metadata_image.h"
#include "metrics/broker_topic_metrics.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::server {

struct AppendResult {
  int16_t error_code = 0;
  std::string error_message;  // empty when Kafka sends none
  // Kafka's RecordError for a rejection caused by one record: its index in the batch, or -1.
  int32_t record_error_index = -1;
  std::string record_error_message;
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;
  int64_t log_start_offset = -1;
  // True when records were written (false for errors and for an idempotent retry's duplicate).
  bool appended = false;
};

class ProduceService {
 public:
  ProduceService(TopicService& topics, PartitionManager& partitions);

  // Appends one client batch. `batch` may be rewritten in place (offsets, leader epoch), so it must
  // stay owned by the caller until this returns. Does not wake waiting fetches: call
  // partitions().notify_data_arrived() once after a request's appends.
  AppendResult append(const cluster::MetadataImage& image, const std::string& topic,
                      int32_t partition, std::span<uint8_t> batch, int16_t produce_version);

  PartitionManager& partitions() { return partitions_; }

  // BrokerTopicMetrics counted on every append (messages and bytes in, produce requests per
  // partition, failures); set by the composition root before serving, may stay null.
  void set_metrics(metrics::BrokerTopicMetrics* metrics) { metrics_ = metrics; }

 private:
  AppendResult append_unmetered(const cluster::MetadataImage& image, const std::string& topic,
                                int32_t partition, std::span<uint8_t> batch,
                                int16_t produce_version);

  TopicService& topics_;
  PartitionManager& partitions_;
  metrics::BrokerTopicMetrics* metrics_ = nullptr;
};

}  // namespace samsa::server
