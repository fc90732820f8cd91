#pragma once
// What the metadata quorum reports about itself, in the terms of Kafka's RaftMetrics and the raft
// channel's network metrics (kafka_server_raftmetrics_*, kafka_server_raftchannelmetrics_*), so the
// KRaft dashboards Kafka users already have keep working. The quorum's loop thread records;
// any thread reads a snapshot.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace samsa::cluster {

struct QuorumStatus {
  // Kafka's current-state values: leader, candidate, voted, follower, unattached.
  std::string state = "unattached";
  int32_t leader = -1;     // -1: no known leader
  int32_t voted_for = -1;  // -1: no vote in this epoch
  int64_t epoch = 0;
  int64_t high_watermark = 0;  // the commit index
  int64_t log_end_offset = 0;  // the last index in the local log
  // Over the last rate window (Kafka's metrics sample window, 30 s).
  double append_records_rate = 0;    // metadata records this node appended as leader, per second
  double fetch_records_rate = 0;     // records this node applied as a follower, per second
  double commit_latency_avg_ms = 0;  // proposal to local commit, leader only
  double commit_latency_max_ms = 0;
  // The raft transport's traffic, counted at the message layer (see RaftIoTap).
  uint64_t incoming_bytes = 0;
  uint64_t outgoing_bytes = 0;
  uint64_t requests_sent = 0;
  uint64_t responses_received = 0;
};

// The raw raft state tick() reads (kept libraft-free so this header stays C-free).
struct RaftState {
  enum class Role { kUnavailable, kFollower, kCandidate, kLeader } role = Role::kUnavailable;
  int32_t leader = 0;     // 0: unknown (libraft's id space)
  int32_t voted_for = 0;  // 0: none
  int64_t term = 0;
  int64_t commit_index = 0;
  int64_t last_index = 0;
};

class QuorumStatusRecorder {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kWindow = std::chrono::seconds(30);
  static constexpr size_t kMaxLatencySamples = 4096;

  // Loop thread only.
  void on_appended(uint64_t records) { appended_ += records; }
  void on_follower_applied(uint64_t records) { fetched_ += records; }
  void on_committed(Clock::duration latency);
  void on_sent(uint64_t bytes, bool request);
  void on_received(uint64_t bytes, bool response);
  // Folds the raft state and the window's counters into the published snapshot.
  void update(const RaftState& raft, Clock::time_point now);

  QuorumStatus snapshot() const;  // any thread

 private:
  struct Tick {
    Clock::time_point at;
    uint64_t appended, fetched;
  };
  struct Latency {
    Clock::time_point at;
    double ms;
  };

  uint64_t appended_ = 0, fetched_ = 0;
  uint64_t in_bytes_ = 0, out_bytes_ = 0, requests_ = 0, responses_ = 0;
  std::deque<Tick> ticks_;
  std::deque<Latency> latencies_;
  bool updated_ = false;
  Clock::time_point last_update_{};

  mutable std::mutex mu_;
  QuorumStatus published_;
};

}  // namespace samsa::cluster
