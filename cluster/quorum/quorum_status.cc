#include "cluster/quorum/quorum_status.h"

#include <algorithm>

namespace samsa::cluster {

void QuorumStatusRecorder::on_committed(Clock::duration latency) {
  latencies_.push_back({Clock::now(), std::chrono::duration<double, std::milli>(latency).count()});
}

void QuorumStatusRecorder::on_sent(uint64_t bytes, bool request) {
  out_bytes_ += bytes;
  if (request) ++requests_;
}

void QuorumStatusRecorder::on_received(uint64_t bytes, bool response) {
  in_bytes_ += bytes;
  if (response) ++responses_;
}

void QuorumStatusRecorder::update(const RaftState& raft, Clock::time_point now) {
  // tick() calls this every 10 ms; a scrape needs far less.
  if (updated_ && now - last_update_ < std::chrono::milliseconds(100)) return;
  updated_ = true;
  last_update_ = now;
  // One sample a second is plenty for a 30 s rate; tick() runs every 10 ms.
  if (ticks_.empty() || now - ticks_.back().at >= std::chrono::seconds(1)) {
    ticks_.push_back({now, appended_, fetched_});
  }
  while (ticks_.size() > 1 && now - ticks_.front().at > kWindow) ticks_.pop_front();
  while (!latencies_.empty() && now - latencies_.front().at > kWindow) latencies_.pop_front();

  QuorumStatus s;
  using Role = RaftState::Role;
  switch (raft.role) {
    case Role::kLeader:
      s.state = "leader";
      break;
    case Role::kCandidate:
      s.state = "candidate";
      break;
    case Role::kFollower:
      // Kafka's "voted": a follower that voted in this epoch and knows no leader yet.
      s.state = raft.leader != 0 ? "follower" : (raft.voted_for != 0 ? "voted" : "unattached");
      break;
    case Role::kUnavailable:
      s.state = "unattached";
      break;
  }
  s.leader = raft.leader != 0 ? raft.leader : -1;
  s.voted_for = raft.voted_for != 0 ? raft.voted_for : -1;
  s.epoch = raft.term;
  s.high_watermark = raft.commit_index;
  s.log_end_offset = raft.last_index;

  const auto& first = ticks_.front();
  const double seconds = std::chrono::duration<double>(now - first.at).count();
  if (seconds > 0) {
    s.append_records_rate = static_cast<double>(appended_ - first.appended) / seconds;
    s.fetch_records_rate = static_cast<double>(fetched_ - first.fetched) / seconds;
  }
  if (!latencies_.empty()) {
    double sum = 0, max = 0;
    for (const auto& l : latencies_) {
      sum += l.ms;
      max = std::max(max, l.ms);
    }
    s.commit_latency_avg_ms = sum / static_cast<double>(latencies_.size());
    s.commit_latency_max_ms = max;
  }
  s.incoming_bytes = in_bytes_;
  s.outgoing_bytes = out_bytes_;
  s.requests_sent = requests_;
  s.responses_received = responses_;

  std::lock_guard lock(mu_);
  published_ = std::move(s);
}

QuorumStatus QuorumStatusRecorder::snapshot() const {
  std::lock_guard lock(mu_);
  return published_;
}

}  // namespace samsa::cluster
