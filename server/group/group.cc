#include "server/group/group.h"

#include <algorithm>
#include <random>

#include "protocol/error_codes.h"

namespace samsa::server::group {
namespace {

using protocol::ErrorCode;

constexpr int16_t code(ErrorCode e) {
  return static_cast<int16_t>(e);
}

JoinResult join_error(int16_t error, std::string member_id = {}) {
  JoinResult r;
  r.error = error;
  r.member_id = std::move(member_id);
  return r;
}

SyncResult sync_error(int16_t error) {
  SyncResult r;
  r.error = error;
  return r;
}

}  // namespace

const char* state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

Group::Group(std::string id, const GroupLimits& limits, const Clock& clock)
    : id_(std::move(id)), limits_(limits), clock_(clock), state_timestamp_(clock.wall_ms()) {}

Group::~Group() = default;

std::string Group::new_member_id(const std::string& client_id) {
  // Kafka's form: client id, a dash and a UUID; uniqueness within the group is what matters.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  const uint64_t a = rng(), b = rng();
  snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<uint32_t>(a >> 32),
           static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xffff),
           static_cast<uint32_t>(b >> 48),
           static_cast<unsigned long long>((b & 0xffffffffffffULL) + member_counter_++));
  return client_id + "-" + buf;
}

void Group::transition(GroupState to) {
  state_ = to;
  state_timestamp_ = clock_.wall_ms();
}

void Group::heartbeat_member(Member& m) {
  m.session_deadline = clock_.steady_ms() + m.session_timeout_ms;
}

bool Group::supports_protocols(const std::string& type,
                               const std::vector<Protocol>& protocols) const {
  if (protocols.empty() || type.empty()) return false;
  if (members_.empty()) return true;
  if (type != protocol_type_) return false;
  // Some protocol must be supported by every current member as well as the joining one.
  for (const auto& p : protocols) {
    bool all = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      const auto& mp = kv.second.protocols;
      return std::any_of(mp.begin(), mp.end(), [&](const Protocol& q) { return q.name == p.name; });
    });
    if (all) return true;
  }
  return false;
}

std::string Group::select_protocol() const {
  // Candidates are supported by all members; each member votes for its most preferred candidate.
  std::vector<std::string> candidates;
  for (const auto& p : members_.begin()->second.protocols) {
    bool all = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      const auto& mp = kv.second.protocols;
      return std::any_of(mp.begin(), mp.end(), [&](const Protocol& q) { return q.name == p.name; });
    });
    if (all) candidates.push_back(p.name);
  }
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) {
    for (const auto& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        votes[p.name]++;
        break;
      }
    }
  }
  std::string best = candidates.empty() ? std::string() : candidates.front();
  for (const auto& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

protocol::Bytes Group::member_metadata(const Member& m) const {
  if (!protocol_) return {};
  for (const auto& p : m.protocols) {
    if (p.name == *protocol_) return p.metadata;
  }
  return {};
}

int16_t Group::validate_member(const std::string& member_id,
                               const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto it = static_members_.find(*instance_id);
    if (it == static_members_.end()) return code(ErrorCode::kUnknownMemberId);
    if (it->second != member_id) return code(ErrorCode::kFencedInstanceId);
  }
  if (!has_member(member_id)) return code(ErrorCode::kUnknownMemberId);
  return 0;
}

void Group::join(const JoinParams& params, JoinCallback done) {
  if (params.session_timeout_ms < limits_.min_session_timeout_ms ||
      params.session_timeout_ms > limits_.max_session_timeout_ms) {
    return done(join_error(code(ErrorCode::kInvalidSessionTimeout), params.member_id));
  }
  if (state_ == GroupState::kDead) {
    return done(join_error(code(ErrorCode::kCoordinatorNotAvailable), params.member_id));
  }
  if (!supports_protocols(params.protocol_type, params.protocols)) {
    return done(join_error(code(ErrorCode::kInconsistentGroupProtocol), params.member_id));
  }
  if (params.member_id.empty()) {
    if (params.group_instance_id && static_members_.count(*params.group_instance_id)) {
      return replace_static_member(params, std::move(done));
    }
    if (members_.size() + pending_.size() >= static_cast<size_t>(limits_.max_size)) {
      return done(join_error(code(ErrorCode::kGroupMaxSizeReached)));
    }
    std::string id = new_member_id(params.client_id);
    if (params.require_known_member_id && !params.group_instance_id) {
      // KIP-394: the client must come back with this id, so a client that dies between the two
      // joins leaves only a pending id behind (expired after the session timeout), not a member.
      pending_[id] = clock_.steady_ms() + params.session_timeout_ms;
      return done(join_error(code(ErrorCode::kMemberIdRequired), id));
    }
    return add_member_and_rebalance(params, std::move(id), std::move(done));
  }

  auto pending = pending_.find(params.member_id);
  if (pending != pending_.end()) {
    pending_.erase(pending);
    return add_member_and_rebalance(params, params.member_id, std::move(done));
  }
  if (int16_t error = validate_member(params.member_id, params.group_instance_id); error != 0) {
    return done(join_error(error, params.member_id));
  }
  Member& member = members_.at(params.member_id);
  switch (state_) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(member, params, std::move(done));
    case GroupState::kCompletingRebalance:
      if (member.protocols == params.protocols) {
        // The member missed its join response; hand it the current generation again.
        heartbeat_member(member);
        return done(join_result_for(member));
      }
      return update_member_and_rebalance(member, params, std::move(done));
    case GroupState::kStable:
      if (leader_ != member.id && member.protocols == params.protocols) {
        heartbeat_member(member);
        return done(join_result_for(member));
      }
      return update_member_and_rebalance(member, params, std::move(done));
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(join_error(code(ErrorCode::kUnknownMemberId), params.member_id));
  }
}

void Group::add_member_and_rebalance(const JoinParams& params, std::string member_id,
                                     JoinCallback done) {
  if (members_.empty()) protocol_type_ = params.protocol_type;
  Member m;
  m.id = member_id;
  m.instance_id = params.group_instance_id;
  m.client_id = params.client_id;
  m.client_host = params.client_host;
  m.session_timeout_ms = params.session_timeout_ms;
  m.rebalance_timeout_ms = params.rebalance_timeout_ms;
  m.protocol_type = params.protocol_type;
  m.protocols = params.protocols;
  m.awaiting_join = std::move(done);
  heartbeat_member(m);
  if (m.instance_id) static_members_[*m.instance_id] = member_id;
  members_[member_id] = std::move(m);
  if (state_ == GroupState::kPreparingRebalance && initial_join_) {
    // Each newcomer in the initial window extends it, up to the rebalance timeout (Kafka's
    // InitialDelayedJoin), so a fleet of consumers starting together forms one generation.
    join_deadline_ =
        std::min(clock_.steady_ms() + limits_.initial_rebalance_delay_ms, initial_join_limit_);
  }
  if (state_ != GroupState::kPreparingRebalance) prepare_rebalance();
  maybe_complete_join();
}

void Group::update_member_and_rebalance(Member& member, const JoinParams& params,
                                        JoinCallback done) {
  member.protocols = params.protocols;
  member.session_timeout_ms = params.session_timeout_ms;
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  member.client_id = params.client_id;
  member.client_host = params.client_host;
  if (member.awaiting_join) {
    // A duplicate join replaces the earlier one, which learns it was superseded.
    std::exchange(member.awaiting_join, nullptr)(join_error(code(ErrorCode::kUnknownMemberId)));
  }
  member.awaiting_join = std::move(done);
  heartbeat_member(member);
  if (state_ != GroupState::kPreparingRebalance) prepare_rebalance();
  maybe_complete_join();
}

void Group::replace_static_member(const JoinParams& params, JoinCallback done) {
  // KIP-345: a restarted static member takes over its old identity and assignment; the old member
  // id is fenced. No rebalance unless its subscription changed or the group is mid-rebalance.
  const std::string old_id = static_members_.at(*params.group_instance_id);
  Member member = std::move(members_.at(old_id));
  members_.erase(old_id);
  if (member.awaiting_join) {
    std::exchange(member.awaiting_join, nullptr)(join_error(code(ErrorCode::kFencedInstanceId)));
  }
  if (member.awaiting_sync) {
    std::exchange(member.awaiting_sync, nullptr)(sync_error(code(ErrorCode::kFencedInstanceId)));
  }
  const std::string new_id = new_member_id(params.client_id);
  member.id = new_id;
  member.client_id = params.client_id;
  member.client_host = params.client_host;
  member.session_timeout_ms = params.session_timeout_ms;
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  heartbeat_member(member);
  const bool was_leader = leader_ == old_id;
  if (was_leader) leader_ = new_id;
  static_members_[*params.group_instance_id] = new_id;
  const bool same = member.protocols == params.protocols;
  members_[new_id] = std::move(member);
  Member& m = members_.at(new_id);

  if (state_ == GroupState::kStable && same) {
    if (persist_) {
      if (int16_t error = persist_(*this); error != 0) return done(join_error(error));
    }
    JoinResult r = join_result_for(m);
    if (was_leader) {
      // The leader need not assign again (JoinGroup v9 skip_assignment); older clients will, and
      // their SyncGroup in Stable just returns the kept assignment.
      r.skip_assignment = true;
      for (const auto& [id, other] : members_) {
        r.members.push_back({id, other.instance_id, member_metadata(other)});
      }
    }
    return done(std::move(r));
  }
  if (state_ == GroupState::kCompletingRebalance && same) return done(join_result_for(m));
  update_member_and_rebalance(m, params, std::move(done));
}

JoinResult Group::join_result_for(const Member& m) const {
  JoinResult r;
  r.generation = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_;
  r.leader = leader_.value_or("");
  r.member_id = m.id;
  if (leader_ == m.id) {
    for (const auto& [id, other] : members_) {
      r.members.push_back({id, other.instance_id, member_metadata(other)});
    }
  }
  return r;
}

void Group::reset_assignments() {
  for (auto& [id, m] : members_) {
    m.assignment.clear();
    if (m.awaiting_sync) {
      std::exchange(m.awaiting_sync, nullptr)(sync_error(code(ErrorCode::kRebalanceInProgress)));
    }
  }
}

void Group::prepare_rebalance() {
  if (state_ == GroupState::kCompletingRebalance) reset_assignments();
  const int64_t now = clock_.steady_ms();
  int32_t rebalance_timeout = 0;
  for (const auto& [id, m] : members_) {
    rebalance_timeout = std::max(rebalance_timeout, m.rebalance_timeout_ms);
  }
  initial_join_ = state_ == GroupState::kEmpty;
  if (initial_join_) {
    initial_join_limit_ = now + std::max(rebalance_timeout, limits_.initial_rebalance_delay_ms);
    join_deadline_ = now + limits_.initial_rebalance_delay_ms;
  } else {
    join_deadline_ = now + rebalance_timeout;
  }
  transition(GroupState::kPreparingRebalance);
}

void Group::maybe_complete_join() {
  if (state_ != GroupState::kPreparingRebalance) return;
  const bool all_joined =
      pending_.empty() && std::all_of(members_.begin(), members_.end(),
                                      [](const auto& kv) { return bool(kv.second.awaiting_join); });
  const bool due = clock_.steady_ms() >= join_deadline_;
  if (due || (all_joined && !initial_join_)) complete_join();
}

void Group::complete_join() {
  // Members that did not rejoin in time leave the group (static ones too: they can come back).
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_) {
    if (!m.awaiting_join) gone.push_back(id);
  }
  for (const auto& id : gone) {
    if (members_[id].instance_id) static_members_.erase(*members_[id].instance_id);
    members_.erase(id);
  }
  initial_join_ = false;
  generation_++;
  if (members_.empty()) {
    protocol_.reset();
    leader_.reset();
    transition(GroupState::kEmpty);
    if (persist_) persist_(*this);  // a failure only means the old generation is reloaded
    return;
  }
  protocol_ = select_protocol();
  if (!leader_ || !members_.count(*leader_)) leader_ = members_.begin()->first;
  transition(GroupState::kCompletingRebalance);
  for (auto& [id, m] : members_) {
    heartbeat_member(m);
    std::exchange(m.awaiting_join, nullptr)(join_result_for(m));
  }
}

void Group::sync(const SyncParams& params, SyncCallback done) {
  if (state_ == GroupState::kDead)
    return done(sync_error(code(ErrorCode::kCoordinatorNotAvailable)));
  if (int16_t error = validate_member(params.member_id, params.group_instance_id); error != 0) {
    return done(sync_error(error));
  }
  if (params.generation != generation_)
    return done(sync_error(code(ErrorCode::kIllegalGeneration)));
  if ((params.protocol_type && *params.protocol_type != protocol_type_) ||
      (params.protocol_name && params.protocol_name != protocol_)) {
    return done(sync_error(code(ErrorCode::kInconsistentGroupProtocol)));
  }
  Member& member = members_.at(params.member_id);
  switch (state_) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(sync_error(code(ErrorCode::kUnknownMemberId)));
    case GroupState::kPreparingRebalance:
      return done(sync_error(code(ErrorCode::kRebalanceInProgress)));
    case GroupState::kStable: {
      heartbeat_member(member);
      SyncResult r;
      r.protocol_type = protocol_type_;
      r.protocol_name = protocol_;
      r.assignment = member.assignment;
      return done(std::move(r));
    }
    case GroupState::kCompletingRebalance:
      break;
  }
  heartbeat_member(member);
  if (member.awaiting_sync) {
    std::exchange(member.awaiting_sync, nullptr)(sync_error(code(ErrorCode::kUnknownMemberId)));
  }
  member.awaiting_sync = std::move(done);
  if (leader_ != params.member_id) return;

  // The leader's assignment is opaque to us: stored and handed out as received.
  for (auto& [id, m] : members_) m.assignment.clear();
  for (const auto& [id, assignment] : params.assignments) {
    auto it = members_.find(id);
    if (it != members_.end()) it->second.assignment = assignment;
  }
  if (persist_) {
    if (int16_t error = persist_(*this); error != 0) {
      for (auto& [id, m] : members_) {
        m.assignment.clear();
        if (m.awaiting_sync) std::exchange(m.awaiting_sync, nullptr)(sync_error(error));
      }
      prepare_rebalance();
      return;
    }
  }
  transition(GroupState::kStable);
  for (auto& [id, m] : members_) {
    if (!m.awaiting_sync) continue;
    SyncResult r;
    r.protocol_type = protocol_type_;
    r.protocol_name = protocol_;
    r.assignment = m.assignment;
    std::exchange(m.awaiting_sync, nullptr)(std::move(r));
  }
}

int16_t Group::heartbeat(const std::string& member_id,
                         const std::optional<std::string>& instance_id, int32_t generation) {
  if (state_ == GroupState::kDead) return code(ErrorCode::kCoordinatorNotAvailable);
  if (int16_t error = validate_member(member_id, instance_id); error != 0) return error;
  if (generation != generation_) return code(ErrorCode::kIllegalGeneration);
  Member& member = members_.at(member_id);
  switch (state_) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return code(ErrorCode::kUnknownMemberId);
    case GroupState::kPreparingRebalance:
      heartbeat_member(member);
      return code(ErrorCode::kRebalanceInProgress);
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      heartbeat_member(member);
      return 0;
  }
  return 0;
}

int16_t Group::leave(const std::string& member_id, const std::optional<std::string>& instance_id) {
  if (state_ == GroupState::kDead) return code(ErrorCode::kCoordinatorNotAvailable);
  std::string id = member_id;
  if (instance_id) {
    auto it = static_members_.find(*instance_id);
    if (it == static_members_.end()) return code(ErrorCode::kUnknownMemberId);
    if (!member_id.empty() && it->second != member_id) return code(ErrorCode::kFencedInstanceId);
    id = it->second;
  }
  if (pending_.erase(id) != 0) {
    maybe_complete_join();
    return 0;
  }
  if (!has_member(id)) return code(ErrorCode::kUnknownMemberId);
  remove_member(id, code(ErrorCode::kUnknownMemberId));
  return 0;
}

void Group::remove_member(const std::string& id, int16_t error) {
  auto it = members_.find(id);
  if (it == members_.end()) return;
  Member m = std::move(it->second);
  members_.erase(it);
  if (m.instance_id) static_members_.erase(*m.instance_id);
  if (m.awaiting_join) m.awaiting_join(join_error(error, id));
  if (m.awaiting_sync) m.awaiting_sync(sync_error(error));
  if (leader_ == id) leader_.reset();
  switch (state_) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance();
      maybe_complete_join();
      break;
    case GroupState::kPreparingRebalance:
      maybe_complete_join();
      break;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

void Group::tick() {
  const int64_t now = clock_.steady_ms();
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->second <= now ? pending_.erase(it) : std::next(it);
  }
  std::vector<std::string> expired;
  for (const auto& [id, m] : members_) {
    // Members with a join or sync in flight are alive by definition.
    if (!m.awaiting_join && !m.awaiting_sync && m.session_deadline <= now) expired.push_back(id);
  }
  for (const auto& id : expired) remove_member(id, code(ErrorCode::kUnknownMemberId));
  maybe_complete_join();
}

void Group::fail_all(int16_t error) {
  for (auto& [id, m] : members_) {
    if (m.awaiting_join) std::exchange(m.awaiting_join, nullptr)(join_error(error, id));
    if (m.awaiting_sync) std::exchange(m.awaiting_sync, nullptr)(sync_error(error));
  }
}

void Group::mark_dead() {
  fail_all(code(ErrorCode::kCoordinatorNotAvailable));
  members_.clear();
  static_members_.clear();
  pending_.clear();
  transition(GroupState::kDead);
}

}  // namespace samsa::server::group
