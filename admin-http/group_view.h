#pragma once
// One consumer group as the REST faces show it: its description, the partitions each member was
// assigned (decoded from the consumer protocol's bytes), its committed offsets and the lag of each
// against the high watermark. Loaded through the group coordinator (blocking the CivetWeb thread
// on its callbacks, bounded by a timeout) and the partition manager.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "admin-http/admin_context.h"
#include "admin-http/http_types.h"
#include "server/group/group_coordinator.h"

namespace samsa::admin_http {

using server::group::TopicPartitionKey;

// ConsumerProtocolAssignment (any version: int16 version, [topic, [int32 partition]], user data)
// -> topic-partitions. Throws protocol::DecodeError on malformed or truncated bytes.
std::vector<TopicPartitionKey> decode_consumer_assignment(const std::vector<uint8_t>& bytes);

struct MemberView {
  std::string consumer_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::vector<TopicPartitionKey> assignments;
};

struct LagView {
  std::string topic;
  int32_t partition = 0;
  int64_t current_offset = 0;
  int64_t log_end_offset = 0;
  int64_t lag = 0;
  // The member assigned the partition; empty strings when nobody is (as kafka-rest).
  std::string consumer_id;
  std::optional<std::string> instance_id;
  std::string client_id;
};

struct GroupView {
  std::string group_id;
  std::string state;  // the coordinator's name: Stable, Empty, ...
  std::string protocol_type;
  std::string protocol;  // the assignor the group agreed on
  std::vector<MemberView> members;
  std::map<TopicPartitionKey, int64_t> committed;  // committed offsets

  bool is_simple() const { return protocol_type.empty(); }
  const MemberView* member(const std::string& id) const;
  // One entry per partition with a committed offset, sorted by topic and partition.
  std::vector<LagView> lags(AdminContext& ctx) const;
};

// Loads `group_id`; an error response (404 for an unknown group, 503/500 for coordinator
// trouble) when it cannot. `with_offsets` also fetches the committed offsets.
struct GroupLoad {
  std::optional<GroupView> group;
  std::optional<HttpResponse> error;
};
GroupLoad load_group(AdminContext& ctx, const std::string& group_id, bool with_offsets);

// The ids of every group the coordinator knows, or an error response.
struct GroupList {
  std::vector<std::string> ids;
  std::optional<HttpResponse> error;
};
GroupList list_group_ids(AdminContext& ctx);

// "STABLE", "EMPTY", ... (Confluent's ConsumerGroupState) from the coordinator's state name.
std::string rest_group_state(const std::string& state);

}  // namespace samsa::admin_http
