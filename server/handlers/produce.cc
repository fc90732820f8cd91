#include <spdlog/spdlog.h>

#include <string>

#include "protocol/error_codes.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/records/record_batch.h"
#include "server/api_table.h"
#include "server/authz.h"
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

// Kafka's ProduceRequest.hasTransactionalRecords: the first batch of any partition says so.
bool has_transactional_records(const protocol::ProduceRequest& request) {
  for (const auto& topic : request.topic_data) {
    for (const auto& data : topic.partition_data) {
      if (!data.records) continue;
      auto header = records::parse_header(*data.records);
      if (header && header->is_transactional()) return true;
    }
  }
  return false;
}

}  // namespace

asio::awaitable<void> handle_produce(RequestContext& ctx) {
  protocol::ProduceRequest request;
  request.decode(ctx.body, ctx.version());
  auto& services = ctx.services;
  auto image = services.topics.image();
  const bool valid_acks = request.acks == 0 || request.acks == 1 || request.acks == -1;
  // Kafka refuses the whole request when transactional records come without a transactional id
  // (there is none to authorize), before looking at any partition.
  // With a transactional id, WRITE on it is needed for the whole request (notes §5.4).
  const bool unauthorized_transactional =
      (!request.transactional_id && has_transactional_records(request)) ||
      (request.transactional_id &&
       !ctx.authorized(security::AclOperation::kWrite, security::ResourceType::kTransactionalId,
                       *request.transactional_id));
  std::vector<storage::TopicPartition> appended;  // whose fetches waiting for data to wake
  int failed = 0;
  std::string first_failure;

  Response response;
  for (const auto& topic_data : request.topic_data) {
    Response::TopicProduceResponse topic_response;
    topic_response.name = topic_data.name;
    // Before the append looks the topic up: an unauthorized client never learns it is missing.
    const bool may_write = topic_allowed(ctx, security::AclOperation::kWrite, topic_data.name);
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
      if (unauthorized_transactional) {
        ++failed;
        if (first_failure.empty())
          first_failure = topic_data.name + "-" + std::to_string(data.index);
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kTransactionalIdAuthorizationFailed));
        continue;
      }
      if (!may_write) {
        ++failed;
        if (first_failure.empty())
          first_failure = topic_data.name + "-" + std::to_string(data.index);
        topic_response.partition_responses.push_back(
            error_response(data.index, ErrorCode::kTopicAuthorizationFailed));
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
        if (failed++ == 0) {
          first_failure = topic_data.name + "-" + std::to_string(data.index) + " error " +
                          std::to_string(result.error_code);
        }
        std::optional<std::string> message;
        if (!result.error_message.empty()) message = std::move(result.error_message);
        auto failure = error_response(data.index, static_cast<ErrorCode>(result.error_code),
                                      std::move(message));
        if (result.record_error_index >= 0) {
          Response::BatchIndexAndErrorMessage record_error;
          record_error.batch_index = result.record_error_index;
          record_error.batch_index_error_message = std::move(result.record_error_message);
          failure.record_errors.push_back(std::move(record_error));
        }
        topic_response.partition_responses.push_back(std::move(failure));
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
  if (request.acks == 0) {
    ctx.send_response = false;
    // The client reads no response, so Kafka closes the connection to make it refresh its
    // metadata (and learn, for instance, that it wrote to a partition that is not here).
    if (failed > 0) {
      spdlog::info("event=acks0_produce_failed peer={} failed_partitions={} first={}", ctx.peer,
                   failed, first_failure);
      ctx.close_connection = true;
    }
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
