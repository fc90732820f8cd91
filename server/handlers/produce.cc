#include <chrono>

#include "protocol/error_codes.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/records/record_batch.h"
#include "server/api_table.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::ProduceResponse;

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
      // The batch is rewritten in place (offsets, leader epoch): it lives in this connection's
      // frame buffer, which the request owns until the response is written.
      std::span<uint8_t> batch(const_cast<uint8_t*>(data.records->data()), data.records->size());
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
