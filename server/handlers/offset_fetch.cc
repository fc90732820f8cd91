#include "protocol/error_codes.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"
#include "server/api_table.h"
#include "server/async_bridge.h"
#include "server/authz.h"
#include "server/group/group_coordinator.h"

namespace samsa::server {
namespace {

using Response = protocol::OffsetFetchResponse;
using Requested = std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>>;

struct PartitionAnswer {
  int32_t partition = 0;
  group::CommittedOffset offset;
  int16_t error = 0;
};
using TopicAnswers = std::vector<std::pair<std::string, std::vector<PartitionAnswer>>>;

asio::awaitable<group::FetchedOffsets> fetch(RequestContext& ctx, const std::string& group_id,
                                             const Requested& requested) {
  if (!group_allowed(ctx, security::AclOperation::kDescribe, group_id)) {
    group::FetchedOffsets denied;
    denied.error = kGroupAuthorizationFailed;
    co_return denied;
  }
  auto& services = ctx.services;
  std::optional<std::vector<group::TopicPartitionKey>> which;
  if (requested) {
    which.emplace();
    for (const auto& [topic, partitions] : *requested) {
      for (int32_t p : partitions) which->emplace_back(topic, p);
    }
  }
  auto* groups = services.groups;
  co_return co_await await_callback<group::FetchedOffsets>(
      [&](auto done) { groups->fetch_offsets(group_id, std::move(which), std::move(done)); });
}

// Requested partitions without a commit answer offset -1 and no error, as Kafka does.
// DESCRIBE on each topic: without it a topic is dropped from an all-topics answer, and a
// requested one answers TOPIC_AUTHORIZATION_FAILED with no offset.
TopicAnswers answers(RequestContext& ctx, const group::FetchedOffsets& fetched,
                     const Requested& requested) {
  TopicAnswers out;
  if (!requested) {
    for (const auto& [tp, o] : fetched.offsets) {
      if (!topic_allowed(ctx, security::AclOperation::kDescribe, tp.first)) continue;
      if (out.empty() || out.back().first != tp.first)
        out.emplace_back(tp.first, std::vector<PartitionAnswer>{});
      out.back().second.push_back({tp.second, o, 0});
    }
    return out;
  }
  for (const auto& [topic, partitions] : *requested) {
    out.emplace_back(topic, std::vector<PartitionAnswer>{});
    const bool topic_ok = topic_allowed(ctx, security::AclOperation::kDescribe, topic);
    for (int32_t p : partitions) {
      PartitionAnswer a;
      a.partition = p;
      a.error = fetched.error;
      if (!topic_ok) {
        a.error = kTopicAuthorizationFailed;
        out.back().second.push_back(std::move(a));
        continue;
      }
      auto it = fetched.offsets.find({topic, p});
      if (it != fetched.offsets.end()) a.offset = it->second;
      out.back().second.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace

asio::awaitable<void> handle_offset_fetch(RequestContext& ctx) {
  protocol::OffsetFetchRequest request;
  request.decode(ctx.body, ctx.version());
  Response response;
  if (ctx.version() < 8) {
    Requested requested;
    if (request.topics) {
      requested.emplace();
      for (const auto& t : *request.topics) requested->emplace_back(t.name, t.partition_indexes);
    }
    auto fetched = co_await fetch(ctx, request.group_id, requested);
    // v1 has no top-level error: the group's error goes to every partition instead.
    response.error_code = fetched.error;
    if (ctx.version() >= 2 && fetched.error != 0) requested = Requested(std::in_place);
    for (auto& [topic, parts] : answers(ctx, fetched, requested)) {
      Response::OffsetFetchResponseTopic t;
      t.name = topic;
      for (auto& a : parts) {
        Response::OffsetFetchResponsePartition p;
        p.partition_index = a.partition;
        p.committed_offset = a.offset.offset;
        p.committed_leader_epoch = a.offset.leader_epoch;
        p.metadata = a.offset.metadata;
        p.error_code = a.error;
        t.partitions.push_back(std::move(p));
      }
      response.topics.push_back(std::move(t));
    }
  } else {
    for (const auto& g : request.groups) {
      Requested requested;
      if (g.topics) {
        requested.emplace();
        for (const auto& t : *g.topics) requested->emplace_back(t.name, t.partition_indexes);
      }
      auto fetched = co_await fetch(ctx, g.group_id, requested);
      Response::OffsetFetchResponseGroup out;
      out.group_id = g.group_id;
      out.error_code = fetched.error;
      if (fetched.error != 0) requested = Requested(std::in_place);
      for (auto& [topic, parts] : answers(ctx, fetched, requested)) {
        Response::OffsetFetchResponseTopics t;
        t.name = topic;
        for (auto& a : parts) {
          Response::OffsetFetchResponsePartitions p;
          p.partition_index = a.partition;
          p.committed_offset = a.offset.offset;
          p.committed_leader_epoch = a.offset.leader_epoch;
          p.metadata = a.offset.metadata;
          // v8+ puts group errors on the group; only a topic's own denial is per partition.
          p.error_code = a.error == kTopicAuthorizationFailed ? a.error : 0;
          t.partitions.push_back(std::move(p));
        }
        out.topics.push_back(std::move(t));
      }
      response.groups.push_back(std::move(out));
    }
  }
  response.encode(ctx.response, ctx.version());
}

}  // namespace samsa::server
