// The classic group state machine driven with a fake clock: every transition, timeouts, static
// membership and Kafka's error codes.
#include "server/group/group.h"

#include <gtest/gtest.h>

#include <optional>

#include "protocol/error_codes.h"

namespace samsa::server::group {
namespace {

using protocol::ErrorCode;
constexpr int16_t code(ErrorCode e) {
  return static_cast<int16_t>(e);
}

class FakeClock : public Clock {
 public:
  int64_t steady_ms() const override { return now; }
  int64_t wall_ms() const override { return 1'000'000 + now; }
  int64_t now = 0;
};

class GroupTest : public ::testing::Test {
 protected:
  GroupTest() {
    limits_.min_session_timeout_ms = 1000;
    limits_.max_session_timeout_ms = 60000;
    limits_.initial_rebalance_delay_ms = 500;
    limits_.max_size = 3;
    group_ = std::make_unique<Group>("g", limits_, clock_);
    group_->set_persist_hook([this](const Group& g) {
      persisted_.push_back(g.to_value());
      return persist_error_;
    });
  }

  JoinParams params(std::string member_id = "", std::optional<std::string> instance = {},
                    std::string protocol = "range") {
    JoinParams p;
    p.member_id = std::move(member_id);
    p.group_instance_id = std::move(instance);
    p.client_id = "client";
    p.client_host = "/127.0.0.1";
    p.session_timeout_ms = 10000;
    p.rebalance_timeout_ms = 20000;
    p.protocol_type = "consumer";
    p.protocols = {{protocol, {1, 2, 3}}};
    p.require_known_member_id = true;
    return p;
  }

  // Joins and returns a slot that is filled when the join completes.
  std::shared_ptr<std::optional<JoinResult>> join(const JoinParams& p) {
    auto slot = std::make_shared<std::optional<JoinResult>>();
    group_->join(p, [slot](JoinResult r) { *slot = std::move(r); });
    return slot;
  }

  std::shared_ptr<std::optional<SyncResult>> sync(
      const std::string& member, int32_t generation,
      std::vector<std::pair<std::string, protocol::Bytes>> a = {},
      std::optional<std::string> instance = {}) {
    SyncParams p;
    p.member_id = member;
    p.generation = generation;
    p.group_instance_id = std::move(instance);
    p.assignments = std::move(a);
    auto slot = std::make_shared<std::optional<SyncResult>>();
    group_->sync(p, [slot](SyncResult r) { *slot = std::move(r); });
    return slot;
  }

  void advance(int64_t ms) {
    clock_.now += ms;
    group_->tick();
  }

  // KIP-394 two-step join of a new dynamic member; returns its id.
  std::string member_id_for_new_member() {
    auto first = join(params());
    EXPECT_TRUE(*first);
    EXPECT_EQ((*first)->error, code(ErrorCode::kMemberIdRequired));
    return (*first)->member_id;
  }

  // One member joins, the initial delay passes, the member syncs: Stable at generation 1.
  std::string stable_single_member() {
    std::string id = member_id_for_new_member();
    auto joined = join(params(id));
    advance(limits_.initial_rebalance_delay_ms);
    EXPECT_TRUE(*joined);
    auto synced = sync(id, 1, {{id, {9}}});
    EXPECT_TRUE(*synced);
    EXPECT_EQ(group_->state(), GroupState::kStable);
    return id;
  }

  FakeClock clock_;
  GroupLimits limits_;
  std::unique_ptr<Group> group_;
  std::vector<GroupValue> persisted_;
  int16_t persist_error_ = 0;
};

TEST_F(GroupTest, FirstJoinRequiresMemberId) {
  auto r = join(params());
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->error, code(ErrorCode::kMemberIdRequired));
  EXPECT_FALSE((*r)->member_id.empty());
  EXPECT_EQ(group_->state(), GroupState::kEmpty);
  EXPECT_EQ(group_->pending_member_count(), 1u);
}

TEST_F(GroupTest, OldClientsJoinWithoutMemberIdStep) {
  auto p = params();
  p.require_known_member_id = false;
  auto r = join(p);
  EXPECT_FALSE(*r);  // waiting for the initial delay
  EXPECT_EQ(group_->state(), GroupState::kPreparingRebalance);
  advance(500);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->error, 0);
  EXPECT_EQ((*r)->generation, 1);
  EXPECT_EQ((*r)->leader, (*r)->member_id);
}

TEST_F(GroupTest, InitialDelayThenCompletingRebalanceThenStable) {
  std::string id = member_id_for_new_member();
  auto r = join(params(id));
  EXPECT_EQ(group_->state(), GroupState::kPreparingRebalance);
  advance(499);
  EXPECT_FALSE(*r);
  advance(1);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->error, 0);
  EXPECT_EQ((*r)->generation, 1);
  EXPECT_EQ((*r)->protocol_name, "range");
  EXPECT_EQ((*r)->leader, id);
  ASSERT_EQ((*r)->members.size(), 1u);
  EXPECT_EQ((*r)->members[0].metadata, (protocol::Bytes{1, 2, 3}));
  EXPECT_EQ(group_->state(), GroupState::kCompletingRebalance);

  auto s = sync(id, 1, {{id, {7, 7}}});
  ASSERT_TRUE(*s);
  EXPECT_EQ((*s)->error, 0);
  EXPECT_EQ((*s)->assignment, (protocol::Bytes{7, 7}));
  EXPECT_EQ(group_->state(), GroupState::kStable);
  ASSERT_EQ(persisted_.size(), 1u);
  EXPECT_EQ(persisted_[0].generation, 1);
  EXPECT_EQ(persisted_[0].members[0].assignment, (protocol::Bytes{7, 7}));
}

TEST_F(GroupTest, SecondMemberTriggersRebalanceAndFollowerWaitsForLeaderSync) {
  std::string a = stable_single_member();
  std::string b = member_id_for_new_member();
  auto jb = join(params(b));
  EXPECT_EQ(group_->state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(group_->heartbeat(a, std::nullopt, 1), code(ErrorCode::kRebalanceInProgress));
  auto ja = join(params(a));  // all members in: completes without waiting for the timeout
  ASSERT_TRUE(*ja);
  ASSERT_TRUE(*jb);
  EXPECT_EQ((*ja)->generation, 2);
  EXPECT_EQ((*ja)->members.size(), 2u);  // a stays leader
  EXPECT_TRUE((*jb)->members.empty());
  auto sb = sync(b, 2);
  EXPECT_FALSE(*sb);                                    // waits for the leader's assignment
  EXPECT_EQ(group_->heartbeat(b, std::nullopt, 2), 0);  // CompletingRebalance: alive
  auto sa = sync(a, 2, {{a, {1}}, {b, {2}}});
  ASSERT_TRUE(*sb);
  EXPECT_EQ((*sb)->assignment, (protocol::Bytes{2}));
  EXPECT_EQ((*sa)->assignment, (protocol::Bytes{1}));
  EXPECT_EQ(group_->state(), GroupState::kStable);
}

TEST_F(GroupTest, HeartbeatErrors) {
  std::string id = stable_single_member();
  EXPECT_EQ(group_->heartbeat(id, std::nullopt, 1), 0);
  EXPECT_EQ(group_->heartbeat("nobody", std::nullopt, 1), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(group_->heartbeat(id, std::nullopt, 7), code(ErrorCode::kIllegalGeneration));
  auto s = sync(id, 3);
  EXPECT_EQ((*s)->error, code(ErrorCode::kIllegalGeneration));
}

TEST_F(GroupTest, SessionExpiryRemovesMemberAndRebalances) {
  std::string a = stable_single_member();
  std::string b = member_id_for_new_member();
  join(params(b));
  join(params(a));
  sync(a, 2, {{a, {1}}, {b, {2}}});
  sync(b, 2);
  ASSERT_EQ(group_->state(), GroupState::kStable);
  // b keeps heartbeating, a goes silent.
  for (int i = 0; i < 12; ++i) {
    advance(1000);
    if (group_->has_member(b)) group_->heartbeat(b, std::nullopt, group_->generation());
  }
  EXPECT_FALSE(group_->has_member(a));
  EXPECT_EQ(group_->state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(group_->heartbeat(b, std::nullopt, 2), code(ErrorCode::kRebalanceInProgress));
  auto jb = join(params(b));
  ASSERT_TRUE(*jb);
  EXPECT_EQ((*jb)->generation, 3);
  EXPECT_EQ((*jb)->leader, b);
}

TEST_F(GroupTest, MemberThatDoesNotRejoinIsDroppedAtRebalanceTimeout) {
  std::string a = stable_single_member();
  std::string b = member_id_for_new_member();
  auto jb = join(params(b));
  // a heartbeats (so its session stays alive) but never rejoins.
  for (int i = 0; i < 19; ++i) {
    advance(1000);
    group_->heartbeat(a, std::nullopt, 1);
  }
  EXPECT_FALSE(*jb);
  advance(1000);  // 20 s rebalance timeout
  ASSERT_TRUE(*jb);
  EXPECT_EQ((*jb)->generation, 2);
  EXPECT_FALSE(group_->has_member(a));
}

TEST_F(GroupTest, PendingMemberIdExpires) {
  member_id_for_new_member();
  EXPECT_EQ(group_->pending_member_count(), 1u);
  advance(10000);
  EXPECT_EQ(group_->pending_member_count(), 0u);
}

TEST_F(GroupTest, LastMemberLeavingEmptiesGroup) {
  std::string id = stable_single_member();
  EXPECT_EQ(group_->leave("nobody", std::nullopt), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(group_->leave(id, std::nullopt), 0);
  EXPECT_EQ(group_->state(), GroupState::kEmpty);
  EXPECT_EQ(group_->generation(), 2);
  EXPECT_TRUE(persisted_.back().members.empty());
  EXPECT_EQ(group_->heartbeat(id, std::nullopt, 2), code(ErrorCode::kUnknownMemberId));
}

TEST_F(GroupTest, LeaveDuringCompletingRebalanceFailsPendingSync) {
  std::string a = stable_single_member();
  std::string b = member_id_for_new_member();
  join(params(b));
  join(params(a));
  ASSERT_EQ(group_->state(), GroupState::kCompletingRebalance);
  auto sb = sync(b, 2);
  EXPECT_EQ(group_->leave(a, std::nullopt), 0);
  ASSERT_TRUE(*sb);
  EXPECT_EQ((*sb)->error, code(ErrorCode::kRebalanceInProgress));
  EXPECT_EQ(group_->state(), GroupState::kPreparingRebalance);
}

TEST_F(GroupTest, JoinValidation) {
  auto p = params();
  p.session_timeout_ms = 10;
  EXPECT_EQ((*join(p))->error, code(ErrorCode::kInvalidSessionTimeout));
  p = params();
  p.protocols.clear();
  EXPECT_EQ((*join(p))->error, code(ErrorCode::kInconsistentGroupProtocol));
  std::string id = stable_single_member();
  EXPECT_EQ((*join(params("", {}, "roundrobin")))->error,
            code(ErrorCode::kInconsistentGroupProtocol));
  EXPECT_EQ((*join(params("unknown-id")))->error, code(ErrorCode::kUnknownMemberId));
  member_id_for_new_member();
  member_id_for_new_member();
  EXPECT_EQ((*join(params()))->error, code(ErrorCode::kGroupMaxSizeReached));
  (void)id;
}

TEST_F(GroupTest, StaticMemberRestartKeepsAssignmentWithoutRebalance) {
  auto first = join(params("", "inst-1"));  // static members skip MEMBER_ID_REQUIRED
  advance(500);
  ASSERT_TRUE(*first);
  const std::string old_id = (*first)->member_id;
  sync(old_id, 1, {{old_id, {4, 2}}}, "inst-1");
  ASSERT_EQ(group_->state(), GroupState::kStable);

  auto again = join(params("", "inst-1"));
  ASSERT_TRUE(*again);
  EXPECT_EQ((*again)->error, 0);
  EXPECT_EQ((*again)->generation, 1);
  EXPECT_NE((*again)->member_id, old_id);
  EXPECT_TRUE((*again)->skip_assignment);  // it was the leader
  EXPECT_EQ(group_->state(), GroupState::kStable);
  auto s = sync((*again)->member_id, 1, {}, "inst-1");
  EXPECT_EQ((*s)->assignment, (protocol::Bytes{4, 2}));
  EXPECT_EQ(group_->heartbeat(old_id, "inst-1", 1), code(ErrorCode::kFencedInstanceId));
  EXPECT_EQ(group_->heartbeat((*again)->member_id, "inst-1", 1), 0);
  EXPECT_EQ(persisted_.back().members[0].member_id, (*again)->member_id);
}

TEST_F(GroupTest, OffsetCommitValidation) {
  EXPECT_EQ(group_->validate_offset_commit("", std::nullopt, -1), 0);  // simple consumer
  std::string id = stable_single_member();
  EXPECT_EQ(group_->validate_offset_commit("", std::nullopt, -1),
            code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(group_->validate_offset_commit(id, std::nullopt, 1), 0);
  EXPECT_EQ(group_->validate_offset_commit(id, std::nullopt, 0),
            code(ErrorCode::kIllegalGeneration));
  std::string b = member_id_for_new_member();
  join(params(b));
  join(params(id));
  EXPECT_EQ(group_->validate_offset_commit(id, std::nullopt, 2),
            code(ErrorCode::kRebalanceInProgress));
}

TEST_F(GroupTest, OffsetsOfEmptyGroupExpireAfterRetention) {
  group_->put_offset({"t", 0}, CommittedOffset{5, -1, "", clock_.wall_ms()});
  EXPECT_TRUE(group_->expired_offsets(60000).empty());
  clock_.now += 60000;
  EXPECT_EQ(group_->expired_offsets(60000).size(), 1u);
  stable_single_member();  // a group with members keeps its offsets
  EXPECT_TRUE(group_->expired_offsets(60000).empty());
}

TEST_F(GroupTest, PersistFailureFailsSyncAndRebalances) {
  std::string id = member_id_for_new_member();
  join(params(id));
  advance(500);
  persist_error_ = code(ErrorCode::kNotCoordinator);
  auto s = sync(id, 1, {{id, {1}}});
  ASSERT_TRUE(*s);
  EXPECT_EQ((*s)->error, code(ErrorCode::kNotCoordinator));
  EXPECT_EQ(group_->state(), GroupState::kPreparingRebalance);
}

TEST_F(GroupTest, RestoreFromRecordIsStableAndExpiresSilentMembers) {
  std::string id = stable_single_member();
  GroupValue value = group_->to_value();
  Group restored("g", limits_, clock_);
  restored.restore(value);
  EXPECT_EQ(restored.state(), GroupState::kStable);
  EXPECT_EQ(restored.generation(), 1);
  EXPECT_EQ(restored.heartbeat(id, std::nullopt, 1), 0);
  clock_.now += 10001;
  restored.tick();
  // The only member expired: the rebalance completes at once with nobody left.
  EXPECT_EQ(restored.state(), GroupState::kEmpty);
  EXPECT_EQ(restored.generation(), 2);
}

TEST_F(GroupTest, SubscribedTopicsFromConsumerProtocol) {
  auto p = params("", "i");
  // ConsumerProtocolSubscription v0: version, [topics], user data.
  p.protocols = {{"range", {0, 0, 0, 0, 0, 1, 0, 3, 'f', 'o', 'o', 0xFF, 0xFF, 0xFF, 0xFF}}};
  join(p);
  advance(500);
  EXPECT_EQ(group_->subscribed_topics(), (std::set<std::string>{"foo"}));
}

}  // namespace
}  // namespace samsa::server::group
