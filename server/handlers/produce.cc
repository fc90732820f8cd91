#include <string>

#include "protocol/error_codes.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "server/api_table.h"
#include "server/produce_service.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::ProduceResponse;

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
  std::vector<storage::TopicPartition> appended;  // whose fetches waiting for data to wake

  Response response;
  for (const auto& topic_data : request.topic_data) {
    Response::TopicProduceResponse topic_response;
    topic_response.name = topic_data.name;
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
      // The batch is rewritten in place (offsets, leader epoch): it lives in this connection's
      // frame buffer, which the request owns until the response is written.
      std::span<uint8_t> batch;
      if (data.records) {
        batch = {const_cast<uint8_t*>(data.records->data()), data.records->size()};
      }
      AppendResult result =
          services.produce->append(*image, topic_data.name, data.index, batch, ctx.version());
      if (result.error_code != 0) {
        std::optional<std::string> message;
        if (!result.error_message.empty()) message = std::move(result.error_message);
        topic_response.partition_responses.push_back(error_response(
            data.index, static_cast<ErrorCode>(result.error_code), std::move(message)));
        continue;
      }
      if (result.appended) appended.push_back({topic_data.name, data.index});
      Response::PartitionProduceResponse ok;
      ok.index = data.index;
      ok.base_offset = result.base_offset;
      ok.log_append_time_ms = result.log_append_time_ms;
      ok.log_start_offset = result.log_start_offset;
      topic_response.partition_responses.push_back(std::move(ok));
    }
    response.responses.push_back(std::move(topic_response));
  }
  if (!appended.empty()) services.partitions.notify_data_arrived(appended);
  // acks=all waits for the high watermark to pass the batch; with an ISR of one that happened
  // above.
  if (request.acks == 0) ctx.send_response = false;
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
