#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "cluster/controller.h"

namespace samsa::cluster {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// libraft writes to its peers with plain write(2): a peer that has just closed (three quorums
// stopping in one process) raises SIGPIPE, which kills a process that does not ignore it.
// samsa-broker ignores it in main(); this test binary must too (seen under TSan's timing).
[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "samsa-cluster-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

QuorumOptions single_node(const fs::path& dir, int port) {
  QuorumOptions o;
  o.node_id = 1;
  o.data_dir = dir / "__cluster_metadata-0";
  o.listen_address = "127.0.0.1:" + std::to_string(port);
  o.cluster_id = "test-cluster-id";
  o.start_timeout_ms = 15000;
  return o;
}

template <typename T>
T wait_for(std::future<T>& f) {
  if (f.wait_for(10s) != std::future_status::ready) throw std::runtime_error("callback timed out");
  return f.get();
}

std::vector<TopicResult> create(Controller& c, std::vector<CreateTopicRequest> reqs,
                                bool validate_only = false) {
  std::promise<std::vector<TopicResult>> p;
  auto f = p.get_future();
  c.create_topics(std::move(reqs), validate_only, [&p](auto r) { p.set_value(std::move(r)); });
  return wait_for(f);
}

TopicResult create_one(Controller& c, std::string name, int32_t partitions = 1, int16_t rf = -1,
                       bool validate_only = false) {
  CreateTopicRequest r;
  r.name = std::move(name);
  r.num_partitions = partitions;
  r.replication_factor = rf;
  return create(c, {r}, validate_only).at(0);
}

std::vector<TopicResult> delete_names(Controller& c, std::vector<std::string> names) {
  std::promise<std::vector<TopicResult>> p;
  auto f = p.get_future();
  c.delete_topics(std::move(names), [&p](auto r) { p.set_value(std::move(r)); });
  return wait_for(f);
}

std::vector<TopicResult> delete_ids(Controller& c, std::vector<Uuid> ids) {
  std::promise<std::vector<TopicResult>> p;
  auto f = p.get_future();
  c.delete_topics_by_id(std::move(ids), [&p](auto r) { p.set_value(std::move(r)); });
  return wait_for(f);
}

std::vector<TopicResult> grow(Controller& c, std::vector<std::pair<std::string, int32_t>> topics,
                              bool validate_only = false) {
  std::promise<std::vector<TopicResult>> p;
  auto f = p.get_future();
  c.create_partitions(std::move(topics), validate_only,
                      [&p](auto r) { p.set_value(std::move(r)); });
  return wait_for(f);
}

int16_t register_broker(Controller& c, int32_t id, int port = 9092) {
  std::promise<int16_t> p;
  auto f = p.get_future();
  c.register_broker({id, "127.0.0.1", port, std::nullopt, false, {}},
                    [&p](int16_t e) { p.set_value(e); });
  return wait_for(f);
}

std::pair<int64_t, int16_t> producer_ids(Controller& c, int32_t count) {
  std::promise<std::pair<int64_t, int16_t>> p;
  auto f = p.get_future();
  c.allocate_producer_ids(count, [&p](int64_t first, int16_t e) { p.set_value({first, e}); });
  return wait_for(f);
}

TEST(SingleNodeQuorum, CreateDeleteAndGrowTopics) {
  TempDir dir;
  auto c = start_controller(single_node(dir.path, free_port()), ControllerOptions{});
  EXPECT_TRUE(c->is_active());
  EXPECT_EQ(c->image()->controller_id(), 1);
  EXPECT_EQ(c->image()->cluster_id(), "test-cluster-id");
  std::atomic<int> changes{0};
  c->on_image_change([&](std::shared_ptr<const MetadataImage>) { ++changes; });

  // No broker registered yet: nothing to place replicas on.
  EXPECT_EQ(create_one(*c, "early").error_code, kInvalidReplicationFactor);
  ASSERT_EQ(register_broker(*c, 1), kNone);
  EXPECT_EQ(register_broker(*c, -5), kInvalidRequest);
  ASSERT_EQ(c->image()->brokers().size(), 1u);

  TopicResult r = create_one(*c, "orders", 3);
  ASSERT_EQ(r.error_code, kNone) << r.error_message;
  EXPECT_NE(r.id, Uuid{});
  EXPECT_EQ(r.num_partitions, 3);
  EXPECT_EQ(r.replication_factor, 1);
  auto image = c->image();
  const TopicState* t = image->topic("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->id, r.id);
  EXPECT_EQ(image->topic_by_id(r.id), t);
  ASSERT_EQ(t->partitions.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t->partitions[i].partition, i);
    EXPECT_EQ(t->partitions[i].replicas, std::vector<int32_t>{1});
    EXPECT_EQ(t->partitions[i].isr, std::vector<int32_t>{1});
    EXPECT_EQ(t->partitions[i].leader, 1);
    EXPECT_EQ(t->partitions[i].leader_epoch, 0);
  }
  EXPECT_GT(changes.load(), 0);

  EXPECT_EQ(create_one(*c, "orders").error_code, kTopicAlreadyExists);
  ASSERT_EQ(create_one(*c, "metrics.cpu").error_code, kNone);
  TopicResult collide = create_one(*c, "metrics_cpu");
  EXPECT_EQ(collide.error_code, kInvalidTopicException);
  EXPECT_NE(collide.error_message.find("collides with existing topic: metrics.cpu"),
            std::string::npos);
  EXPECT_EQ(create_one(*c, "bad name").error_code, kInvalidTopicException);
  EXPECT_EQ(create_one(*c, std::string(250, 'x')).error_code, kInvalidTopicException);
  EXPECT_EQ(create_one(*c, std::string(249, 'x')).error_code, kNone);
  TopicResult rf = create_one(*c, "wide", 1, 3);
  EXPECT_EQ(rf.error_code, kInvalidReplicationFactor);
  EXPECT_EQ(rf.error_message, "Replication factor: 3 larger than available brokers: 1.");
  EXPECT_EQ(create_one(*c, "zero", 0).error_code, kInvalidPartitions);

  // validate_only answers as a create would, and writes nothing.
  TopicResult v = create_one(*c, "dry", 4, 1, true);
  EXPECT_EQ(v.error_code, kNone);
  EXPECT_EQ(v.num_partitions, 4);
  EXPECT_EQ(c->image()->topic("dry"), nullptr);

  // Two colliding names in one request: the second collides with the first.
  CreateTopicRequest x{"x.y", 1, -1, {}, {{"retention.ms", "1000"}}};
  CreateTopicRequest y{"x_y", 1, -1, {}, {}};
  auto both = create(*c, {x, y});
  EXPECT_EQ(both[0].error_code, kNone);
  EXPECT_EQ(both[1].error_code, kInvalidTopicException);
  EXPECT_EQ(c->image()->topic("x.y")->configs.at("retention.ms"), "1000");
  auto dup =
      create(*c, {CreateTopicRequest{"d", 1, -1, {}, {}}, CreateTopicRequest{"d", 1, -1, {}, {}}});
  EXPECT_EQ(dup[0].error_code, kInvalidRequest);
  EXPECT_EQ(dup[1].error_code, kInvalidRequest);

  // Manual assignments.
  CreateTopicRequest manual{"manual", -1, -1, {{0, {1}}, {1, {1}}}, {}};
  EXPECT_EQ(create(*c, {manual})[0].error_code, kNone);
  EXPECT_EQ(c->image()->topic("manual")->partitions.size(), 2u);
  CreateTopicRequest gap{"gap", -1, -1, {{0, {1}}, {2, {1}}}, {}};
  EXPECT_EQ(create(*c, {gap})[0].error_code, kInvalidReplicaAssignment);
  CreateTopicRequest unknown_broker{"ub", -1, -1, {{0, {7}}}, {}};
  EXPECT_EQ(create(*c, {unknown_broker})[0].error_code, kInvalidReplicaAssignment);
  CreateTopicRequest mixed{"mixed", 2, -1, {{0, {1}}}, {}};
  EXPECT_EQ(create(*c, {mixed})[0].error_code, kInvalidRequest);

  // Partitions only grow.
  auto g = grow(*c, {{"orders", 5}});
  ASSERT_EQ(g[0].error_code, kNone) << g[0].error_message;
  EXPECT_EQ(g[0].num_partitions, 5);
  EXPECT_EQ(c->image()->topic("orders")->partitions.size(), 5u);
  EXPECT_EQ(c->image()->topic("orders")->partitions[4].leader, 1);
  EXPECT_EQ(c->image()->topic("orders")->id, r.id);
  EXPECT_EQ(grow(*c, {{"orders", 4}})[0].error_code, kInvalidPartitions);
  EXPECT_EQ(grow(*c, {{"orders", 5}})[0].error_code, kInvalidPartitions);
  EXPECT_EQ(grow(*c, {{"nope", 5}})[0].error_code, kUnknownTopicOrPartition);
  EXPECT_EQ(grow(*c, {{"orders", 9}}, true)[0].error_code, kNone);
  EXPECT_EQ(c->image()->topic("orders")->partitions.size(), 5u);

  // Delete by name and by id.
  auto d = delete_names(*c, {"orders", "nope"});
  EXPECT_EQ(d[0].error_code, kNone);
  EXPECT_EQ(d[0].id, r.id);
  EXPECT_EQ(d[1].error_code, kUnknownTopicOrPartition);
  EXPECT_EQ(c->image()->topic("orders"), nullptr);
  EXPECT_EQ(c->image()->topic_by_id(r.id), nullptr);
  const Uuid manual_id = c->image()->topic("manual")->id;
  auto di = delete_ids(*c, {manual_id, r.id});
  EXPECT_EQ(di[0].error_code, kNone);
  EXPECT_EQ(di[0].name, "manual");
  EXPECT_EQ(di[1].error_code, kUnknownTopicId);
  EXPECT_EQ(di[1].id, r.id);
  EXPECT_EQ(c->image()->topic("manual"), nullptr);
  // The name is free again, with a new id.
  TopicResult again = create_one(*c, "orders");
  EXPECT_EQ(again.error_code, kNone);
  EXPECT_NE(again.id, r.id);

  auto [first, e1] = producer_ids(*c, 1000);
  auto [second, e2] = producer_ids(*c, 10);
  EXPECT_EQ(e1, kNone);
  EXPECT_EQ(e2, kNone);
  EXPECT_EQ(second, first + 1000);
  EXPECT_EQ(producer_ids(*c, 0).second, kInvalidRequest);
}

TEST(SingleNodeQuorum, RestartKeepsTopicsAndIds) {
  TempDir dir;
  const int port = free_port();
  std::map<std::string, Uuid> ids;
  int64_t next_pid = 0;
  std::string cluster_id;
  {
    auto opts = single_node(dir.path, port);
    opts.cluster_id.clear();  // generated on first start, must survive restarts
    auto c = start_controller(opts, ControllerOptions{});
    cluster_id = c->image()->cluster_id();
    EXPECT_EQ(cluster_id.size(), 22u);
    ASSERT_EQ(register_broker(*c, 1), kNone);
    for (std::string name : {"a", "b", "c"}) {
      TopicResult r = create_one(*c, name, 2);
      ASSERT_EQ(r.error_code, kNone);
      ids[name] = r.id;
    }
    ASSERT_EQ(delete_names(*c, {"b"})[0].error_code, kNone);
    ids.erase("b");
    ASSERT_EQ(grow(*c, {{"c", 4}})[0].error_code, kNone);
    auto [first, err] = producer_ids(*c, 100);
    ASSERT_EQ(err, kNone);
    next_pid = first + 100;
  }
  auto opts = single_node(dir.path, port);
  opts.cluster_id.clear();
  auto c = start_controller(opts, ControllerOptions{});
  auto image = c->image();
  EXPECT_EQ(image->cluster_id(), cluster_id);
  EXPECT_EQ(image->topics().size(), 2u);
  for (auto& [name, id] : ids) {
    ASSERT_NE(image->topic(name), nullptr) << name;
    EXPECT_EQ(image->topic(name)->id, id);
  }
  EXPECT_EQ(image->topic("b"), nullptr);
  EXPECT_EQ(image->topic("c")->partitions.size(), 4u);
  EXPECT_EQ(image->brokers().size(), 1u);
  EXPECT_EQ(producer_ids(*c, 5).first, next_pid);
}

TEST(SingleNodeQuorum, SnapshotAndRestore) {
  TempDir dir;
  const int port = free_port();
  auto opts = single_node(dir.path, port);
  opts.snapshot_threshold = 8;
  std::map<std::string, Uuid> ids;
  {
    auto c = start_controller(opts, ControllerOptions{});
    ASSERT_EQ(register_broker(*c, 1), kNone);
    for (int i = 0; i < 40; ++i) {
      TopicResult r = create_one(*c, "t" + std::to_string(i), 1 + i % 3);
      ASSERT_EQ(r.error_code, kNone);
      ids[r.name] = r.id;
    }
    for (int i = 0; i < 40; i += 4) {
      ASSERT_EQ(delete_names(*c, {"t" + std::to_string(i)})[0].error_code, kNone);
      ids.erase("t" + std::to_string(i));
    }
  }
  bool have_snapshot = false;
  for (auto& e : fs::directory_iterator(opts.data_dir)) {
    if (e.path().filename().string().rfind("snapshot-", 0) == 0) have_snapshot = true;
  }
  ASSERT_TRUE(have_snapshot) << "no snapshot written with threshold 8";
  auto c = start_controller(opts, ControllerOptions{});
  auto image = c->image();
  ASSERT_EQ(image->topics().size(), ids.size());
  for (auto& [name, id] : ids) {
    ASSERT_NE(image->topic(name), nullptr) << name;
    EXPECT_EQ(image->topic(name)->id, id);
  }
  // Still writable after restore.
  EXPECT_EQ(create_one(*c, "after-restore").error_code, kNone);
}

TEST(SingleNodeQuorum, StartFailsWithClearMessage) {
  QuorumOptions o;
  o.data_dir = "/proc/samsa-cannot-create-this";
  o.listen_address = "127.0.0.1:" + std::to_string(free_port());
  try {
    start_controller(o, ControllerOptions{});
    FAIL() << "expected start to throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("metadata quorum"), std::string::npos) << e.what();
  }
}

int64_t image_offset_of(Controller& c) {
  return c.image()->offset();
}

TEST(ThreeVoterQuorum, TopicReachesEveryImage) {
  TempDir dir;
  std::map<int32_t, std::string> voters;
  for (int id = 1; id <= 3; ++id) voters[id] = "127.0.0.1:" + std::to_string(free_port());
  std::vector<std::unique_ptr<Controller>> nodes(3);
  std::vector<std::string> errors(3);
  std::vector<std::thread> starters;
  for (int id = 1; id <= 3; ++id) {
    starters.emplace_back([&, id] {
      QuorumOptions o;
      o.node_id = id;
      o.data_dir = dir.path / ("node" + std::to_string(id));
      o.listen_address = voters[id];
      o.voters = voters;
      o.cluster_id = "three";
      o.election_timeout_ms = 300;
      o.heartbeat_timeout_ms = 50;
      o.start_timeout_ms = 20000;
      try {
        nodes[id - 1] = start_controller(o, ControllerOptions{});
      } catch (const std::exception& e) {
        errors[id - 1] = e.what();
      }
    });
  }
  for (auto& t : starters) t.join();
  for (auto& e : errors) ASSERT_TRUE(e.empty()) << e;

  Controller* leader = nullptr;
  for (int i = 0; i < 500 && leader == nullptr; ++i) {
    for (auto& n : nodes) {
      if (n->is_active()) leader = n.get();
    }
    if (leader == nullptr) std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(leader, nullptr);
  for (int id = 1; id <= 3; ++id) ASSERT_EQ(register_broker(*leader, id, 9000 + id), kNone);
  TopicResult r = create_one(*leader, "replicated", 6, 3);
  ASSERT_EQ(r.error_code, kNone) << r.error_message;

  for (auto& n : nodes) {
    if (n.get() == leader) continue;
    EXPECT_EQ(create_one(*n, "from-follower").error_code, kNotController);
  }
  for (auto& n : nodes) {
    std::shared_ptr<const MetadataImage> image;
    for (int i = 0; i < 500; ++i) {
      image = n->image();
      if (image->topic("replicated") != nullptr) break;
      std::this_thread::sleep_for(10ms);
    }
    const TopicState* t = image->topic("replicated");
    ASSERT_NE(t, nullptr) << "node " << n->quorum().node_id();
    EXPECT_EQ(t->id, r.id);
    EXPECT_EQ(t->partitions.size(), 6u);
    EXPECT_EQ(t->partitions[0].replicas.size(), 3u);
    EXPECT_EQ(image->brokers().size(), 3u);
    EXPECT_EQ(image->controller_id(), leader->quorum().node_id());
    EXPECT_EQ(image->cluster_id(), "three");
  }

  // What the quorum reports (Kafka's RaftMetrics), refreshed by each node's tick.
  const int32_t leader_id = leader->quorum().node_id();
  for (auto& n : nodes) {
    QuorumStatus s;
    for (int i = 0; i < 300; ++i) {
      s = n->quorum().status();
      if (s.high_watermark >= image_offset_of(*leader) && s.leader == leader_id) break;
      std::this_thread::sleep_for(10ms);
    }
    const bool is_leader = n.get() == leader;
    EXPECT_EQ(s.state, is_leader ? "leader" : "follower") << n->quorum().node_id();
    EXPECT_EQ(s.leader, leader_id);
    EXPECT_GT(s.epoch, 0);
    EXPECT_GE(s.log_end_offset, s.high_watermark);
    EXPECT_GE(s.high_watermark, image_offset_of(*leader));
    // Raft traffic: the leader sends appends and gets results; followers send results.
    EXPECT_GT(s.outgoing_bytes, 0u);
    EXPECT_GT(s.incoming_bytes, 0u);
    if (is_leader) {
      EXPECT_GT(s.requests_sent, 0u);
      EXPECT_GT(s.responses_received, 0u);
      EXPECT_GT(s.append_records_rate, 0.0);
      EXPECT_GT(s.commit_latency_avg_ms, 0.0);
      EXPECT_GE(s.commit_latency_max_ms, s.commit_latency_avg_ms);
    } else {
      EXPECT_GT(s.fetch_records_rate, 0.0);
    }
  }
}

}  // namespace
}  // namespace samsa::cluster
