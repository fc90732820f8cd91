#include "server/produce_service.h"

#include <chrono>

#include "protocol/error_codes.h"
#include "protocol/records/batch_conversion.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_builder.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AppendResult failure(ErrorCode error, std::string message = {}) {
  AppendResult r;
  r.error_code = static_cast<int16_t>(error);
  r.error_message = std::move(message);
  return r;
}

AppendResult rejected(int16_t error, std::string message, int32_t record_index,
                      std::string record_message) {
  AppendResult r = failure(static_cast<ErrorCode>(error), std::move(message));
  r.record_error_index = record_index;
  r.record_error_message = std::move(record_message);
  return r;
}

// Kafka rejects keyless records in a compacted topic (the cleaner could not deduplicate them).
// `section` is the batch's records, already decompressed and checked.
std::optional<std::string> keyless_record(std::span<const uint8_t> section, int32_t count,
                                          const std::string& tp) {
  bool keyless = false;
  std::string err = records::walk_records(section, count, [&](const records::RecordView& v) {
    keyless = !v.key.has_value();
    return !keyless;
  });
  if (!err.empty()) return err;
  if (keyless)
    return "Compacted topic cannot accept message without key in topic partition " + tp + ".";
  return std::nullopt;
}

// Kafka's FailedProduceRequestsPerSec leaves out the errors that are the client's routing or
// sizing mistakes (ReplicaManager.appendToLocalLog), so the meter points at broker trouble and
// invalid records.
bool produce_failure_counts(int16_t error) {
  switch (static_cast<ErrorCode>(error)) {
    case ErrorCode::kNone:
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
    case ErrorCode::kCorruptMessage:
    case ErrorCode::kKafkaStorageError:
      return false;
    default:
      return true;
  }
}

}  // namespace

ProduceService::ProduceService(TopicService& topics, PartitionManager& partitions)
    : topics_(topics), partitions_(partitions) {}

AppendResult ProduceService::append(const cluster::MetadataImage& image,
                                    const std::string& topic_name, int32_t index,
                                    std::span<uint8_t> batch, int16_t produce_version) {
  if (metrics_ == nullptr)
    return append_unmetered(image, topic_name, index, batch, produce_version);
  // Read before the append: the batch may be rewritten or converted.
  const uint64_t bytes = batch.size();
  const auto header = records::parse_header(batch);
  AppendResult result = append_unmetered(image, topic_name, index, batch, produce_version);
  using metrics::BrokerTopicMetrics;
  using metrics::TopicCounters;
  TopicCounters& all = metrics_->all_topics();
  // Per-topic series only for topics that exist: names in requests come from clients.
  TopicCounters* topic = image.topic(topic_name) ? &metrics_->topic(topic_name) : nullptr;
  auto add = [&](std::atomic<uint64_t> TopicCounters::*field, uint64_t n) {
    if (topic) {
      BrokerTopicMetrics::add(*topic, all, field, n);
    } else {
      all.*field += n;
    }
  };
  add(&TopicCounters::total_produce_requests, 1);
  if (result.appended) {
    add(&TopicCounters::messages_in, header ? static_cast<uint64_t>(header->records_count) : 0);
    add(&TopicCounters::bytes_in, bytes);
  }
  if (produce_failure_counts(result.error_code)) add(&TopicCounters::failed_produce_requests, 1);
  return result;
}

AppendResult ProduceService::append_unmetered(const cluster::MetadataImage& image,
                                              const std::string& topic_name, int32_t index,
                                              std::span<uint8_t> batch, int16_t produce_version) {
  const cluster::TopicState* topic = image.topic(topic_name);
  if (topic == nullptr) return failure(ErrorCode::kUnknownTopicOrPartition);
  auto partition = partitions_.get_or_sync(image, topic_name, index);
  if (partition == nullptr) return failure(ErrorCode::kUnknownTopicOrPartition);
  if (!partition->is_leader()) return failure(ErrorCode::kNotLeaderOrFollower);
  if (batch.empty()) return failure(ErrorCode::kInvalidRecord, "produce without a record batch");

  // Resolved once per metadata image, not per request (see TopicProduceConfigCache).
  const auto config = topics_.produce_config(*topic);
  records::ValidateOptions options;
  options.max_message_bytes = config->max_message_bytes;
  options.now_ms = now_ms();
  options.timestamp_before_max_ms = config->timestamp_before_max_ms;
  options.timestamp_after_max_ms = config->timestamp_after_max_ms;
  options.produce_version = produce_version;
  options.log_append_time = config->log_append_time;
  auto validation = records::validate_client_batch(batch, options);
  if (!validation.ok()) {
    return rejected(validation.error_code, std::move(validation.message),
                    validation.record_error_index, std::move(validation.record_error_message));
  }
  const auto header = *records::parse_header(batch);
  // No transaction coordinator exists, so no transaction can have added this partition: Kafka
  // (KIP-890 verification) answers such a batch this way.
  if (header.is_transactional()) {
    return failure(ErrorCode::kInvalidTxnState, "Record was not part of an ongoing transaction");
  }
  // Like Kafka's LogValidator, every record of a compressed batch is validated too: a batch kept
  // in its codec is decompressed to check it, one in another codec is rebuilt in the topic's.
  std::vector<uint8_t> converted;
  std::vector<uint8_t> plain;
  std::span<const uint8_t> section = batch.subspan(records::kRecordsOffset);
  int64_t max_timestamp = validation.max_timestamp;
  const bool compressed = header.compression() != records::Compression::kNone;
  if (config->codec && header.compression() != *config->codec) {
    auto conversion = records::convert_batch(batch, *config->codec, config->codec_level, options);
    if (!conversion.ok()) {
      return rejected(conversion.error_code, std::move(conversion.message),
                      conversion.record_error_index, std::move(conversion.record_error_message));
    }
    if (config->compacted && compressed) {
      // The rebuilt batch may be compressed again; the key check reads the original's records.
      auto check = records::decompress_and_check(batch, options, plain);
      if (!check.ok()) return rejected(check.error_code, std::move(check.message), -1, {});
      section = plain;
    }
    converted = std::move(conversion.batch);
    batch = converted;
    max_timestamp = records::parse_header(batch)->max_timestamp;  // recomputed by the rebuild
  } else if (compressed) {
    auto check = records::decompress_and_check(batch, options, plain);
    if (!check.ok()) {
      return rejected(check.error_code, std::move(check.message), check.record_error_index,
                      std::move(check.record_error_message));
    }
    section = plain;
    max_timestamp = check.max_timestamp;
  }
  if (config->compacted) {
    if (auto msg = keyless_record(section, header.records_count,
                                  topic_name + "-" + std::to_string(index))) {
      return failure(ErrorCode::kInvalidRecord, std::move(*msg));
    }
  }
  // The header's maxTimestamp is what retention and the time index trust: store the records'
  // real maximum, as LogValidator's setMaxTimestamp does (CRC recomputed).
  if (!options.log_append_time && records::parse_header(batch)->max_timestamp != max_timestamp) {
    records::set_max_timestamp(batch, max_timestamp, records::TimestampType::kCreateTime);
  }
  AppendResult out;
  if (options.log_append_time) {
    out.log_append_time_ms = options.now_ms;
    records::set_log_append_time(batch, out.log_append_time_ms);
  }
  // Idempotence check and append are one step under the log's lock (two retries may race).
  storage::IdempotentAppendResult result;
  try {
    result = partition->log().append_idempotent(batch, partition->leader_epoch());
  } catch (const storage::LogDirOfflineError& e) {
    // The write failed (or the dir already had): nothing of this batch is visible, and the
    // partition stays unavailable until the broker restarts on a repaired dir.
    return failure(ErrorCode::kKafkaStorageError, e.what());
  }
  if (result.error != 0) {
    return failure(static_cast<ErrorCode>(result.error), std::move(result.message));
  }
  if (!result.duplicate) {
    partition->advance_high_watermark();
    out.appended = true;
  }
  out.base_offset = result.info.base_offset;
  out.log_start_offset = partition->log().log_start_offset();
  return out;
}

}  // namespace samsa::server
