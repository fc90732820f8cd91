#pragma once
// One consumer group under Kafka's classic protocol: members, generations, the rebalance state
// machine (Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and Dead) and committed
// offsets. Pure logic: time comes from an injected Clock, persistence through a hook, and results
// go to callbacks, so the unit tests drive every transition without threads or timers. Not
// thread-safe: the coordinator calls it from its own thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/types.h"
#include "server/group/group_records.h"

namespace samsa::server::group {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t steady_ms() const = 0;  // deadlines (sessions, rebalances)
  virtual int64_t wall_ms() const = 0;    // persisted timestamps (commits, state changes)
};

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
const char* state_name(GroupState state);

struct GroupLimits {
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1800000;
  int32_t initial_rebalance_delay_ms = 3000;
  int32_t max_size = INT32_MAX;
};

struct Protocol {
  std::string name;
  protocol::Bytes metadata;
  bool operator==(const Protocol&) const = default;
};

struct JoinParams {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  bool require_known_member_id = false;  // JoinGroup v4+ (KIP-394)
};

struct JoinMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  protocol::Bytes metadata;
};

struct JoinResult {
  int16_t error = 0;
  int32_t generation = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<JoinMember> members;  // only for the leader
};

struct SyncParams {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int32_t generation = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, protocol::Bytes>> assignments;
};

struct SyncResult {
  int16_t error = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  protocol::Bytes assignment;
};

using JoinCallback = std::function<void(JoinResult)>;
using SyncCallback = std::function<void(SyncResult)>;

struct Member {
  std::string id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  protocol::Bytes assignment;
  JoinCallback awaiting_join;
  SyncCallback awaiting_sync;
  int64_t session_deadline = 0;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = 0;
};

using TopicPartitionKey = std::pair<std::string, int32_t>;

class Group {
 public:
  // Called when the group's membership must be made durable (sync completion, becoming Empty,
  // static member replacement). Returns a Kafka error code; non-zero fails the operation.
  using PersistHook = std::function<int16_t(const Group&)>;

  Group(std::string id, const GroupLimits& limits, const Clock& clock);
  ~Group();

  void set_persist_hook(PersistHook hook) { persist_ = std::move(hook); }

  void join(const JoinParams& params, JoinCallback done);
  void sync(const SyncParams& params, SyncCallback done);
  int16_t heartbeat(const std::string& member_id, const std::optional<std::string>& instance_id,
                    int32_t generation);
  // One member of a LeaveGroup request; either id may be empty/absent (v3+ by instance id).
  int16_t leave(const std::string& member_id, const std::optional<std::string>& instance_id);
  // Session expiry and rebalance deadlines; the coordinator calls this periodically.
  void tick();
  // Answers every waiting request with `error` and empties the group (coordinator unload/shutdown).
  void fail_all(int16_t error);

  // Kafka's checks for OffsetCommit; generation < 0 with no member id is a simple (non-member)
  // commit, accepted only while the group has no members.
  int16_t validate_offset_commit(const std::string& member_id,
                                 const std::optional<std::string>& instance_id,
                                 int32_t generation) const;
  void put_offset(const TopicPartitionKey& tp, CommittedOffset offset);
  void remove_offset(const TopicPartitionKey& tp) { offsets_.erase(tp); }
  const std::map<TopicPartitionKey, CommittedOffset>& offsets() const { return offsets_; }
  // Offsets of an Empty group older than `retention_ms` (from the later of the commit and the
  // moment the group became Empty), as Kafka 2.1+ expires them.
  std::vector<TopicPartitionKey> expired_offsets(int64_t retention_ms) const;
  // Topics the members subscribe to (consumer protocol only), for OffsetDelete.
  std::set<std::string> subscribed_topics() const;

  void restore(const GroupValue& value);
  GroupValue to_value() const;
  void mark_dead();

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  int32_t generation() const { return generation_; }
  const std::string& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_; }
  const std::optional<std::string>& leader() const { return leader_; }
  const std::map<std::string, Member>& members() const { return members_; }
  size_t pending_member_count() const { return pending_.size(); }
  bool has_member(const std::string& id) const { return members_.count(id) != 0; }
  // The chosen protocol's metadata of a member (empty if none chosen).
  protocol::Bytes member_metadata(const Member& m) const;

 private:
  void add_member_and_rebalance(const JoinParams& params, std::string member_id, JoinCallback done);
  void update_member_and_rebalance(Member& member, const JoinParams& params, JoinCallback done);
  void replace_static_member(const JoinParams& params, JoinCallback done);
  void prepare_rebalance();
  void maybe_complete_join();
  void complete_join();
  void remove_member(const std::string& id, int16_t error);
  void reset_assignments();
  void transition(GroupState to);
  void heartbeat_member(Member& m);
  int16_t validate_member(const std::string& member_id,
                          const std::optional<std::string>& instance_id) const;
  bool supports_protocols(const std::string& type, const std::vector<Protocol>& protocols) const;
  std::string select_protocol() const;
  JoinResult join_result_for(const Member& m) const;
  std::string new_member_id(const std::string& client_id);

  std::string id_;
  GroupLimits limits_;
  const Clock& clock_;
  PersistHook persist_;

  GroupState state_ = GroupState::kEmpty;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::optional<std::string> protocol_;
  std::optional<std::string> leader_;
  int64_t state_timestamp_ = -1;  // wall clock of the last state change
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::map<std::string, int64_t> pending_;             // MEMBER_ID_REQUIRED ids -> deadline
  int64_t join_deadline_ = 0;
  bool initial_join_ = false;  // in the group.initial.rebalance.delay.ms window
  int64_t initial_join_limit_ = 0;
  std::map<TopicPartitionKey, CommittedOffset> offsets_;
  uint64_t member_counter_ = 0;
};

}  // namespace samsa::server::group
