#include <map>
#include <set>

#include "protocol/error_codes.h"
#include "protocol/messages/describe_log_dirs_request.h"
#include "protocol/messages/describe_log_dirs_response.h"
#include "server/api_table.h"
#include "server/authz.h"

namespace samsa::server {
namespace {

using Response = protocol::DescribeLogDirsResponse;

}  // namespace

asio::awaitable<void> handle_describe_log_dirs(RequestContext& ctx) {
  protocol::DescribeLogDirsRequest request;
  request.decode(ctx.body, ctx.version());
  if (!cluster_allowed(ctx, security::AclOperation::kDescribe)) {
    // v3+ says why; older versions just get no log dirs.
    Response denied;
    if (ctx.version() >= 3) denied.error_code = kClusterAuthorizationFailed;
    denied.encode(ctx.response, ctx.version());
    co_return;
  }
  // A null topic list asks for everything; otherwise only the named partitions.
  std::optional<std::set<storage::TopicPartition>> wanted;
  if (request.topics) {
    wanted.emplace();
    for (const auto& t : *request.topics)
      for (int32_t p : t.partitions) wanted->insert(storage::TopicPartition{t.topic, p});
  }
  Response response;
  for (const auto& dir : ctx.services.partitions.describe_log_dirs()) {
    Response::DescribeLogDirsResult result;
    result.log_dir = dir.dir.string();
    result.total_bytes = dir.total_bytes;
    result.usable_bytes = dir.usable_bytes;
    // As Kafka: an offline dir is listed with KAFKA_STORAGE_ERROR.
    if (!dir.offline_error.empty())
      result.error_code = static_cast<int16_t>(protocol::ErrorCode::kKafkaStorageError);
    std::map<std::string, std::vector<Response::DescribeLogDirsPartition>> by_topic;
    for (const auto& [tp, size] : dir.partitions) {
      if (wanted && !wanted->count(tp)) continue;
      Response::DescribeLogDirsPartition out;
      out.partition_index = tp.partition;
      out.partition_size = size;
      out.offset_lag = 0;  // no future (moving) replicas: ALTER_REPLICA_LOG_DIRS is not supported
      out.is_future_key = false;
      by_topic[tp.topic].push_back(out);
    }
    for (auto& [name, partitions] : by_topic) {
      Response::DescribeLogDirsTopic topic;
      topic.name = name;
      topic.partitions = std::move(partitions);
      result.topics.push_back(std::move(topic));
    }
    response.results.push_back(std::move(result));
  }
  response.encode(ctx.response, ctx.version());
  co_return;
}

}  // namespace samsa::server
