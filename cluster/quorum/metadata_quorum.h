#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"
#include "cluster/published.h"
#include "cluster/quorum/quorum_status.h"

namespace samsa::cluster {

struct QuorumOptions {
  int32_t node_id = 1;
  std::filesystem::path data_dir;  // e.g. <metadata.log.dir>/__cluster_metadata-0
  std::string listen_address = "127.0.0.1:9093";
  std::map<int32_t, std::string> voters;  // id -> host:port; empty = {node_id: listen_address}
  std::string cluster_id;                 // written on first leadership; random if empty
  // Appended in the same entry as the ClusterIdRecord, i.e. only when the metadata log is formatted
  // (kafka-storage format --add-scram's records); ignored on every later start.
  std::vector<MetadataRecord> bootstrap_records;
  int election_timeout_ms = 1000, heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 20000;
  int start_timeout_ms = 30000;  // how long start() waits for the image to be loaded
};

// One write to the metadata log. `build` runs on the quorum thread against the latest applied image
// (so validation and proposal are serialized: no two writes validate against the same state) and
// returns the records to append as one atomic raft entry; an empty result appends nothing.
// `done` runs on the quorum thread with 0 once the entry is applied locally, NOT_CONTROLLER when
// this node is not the active controller or lost leadership (the outcome is then unknown), or
// REQUEST_TIMED_OUT on shutdown.
struct MetadataWrite {
  std::function<std::vector<MetadataRecord>(const MetadataImage&)> build;
  std::function<void(int16_t error)> done;
};

// The metadata quorum on cowsql/raft: owns the libuv loop thread, the raft instance and the state
// machine that folds committed record batches into MetadataImages. libraft is touched only from the
// loop thread; other threads talk to it through a mutex-protected queue and uv_async_send.
class MetadataQuorum {
 public:
  using Listener = std::function<void(std::shared_ptr<const MetadataImage>)>;

  explicit MetadataQuorum(QuorumOptions options);
  ~MetadataQuorum();
  MetadataQuorum(const MetadataQuorum&) = delete;
  MetadataQuorum& operator=(const MetadataQuorum&) = delete;

  // Opens the log, bootstraps a pristine dir, starts raft and blocks until the image is loaded:
  // this node is the controller and its LeaderChange record is applied, or it follows a leader and
  // has applied that leader's LeaderChange and everything up to the known commit index.
  // Throws std::runtime_error with a clear message on failure or timeout.
  void start();
  void stop();  // idempotent; fails queued writes

  std::shared_ptr<const MetadataImage> image() const { return image_.load(); }
  void add_listener(Listener listener);
  void submit(MetadataWrite write);  // thread-safe

  // Raft state and traffic as of the last tick (Kafka's RaftMetrics); any thread.
  QuorumStatus status() const { return status_.snapshot(); }
  int32_t node_id() const { return options_.node_id; }
  bool is_active_controller() const { return active_term_.load() != 0; }
  const QuorumOptions& options() const { return options_; }

  struct Impl;  // libraft/libuv state, defined in the .cc so the header stays C-free

 private:
  void publish(std::shared_ptr<const MetadataImage> image);

  QuorumOptions options_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  Published<MetadataImage> image_;
  std::atomic<int64_t> active_term_{0};
  QuorumStatusRecorder status_;  // written by the loop thread

  std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  std::deque<MetadataWrite> incoming_;
  std::vector<Listener> listeners_;
  bool stop_requested_ = false;
  bool loaded_ = false;
  bool running_ = false;  // the loop thread accepts submissions
  bool stopped_ = false;
  std::string fatal_;  // set by the loop thread when raft fails in a way start() should report

  friend struct QuorumAccess;
};

}  // namespace samsa::cluster
