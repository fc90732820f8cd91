#include <chrono>
#include <deque>

#include "metrics/kafka_metrics.h"
#include "protocol/error_codes.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "server/api_table.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::FetchResponse;

struct FetchRound {
  Response response;
  std::deque<storage::FetchSlice> slices;  // owns the bytes the response's record views point into
  int64_t bytes = 0;
  bool has_error = false;
};

Response::PartitionData read_partition(const protocol::FetchRequest& request,
                                       const protocol::FetchRequest::FetchPartition& p,
                                       Partition* partition, int64_t& budget, FetchRound& round) {
  Response::PartitionData out;
  out.partition_index = p.partition;
  out.records = std::span<const uint8_t>();
  if (partition == nullptr) {
    out.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
    return out;
  }
  if (!partition->is_leader()) {
    out.error_code = static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower);
    return out;
  }
  const auto& log = partition->log();
  if (log.dir_offline()) {
    out.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
    return out;
  }
  const int64_t hw = partition->high_watermark();
  out.high_watermark = hw;
  out.last_stable_offset = hw;  // no transactions yet: the last stable offset is the HW
  out.log_start_offset = log.log_start_offset();
  if (request.isolation_level == 1) out.aborted_transactions.emplace();
  if (p.fetch_offset < log.log_start_offset() || p.fetch_offset > log.log_end_offset()) {
    out.error_code = static_cast<int16_t>(ErrorCode::kOffsetOutOfRange);
    return out;
  }
  if (p.fetch_offset >= hw || budget <= 0) return out;
  // Kafka's rule: the first batch of a response goes out whole even when above the limits, so a
  // consumer can always make progress.
  const bool first = round.bytes == 0;
  const int32_t limit = static_cast<int32_t>(std::min<int64_t>(p.partition_max_bytes, budget));
  storage::FetchSlice slice;
  try {
    slice = log.read(p.fetch_offset, limit, hw, first);
  } catch (const storage::StorageIoError&) {
    out.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
    return out;
  }
  if (!slice.data.empty()) {
    const auto size = static_cast<int64_t>(slice.data.size());
    round.bytes += size;
    budget -= size;
    round.slices.push_back(std::move(slice));
    const auto& stored = round.slices.back().data;
    out.records = std::span<const uint8_t>(stored.data(), stored.size());
  }
  return out;
}

std::unique_ptr<FetchRound> read_once(const protocol::FetchRequest& request, Services& services) {
  auto round = std::make_unique<FetchRound>();
  auto image = services.topics.image();
  int64_t budget = request.max_bytes > 0 ? request.max_bytes : INT32_MAX;
  for (const auto& topic : request.topics) {
    Response::FetchableTopicResponse topic_response;
    topic_response.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      auto partition = services.partitions.get_or_sync(*image, topic.topic, p.partition);
      auto out = read_partition(request, p, partition.get(), budget, *round);
      if (out.error_code != 0) round->has_error = true;
      topic_response.partitions.push_back(std::move(out));
    }
    round->response.responses.push_back(std::move(topic_response));
  }
  return round;
}

// BrokerTopicMetrics for the partitions this fetch read: one fetch request per partition and the
// record bytes sent. As in Kafka (ReplicaManager.readFromLocalLog), routing and range errors
// (unknown partition, not leader, offset out of range) are answers, not failed fetches; no other
// error reaches a response today, so failedfetchrequests counts only unexpected ones.
void count_fetch(const FetchRound& round, Services& services) {
  if (services.metrics == nullptr) return;
  using metrics::TopicCounters;
  auto& topic_metrics = *services.metrics->topics;
  TopicCounters& all = topic_metrics.all_topics();
  auto image = services.topics.image();
  for (const auto& topic : round.response.responses) {
    uint64_t bytes = 0;
    uint64_t failed = 0;
    for (const auto& p : topic.partitions) {
      if (p.records) bytes += p.records->size();
      switch (static_cast<ErrorCode>(p.error_code)) {
        case ErrorCode::kNone:
        case ErrorCode::kUnknownTopicOrPartition:
        case ErrorCode::kNotLeaderOrFollower:
        case ErrorCode::kOffsetOutOfRange:
          break;
        default:
          ++failed;
      }
    }
    const uint64_t n = topic.partitions.size();
    if (image->topic(topic.topic) != nullptr) {
      TopicCounters& t = topic_metrics.topic(topic.topic);
      metrics::BrokerTopicMetrics::add(t, all, &TopicCounters::total_fetch_requests, n);
      metrics::BrokerTopicMetrics::add(t, all, &TopicCounters::bytes_out, bytes);
      metrics::BrokerTopicMetrics::add(t, all, &TopicCounters::failed_fetch_requests, failed);
    } else {
      all.total_fetch_requests += n;
      all.failed_fetch_requests += failed;
    }
  }
}

}  // namespace

asio::awaitable<void> handle_fetch(RequestContext& ctx) {
  protocol::FetchRequest request;
  request.decode(ctx.body, ctx.version());
  auto& partitions = ctx.services.partitions;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max(0, request.max_wait_ms));
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);

  auto round = read_once(request, ctx.services);
  while (round->bytes < request.min_bytes && !round->has_error &&
         std::chrono::steady_clock::now() < deadline) {
    // Wait for an append anywhere (or the deadline), then read again. Spurious wake-ups only cost a
    // re-read. The waiter is registered before the timer starts so an append in between is not
    // missed.
    timer->expires_at(deadline);
    auto executor = timer->get_executor();
    uint64_t waiter = partitions.add_data_waiter(
        [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
    auto again = read_once(request, ctx.services);
    if (again->bytes >= request.min_bytes || again->has_error) {
      partitions.remove_data_waiter(waiter);
      round = std::move(again);
      break;
    }
    std::error_code ignored;  // cancelled = woken by an append
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    partitions.remove_data_waiter(waiter);
    round = read_once(request, ctx.services);
  }
  // Sessions (KIP-227) are not kept: session id 0 tells the client to keep sending full requests.
  round->response.session_id = 0;
  count_fetch(*round, ctx.services);
  // One exact allocation instead of repeated doubling: fetch responses are megabytes of records.
  auto& buffer = ctx.response.buffer();
  buffer.reserve(buffer.size() + round->response.size(ctx.version()));
  round->response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
