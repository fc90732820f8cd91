#include "server/produce_service.h"

#include <chrono>

#include "protocol/error_codes.h"
#include "protocol/records/batch_conversion.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_builder.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;

// compression.type other than "producer": the codec stored batches must have, and its level.
struct TopicCodec {
  records::Compression codec;
  int level;
};

std::optional<TopicCodec> topic_codec(const TopicService& topics,
                                      const cluster::TopicState& topic) {
  auto codec = records::codec_from_topic_config(topics.effective_config(topic, "compression.type"));
  if (!codec) return std::nullopt;
  const char* level_key = *codec == records::Compression::kGzip   ? "compression.gzip.level"
                          : *codec == records::Compression::kLz4  ? "compression.lz4.level"
                          : *codec == records::Compression::kZstd ? "compression.zstd.level"
                                                                  : nullptr;
  int level = records::kDefaultLevel;
  if (level_key) level = static_cast<int>(topics.effective_config_long(topic, level_key));
  return TopicCodec{*codec, level};
}

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

// Kafka rejects keyless records in a compacted topic (the cleaner could not deduplicate them),
// decompressing the batch if needed. Returns the error message, or nullopt if every record has a
// key. Runs after validate_client_batch, so the header is sane.
std::optional<std::string> keyless_record(std::span<const uint8_t> batch,
                                          const records::ValidateOptions& options,
                                          const std::string& tp) {
  auto h = records::parse_header(batch);
  std::vector<uint8_t> plain;
  std::span<const uint8_t> section = batch.subspan(records::kRecordsOffset);
  if (h->compression() != records::Compression::kNone) {
    auto check = records::decompress_and_check(batch, options, plain);
    if (!check.ok()) return check.message;
    section = plain;
  }
  bool keyless = false;
  std::string err =
      records::walk_records(section, h->records_count, [&](const records::RecordView& v) {
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

  records::ValidateOptions options;
  options.max_message_bytes =
      static_cast<int32_t>(topics_.effective_config_long(*topic, "max.message.bytes"));
  options.now_ms = now_ms();
  options.timestamp_before_max_ms =
      topics_.effective_config_long(*topic, "message.timestamp.before.max.ms");
  options.timestamp_after_max_ms =
      topics_.effective_config_long(*topic, "message.timestamp.after.max.ms");
  options.produce_version = produce_version;
  options.log_append_time =
      topics_.effective_config(*topic, "message.timestamp.type") == "LogAppendTime";
  auto validation = records::validate_client_batch(batch, options);
  if (validation.error_code != 0) {
    return failure(static_cast<ErrorCode>(validation.error_code), validation.message);
  }
  if (topics_.effective_config(*topic, "cleanup.policy").find("compact") != std::string::npos) {
    if (auto msg = keyless_record(batch, options, topic_name + "-" + std::to_string(index))) {
      return failure(ErrorCode::kInvalidRecord, std::move(*msg));
    }
  }
  // compression.type=producer, or a batch already in the topic's codec, is stored as sent
  // without decompressing (header checks only, like the fast path); any other batch is
  // decompressed, its records validated, and rebuilt with the topic's codec.
  std::vector<uint8_t> converted;
  if (auto target = topic_codec(topics_, *topic);
      target && records::parse_header(batch)->compression() != target->codec) {
    auto conversion = records::convert_batch(batch, target->codec, target->level, options);
    if (!conversion.ok()) {
      return failure(static_cast<ErrorCode>(conversion.error_code), conversion.message);
    }
    converted = std::move(conversion.batch);
    batch = converted;
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
