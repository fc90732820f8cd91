#include <chrono>
#include <string>

#include "protocol/error_codes.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/records/batch_conversion.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_builder.h"
#include "server/api_table.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::ProduceResponse;

// compression.type other than "producer": the codec stored batches must have, and its level.
struct TopicCodec {
  records::Compression codec;
  int level;
};

std::optional<TopicCodec> topic_codec(const Services& services, const cluster::TopicState& topic) {
  auto codec =
      records::codec_from_topic_config(services.topics.effective_config(topic, "compression.type"));
  if (!codec) return std::nullopt;
  const char* level_key = *codec == records::Compression::kGzip   ? "compression.gzip.level"
                          : *codec == records::Compression::kLz4  ? "compression.lz4.level"
                          : *codec == records::Compression::kZstd ? "compression.zstd.level"
                                                                  : nullptr;
  int level = records::kDefaultLevel;
  if (level_key) level = static_cast<int>(services.topics.effective_config_long(topic, level_key));
  return TopicCodec{*codec, level};
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Response::PartitionProduceResponse error_response(int32_t index, ErrorCode error,
                                                  std::optional<std::string> message = {}) {
  Response::PartitionProduceResponse r;
  r.index = index;
  r.error_code = static_cast<int16_t>(error);
  r.base_offset = -1;
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

}  // namespace

asio::awaitable<void> handle_produce(RequestContext& ctx) {
  protocol::ProduceRequest request;
  request.decode(ctx.body, ctx.version());
  auto& services = ctx.services;
  auto image = services.topics.image();
  const bool valid_acks = request.acks == 0 || request.acks == 1 || request.acks == -1;
  bool appended = false;

  Response response;
  for (const auto& topic_data : request.topic_data) {
    Response::TopicProduceResponse topic_response;
    topic_response.name = topic_data.name;
    const cluster::TopicState* topic = image->topic(topic_data.name);
    for (const auto& data : topic_data.partition_data) {
      // Kafka 4 advertises Produce 0-2 (see api_table.cc) but answers them this way.
      if (ctx.version() < 3) {
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kUnsupportedVersion));
        continue;
      }
      if (!valid_acks) {
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kInvalidRequiredAcks));
        continue;
      }
      if (topic == nullptr) {
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kUnknownTopicOrPartition));
        continue;
      }
      auto partition = services.partitions.get_or_sync(*image, topic_data.name, data.index);
      if (partition == nullptr) {
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kUnknownTopicOrPartition));
        continue;
      }
      if (!partition->is_leader()) {
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kNotLeaderOrFollower));
        continue;
      }
      if (!data.records || data.records->empty()) {
        topic_response.partition_responses.push_back(error_response(
            data.index, ErrorCode::kInvalidRecord, "produce without a record batch"));
        continue;
      }
      records::ValidateOptions options;
      options.max_message_bytes =
          static_cast<int32_t>(services.topics.effective_config_long(*topic, "max.message.bytes"));
      options.now_ms = now_ms();
      options.timestamp_before_max_ms =
          services.topics.effective_config_long(*topic, "message.timestamp.before.max.ms");
      options.timestamp_after_max_ms =
          services.topics.effective_config_long(*topic, "message.timestamp.after.max.ms");
      options.produce_version = ctx.version();
      options.log_append_time =
          services.topics.effective_config(*topic, "message.timestamp.type") == "LogAppendTime";
      auto validation = records::validate_client_batch(*data.records, options);
      if (validation.error_code != 0) {
        topic_response.partition_responses.push_back(error_response(
            data.index, static_cast<ErrorCode>(validation.error_code), validation.message));
        continue;
      }
      if (services.topics.effective_config(*topic, "cleanup.policy").find("compact") !=
          std::string::npos) {
        if (auto msg = keyless_record(*data.records, options,
                                      topic_data.name + "-" + std::to_string(data.index))) {
          topic_response.partition_responses.push_back(
              error_response(data.index, ErrorCode::kInvalidRecord, std::move(*msg)));
          continue;
        }
      }
      // The batch is rewritten in place (offsets, leader epoch): it lives in this connection's
      // frame buffer, which the request owns until the response is written.
      std::span<uint8_t> batch(const_cast<uint8_t*>(data.records->data()), data.records->size());
      // compression.type=producer, or a batch already in the topic's codec, is stored as sent
      // without decompressing (header checks only, like the fast path); any other batch is
      // decompressed, its records validated, and rebuilt with the topic's codec.
      std::vector<uint8_t> converted;
      if (auto target = topic_codec(services, *topic);
          target && records::parse_header(batch)->compression() != target->codec) {
        auto conversion = records::convert_batch(batch, target->codec, target->level, options);
        if (!conversion.ok()) {
          topic_response.partition_responses.push_back(error_response(
              data.index, static_cast<ErrorCode>(conversion.error_code), conversion.message));
          continue;
        }
        converted = std::move(conversion.batch);
        batch = converted;
      }
      int64_t append_time = -1;
      if (options.log_append_time) {
        append_time = options.now_ms;
        records::set_log_append_time(batch, append_time);
      }
      // Idempotence check and append are one step under the log's lock (two retries may race).
      auto result = partition->log().append_idempotent(batch, partition->leader_epoch());
      if (result.error != 0) {
        topic_response.partition_responses.push_back(error_response(
            data.index, static_cast<ErrorCode>(result.error), std::move(result.message)));
        continue;
      }
      if (!result.duplicate) {
        partition->advance_high_watermark();
        appended = true;
      }
      Response::PartitionProduceResponse ok;
      ok.index = data.index;
      ok.base_offset = result.info.base_offset;
      ok.log_append_time_ms = append_time;
      ok.log_start_offset = partition->log().log_start_offset();
      topic_response.partition_responses.push_back(std::move(ok));
    }
    response.responses.push_back(std::move(topic_response));
  }
  if (appended) services.partitions.notify_data_arrived();
  // acks=all waits for the high watermark to pass the batch; with an ISR of one that happened
  // above.
  if (request.acks == 0) ctx.send_response = false;
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
