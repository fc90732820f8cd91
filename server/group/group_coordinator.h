#pragma once
// The group coordinator: owns every group whose __consumer_offsets partition this broker leads,
// runs them on one dedicated thread (so group state needs no locks and timers never block a
// connection), makes commits and membership durable in that partition's log, and reloads them when
// it becomes the partition's leader (at startup on a single node). Every public method may be
// called from any thread; results come back through callbacks invoked on the coordinator thread,
// which handlers bridge back with server/async_bridge.h.
#include <asio.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/broker_config.h"
#include "server/group/group.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::server::group {

inline constexpr const char* kOffsetsTopic = "__consumer_offsets";

// Java's String.hashCode over the UTF-16 form of `s`, as Kafka uses to place groups.
int32_t java_string_hash(std::string_view s);
// abs(hash) % partitions, with Kafka's Utils.abs (hash & 0x7fffffff).
int32_t partition_for_group(std::string_view group_id, int32_t partitions);

struct CoordinatorLocation {
  int16_t error = 0;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

struct LeaveResult {
  int16_t error = 0;
  std::vector<int16_t> member_errors;
};

struct CommitEntry {
  std::string topic;
  int32_t partition = 0;
  CommittedOffset offset;
};

struct CommitParams {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int32_t generation = -1;
  std::vector<CommitEntry> entries;
};

struct FetchedOffsets {
  int16_t error = 0;
  std::map<TopicPartitionKey, CommittedOffset> offsets;
};

struct GroupListing {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

struct ListGroupsResult {
  int16_t error = 0;
  std::vector<GroupListing> groups;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  protocol::Bytes metadata;
  protocol::Bytes assignment;
};

struct GroupDescription {
  int16_t error = 0;
  std::string group_id;
  std::string state;
  std::string protocol_type;
  std::string protocol;
  std::vector<MemberDescription> members;
};

// One group as the metrics collector sees it: a copy taken on the coordinator thread.
struct GroupSnapshot {
  std::string group_id;
  std::string state;
  size_t members = 0;
  std::map<TopicPartitionKey, int64_t> offsets;  // committed offsets
};

struct OffsetDeleteResult {
  int16_t error = 0;
  std::vector<int16_t> partition_errors;  // in request order
};

class GroupCoordinator {
 public:
  // `clock` (not owned) is for tests; nullptr means the system clocks.
  GroupCoordinator(TopicService& topics, PartitionManager& partitions,
                   const config::BrokerConfig& config, int32_t node_id,
                   const Clock* clock = nullptr);
  ~GroupCoordinator();

  void start();
  // Answers every waiting join/sync with NOT_COORDINATOR, then stops the thread. Calls made
  // afterwards are answered at once with NOT_COORDINATOR.
  void stop();

  // FindCoordinator: creates __consumer_offsets on first use (answering COORDINATOR_NOT_AVAILABLE
  // until it exists, as Kafka does). Thread-safe and non-blocking.
  // The coordinator's address is the one of `listener` (the connection's), as Kafka answers.
  CoordinatorLocation locate(const std::string& group_id, std::string_view listener);

  void join_group(std::string group_id, JoinParams params, std::function<void(JoinResult)> done);
  void sync_group(std::string group_id, SyncParams params, std::function<void(SyncResult)> done);
  void heartbeat(std::string group_id, std::string member_id,
                 std::optional<std::string> instance_id, int32_t generation,
                 std::function<void(int16_t)> done);
  // Each member is (member id, group instance id).
  void leave_group(std::string group_id,
                   std::vector<std::pair<std::string, std::optional<std::string>>> members,
                   std::function<void(LeaveResult)> done);
  // One error per entry, in order. The entries are durable in the log before `done` runs.
  void commit_offsets(CommitParams params, std::function<void(std::vector<int16_t>)> done);
  // `partitions` nullopt = every committed offset of the group.
  void fetch_offsets(std::string group_id, std::optional<std::vector<TopicPartitionKey>> partitions,
                     std::function<void(FetchedOffsets)> done);
  void list_groups(std::function<void(ListGroupsResult)> done);
  void describe_groups(std::vector<std::string> group_ids,
                       std::function<void(std::vector<GroupDescription>)> done);
  void delete_groups(std::vector<std::string> group_ids,
                     std::function<void(std::vector<int16_t>)> done);
  void delete_offsets(std::string group_id, std::vector<TopicPartitionKey> partitions,
                      std::function<void(OffsetDeleteResult)> done);
  // Every group this broker coordinates, with its committed offsets, for the metrics collector
  // (group_coordinator_metrics.cc). `done` runs on the coordinator thread, with an empty list
  // once the coordinator has stopped.
  void snapshot_groups(std::function<void(std::vector<GroupSnapshot>)> done);

 private:
  class SystemClock;
  // Runs `work` on the coordinator thread, or `fail` if the coordinator is stopped or `work`
  // throws.
  void run(std::function<void()> work, std::function<void()> fail);
  void tick();
  void schedule_tick();
  int32_t num_partitions() const;
  // NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or 0 (coordinator thread).
  int16_t check_coordinator(const std::string& group_id);
  Group* find_group(const std::string& group_id);
  Group& get_or_create_group(const std::string& group_id);
  void sync_loaded_partitions();
  void load_partition(int32_t partition);
  void unload_partition(int32_t partition);
  void expire_offsets();
  // Appends records (key, value or nullopt for a tombstone) to the group's partition.
  int16_t append(const std::string& group_id,
                 std::vector<std::pair<std::string, std::optional<std::string>>> records);
  int16_t persist_group(const Group& group);
  // Appends the group's tombstones, then forgets it. Returns the append's error and keeps the
  // group if the tombstones could not be written (it would come back at restart otherwise).
  int16_t delete_group(Group& group);

  TopicService& topics_;
  PartitionManager& partitions_;
  const config::BrokerConfig& config_;
  const int32_t node_id_;
  std::unique_ptr<Clock> owned_clock_;
  const Clock& clock_;
  GroupLimits limits_;
  int64_t retention_ms_;
  int64_t retention_check_ms_;
  int64_t next_expiry_check_ = 0;

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::steady_timer tick_timer_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> creating_topic_{false};

  std::map<std::string, std::unique_ptr<Group>> groups_;
  std::set<int32_t> loaded_;
  // A copy of loaded_ for locate(), which runs on network threads: FindCoordinator answers
  // COORDINATOR_NOT_AVAILABLE until the group's partition is loaded, which every client retries
  // quietly, rather than naming a coordinator that then answers COORDINATOR_LOAD_IN_PROGRESS.
  mutable std::mutex loaded_view_mutex_;
  std::set<int32_t> loaded_view_;
  void publish_loaded();
  bool is_loaded(int32_t partition) const;
};

}  // namespace samsa::server::group
