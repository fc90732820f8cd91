#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace samsa::perf {

using Props = std::vector<std::pair<std::string, std::string>>;
using Deadline = std::chrono::steady_clock::time_point;

// Parses "key=value" arguments; the value may itself contain '='. Throws std::invalid_argument on
// an argument without '=' or with an empty key.
Props parse_props(const std::vector<std::string>& args);

struct KafkaDestroy {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDestroy>;

struct ConfDestroy {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDestroy>;

// A configuration holding `base` then `overrides` (so user properties win). Empty on error, with
// the reason in `err`.
ConfPtr make_conf(const Props& base, const Props& overrides, std::string& err);

// Creates a client; takes ownership of `conf` only on success (librdkafka's contract), so the
// pointer is released here either way.
KafkaPtr make_client(rd_kafka_type_t type, ConfPtr conf, std::string& err);

// librdkafka's in-process mock cluster, owned by a private client handle. Stands in for a broker
// to measure what the client alone can do on this machine.
class MockCluster {
 public:
  static std::unique_ptr<MockCluster> create(int brokers, std::string& err);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  bool create_topic(const std::string& topic, int partitions, std::string& err);
  std::string bootstraps() const;

 private:
  MockCluster(KafkaPtr host, rd_kafka_mock_cluster_t* cluster)
      : host_(std::move(host)), cluster_(cluster) {}
  KafkaPtr host_;
  rd_kafka_mock_cluster_t* cluster_;
};

// Creates `topic` through the admin API unless it exists, then waits until metadata shows every
// partition with a leader.
bool ensure_topic(rd_kafka_t* rk, const std::string& topic, int partitions, int replication_factor,
                  Deadline deadline, std::string& err);

// Waits until `topic` appears in metadata with a leader for each partition; returns the partition
// count, or -1 with `err` set when the deadline passes. `expected` > 0 also waits for that count.
int wait_for_topic(rd_kafka_t* rk, const std::string& topic, int expected, Deadline deadline,
                   std::string& err);

// Milliseconds left until `deadline`, at least 0, at most `cap`.
int remaining_ms(Deadline deadline, int cap = 1 << 30);

}  // namespace samsa::perf
