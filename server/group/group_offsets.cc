// Group's committed offsets, and the group metadata value it is persisted as in
// __consumer_offsets (restored from on load). The membership state machine is in group.cc.
#include <algorithm>

#include "protocol/error_codes.h"
#include "protocol/reader.h"
#include "server/group/group.h"

namespace samsa::server::group {
namespace {

constexpr int16_t code(protocol::ErrorCode e) {
  return static_cast<int16_t>(e);
}

}  // namespace

int16_t Group::validate_offset_commit(const std::string& member_id,
                                      const std::optional<std::string>& instance_id,
                                      int32_t generation) const {
  if (state_ == GroupState::kDead) return code(protocol::ErrorCode::kCoordinatorNotAvailable);
  if (generation < 0 && member_id.empty() && !instance_id) {
    return members_.empty() ? 0 : code(protocol::ErrorCode::kUnknownMemberId);
  }
  if (int16_t error = validate_member(member_id, instance_id); error != 0) return error;
  if (generation != generation_) return code(protocol::ErrorCode::kIllegalGeneration);
  if (state_ == GroupState::kCompletingRebalance)
    return code(protocol::ErrorCode::kRebalanceInProgress);
  return 0;
}

void Group::put_offset(const TopicPartitionKey& tp, CommittedOffset offset) {
  offsets_[tp] = std::move(offset);
}

std::vector<TopicPartitionKey> Group::expired_offsets(int64_t retention_ms) const {
  std::vector<TopicPartitionKey> out;
  if (state_ != GroupState::kEmpty) return out;
  const int64_t now = clock_.wall_ms();
  for (const auto& [tp, o] : offsets_) {
    if (std::max(o.commit_timestamp, state_timestamp_) + retention_ms <= now) out.push_back(tp);
  }
  return out;
}

std::set<std::string> Group::subscribed_topics() const {
  // ConsumerProtocolSubscription: int16 version, then an int32-counted array of topic strings.
  std::set<std::string> topics;
  if (protocol_type_ != "consumer") return topics;
  for (const auto& [id, m] : members_) {
    auto metadata = member_metadata(m);
    try {
      protocol::Reader r(metadata);
      r.read_int16();
      const int32_t n = r.read_array_length(false);
      for (int32_t i = 0; i < n; ++i) topics.insert(r.read_string());
    } catch (const protocol::DecodeError&) {
      // An unreadable subscription protects nothing.
    }
  }
  return topics;
}

void Group::restore(const GroupValue& value) {
  protocol_type_ = value.protocol_type;
  generation_ = value.generation;
  protocol_ = value.protocol;
  leader_ = value.leader;
  if (value.current_state_timestamp >= 0) state_timestamp_ = value.current_state_timestamp;
  members_.clear();
  static_members_.clear();
  for (const auto& v : value.members) {
    Member m;
    m.id = v.member_id;
    m.instance_id = v.group_instance_id;
    m.client_id = v.client_id;
    m.client_host = v.client_host;
    m.session_timeout_ms = v.session_timeout;
    m.rebalance_timeout_ms = v.rebalance_timeout;
    m.protocol_type = value.protocol_type;
    if (value.protocol) m.protocols.push_back({*value.protocol, v.subscription});
    m.assignment = v.assignment;
    // Loaded members get a full session to find the new coordinator and heartbeat.
    heartbeat_member(m);
    if (m.instance_id) static_members_[*m.instance_id] = m.id;
    members_[m.id] = std::move(m);
  }
  state_ = members_.empty() ? GroupState::kEmpty : GroupState::kStable;
}

GroupValue Group::to_value() const {
  GroupValue v;
  v.protocol_type = protocol_type_;
  v.generation = generation_;
  v.protocol = protocol_;
  v.leader = leader_;
  v.current_state_timestamp = state_timestamp_;
  for (const auto& [id, m] : members_) {
    MemberValue mv;
    mv.member_id = id;
    mv.group_instance_id = m.instance_id;
    mv.client_id = m.client_id;
    mv.client_host = m.client_host;
    mv.rebalance_timeout = m.rebalance_timeout_ms;
    mv.session_timeout = m.session_timeout_ms;
    mv.subscription = member_metadata(m);
    mv.assignment = m.assignment;
    v.members.push_back(std::move(mv));
  }
  return v;
}

}  // namespace samsa::server::group
