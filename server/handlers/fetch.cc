#include <chrono>
#include <deque>

#include "metrics/kafka_metrics.h"
#include "protocol/error_codes.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "server/api_table.h"
#include "server/authz.h"
#include "server/response_regions.h"
#include "storage/log.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;
using Response = protocol::FetchResponse;

// Slices smaller than this are copied into the response buffer even on a plaintext connection: a
// sendfile call and a separate write per partition cost more than copying a few kilobytes (the
// typical long-poll answer of a caught-up consumer).
constexpr int64_t kMinSendfileBytes = 16 * 1024;

// One pass over the requested partitions. Only where the batches lie is known (file regions);
// nothing is read until the last pass has been chosen, so a long poll that passes again after a
// wake-up reads the data once.
struct FetchRound {
  Response response;
  struct Located {
    Response::PartitionData* out;
    storage::FileSlice slice;
    const storage::Log* log;
  };
  std::vector<Located> located;
  // The partitions read and the high watermark each had, to tell whether data arrived since.
  std::vector<std::pair<std::shared_ptr<Partition>, int64_t>> seen;
  int64_t bytes = 0;
  bool has_error = false;
  std::deque<storage::FetchSlice> copies;  // owns the bytes the response's copied records view
};

Response::PartitionData read_partition(const protocol::FetchRequest& request,
                                       const protocol::FetchRequest::FetchPartition& p,
                                       Partition* partition, int64_t& budget, FetchRound& round,
                                       storage::FileSlice& slice) {
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
  try {
    slice = log.locate(p.fetch_offset, limit, hw, first);
  } catch (const storage::StorageError&) {  // the read failed: the dir is offline now
    out.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
    return out;
  }
  round.bytes += slice.size;
  budget -= slice.size;
  return out;
}

// Kafka's fetch.max.bytes bounds every response whatever the request asks for.
int64_t response_budget(const protocol::FetchRequest& request, const Services& services) {
  const int64_t broker_max = services.config.get_int("fetch.max.bytes");
  return request.max_bytes > 0 ? std::min<int64_t>(request.max_bytes, broker_max) : broker_max;
}

// Per requested topic, whether the caller may read it: READ on the topic for consumers, and
// CLUSTER_ACTION on the cluster for a follower (replica id >= 0), which otherwise fails every
// partition (notes §5.4). Decided once per request, before any partition is looked up.
std::vector<char> readable_topics(const protocol::FetchRequest& request, RequestContext& ctx) {
  const int32_t replica_id =
      ctx.version() >= 15 ? request.replica_state.replica_id : request.replica_id;
  const bool follower_ok =
      replica_id < 0 || cluster_allowed(ctx, security::AclOperation::kClusterAction);
  std::vector<char> out;
  out.reserve(request.topics.size());
  for (const auto& topic : request.topics) {
    out.push_back(follower_ok && (replica_id >= 0 ||
                                  topic_allowed(ctx, security::AclOperation::kRead, topic.topic)));
  }
  return out;
}

std::unique_ptr<FetchRound> read_once(const protocol::FetchRequest& request, Services& services,
                                      const std::vector<char>& readable) {
  auto round = std::make_unique<FetchRound>();
  auto image = services.topics.image();
  int64_t budget = response_budget(request, services);
  round->response.responses.reserve(request.topics.size());
  for (size_t t = 0; t < request.topics.size(); ++t) {
    const auto& topic = request.topics[t];
    auto& topic_response = round->response.responses.emplace_back();
    topic_response.topic = topic.topic;
    topic_response.partitions.reserve(topic.partitions.size());
    for (const auto& p : topic.partitions) {
      if (!readable[t]) {
        auto& out = topic_response.partitions.emplace_back();
        out.partition_index = p.partition;
        out.records = std::span<const uint8_t>();
        out.error_code = kTopicAuthorizationFailed;
        round->has_error = true;
        continue;
      }
      auto partition = services.partitions.get_or_sync(*image, topic.topic, p.partition);
      storage::FileSlice slice;
      auto out = read_partition(request, p, partition.get(), budget, *round, slice);
      if (out.error_code != 0) round->has_error = true;
      if (partition != nullptr) round->seen.emplace_back(partition, partition->high_watermark());
      // reserve() above keeps these addresses stable.
      auto& stored = topic_response.partitions.emplace_back(std::move(out));
      if (slice.size > 0) round->located.push_back({&stored, std::move(slice), &partition->log()});
    }
  }
  return round;
}

// Whether a partition the round read has a new high watermark (an append landed since).
bool data_arrived_since(const FetchRound& round) {
  for (const auto& [partition, hw] : round.seen)
    if (partition->high_watermark() != hw) return true;
  return false;
}

// Fills the records of the chosen round: placeholders for file regions the connection will send
// with sendfile, or the bytes read into memory when it cannot (TLS) or the slice is small.
void attach_records(FetchRound& round, ResponseFileRegions* file_regions, ServerStats& stats) {
  for (auto& [out, slice, log] : round.located) {
    if (file_regions != nullptr && slice.size >= kMinSendfileBytes) {
      if (auto span = file_regions->placeholder(slice.regions)) {
        out->records = *span;
        stats.fetch_bytes_sendfile += static_cast<uint64_t>(slice.size);
        continue;
      }
    }
    storage::FetchSlice read;
    try {
      read = log->read_located(slice);
    } catch (const storage::StorageError&) {  // the read failed: the dir is offline now
      out->error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
      continue;
    }
    auto& copy = round.copies.emplace_back(std::move(read));
    out->records = std::span<const uint8_t>(copy.data.data(), copy.data.size());
    stats.fetch_bytes_copied += copy.data.size();
  }
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
        case ErrorCode::kTopicAuthorizationFailed:  // never reached the log, as in Kafka
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

  const auto readable = readable_topics(request, ctx);
  auto round = read_once(request, ctx.services, readable);
  if (round->bytes < request.min_bytes && !round->has_error && request.max_wait_ms > 0) {
    ctx.park();  // a long poll waits for data, off the in-flight request count
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    std::vector<storage::TopicPartition> watched;
    for (const auto& [partition, hw] : round->seen) watched.push_back(partition->tp());
    while (round->bytes < request.min_bytes && !round->has_error &&
           std::chrono::steady_clock::now() < deadline) {
      // Wait for an append to one of our partitions (Kafka's purgatory watch keys), or the
      // deadline. The waiter is registered before the high watermarks are checked again, so an
      // append in between is not missed; only then is the read repeated.
      timer->expires_at(deadline);
      auto executor = timer->get_executor();
      uint64_t waiter = partitions.add_data_waiter(
          watched, [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
      if (!data_arrived_since(*round)) {
        std::error_code ignored;  // cancelled = woken by an append
        co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      }
      partitions.remove_data_waiter(waiter);
      round = read_once(request, ctx.services, readable);
    }
  }
  // Sessions (KIP-227) are not kept: session id 0 tells the client to keep sending full requests.
  round->response.session_id = 0;
  attach_records(*round, ctx.file_regions, ctx.services.stats);
  count_fetch(*round, ctx.services);
  // One exact allocation instead of repeated doubling: fetch responses can be megabytes of records
  // (unless they go by sendfile, which the size would overstate).
  auto& buffer = ctx.response.buffer();
  if (ctx.file_regions == nullptr)
    buffer.reserve(buffer.size() + round->response.size(ctx.version()));
  round->response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
