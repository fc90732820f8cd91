#include "kafka_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace samsa::perf {
namespace {

constexpr size_t kErrLen = 512;

struct TopicDestroy {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct QueueDestroy {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDestroy {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};

// One metadata look-up: the partition count when `topic` exists with a leader for every partition
// (and `expected` of them, when > 0), else 0 with the reason in `why`. With `rkt` null it lists all
// topics, which unlike a producer's look-up of one topic can never make the broker auto-create it.
int probe_topic(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const std::string& topic, int expected,
                int timeout_ms, std::string& why) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t rc =
      rd_kafka_metadata(rk, rkt == nullptr ? 1 : 0, rkt, &md, std::max(timeout_ms, 1));
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    why = rd_kafka_err2str(rc);
    return 0;
  }
  int found = 0;
  why = "topic not in metadata";
  for (int t = 0; t < md->topic_cnt; ++t) {
    const auto& mt = md->topics[t];
    if (topic != mt.topic) continue;
    bool leaders = mt.partition_cnt > 0;
    for (int p = 0; p < mt.partition_cnt; ++p) leaders = leaders && mt.partitions[p].leader >= 0;
    if (mt.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      why = rd_kafka_err2str(mt.err);
    } else if (!leaders) {
      why = "partitions without leader";
    } else if (expected > 0 && mt.partition_cnt != expected) {
      why = fmt::format("{} of {} partitions", mt.partition_cnt, expected);
    } else {
      found = mt.partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return found;
}

}  // namespace

Props parse_props(const std::vector<std::string>& args) {
  Props props;
  for (const auto& arg : args) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument(fmt::format("invalid property '{}', expected key=value", arg));
    }
    props.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
  }
  return props;
}

ConfPtr make_conf(const Props& base, const Props& overrides, std::string& err) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[kErrLen];
  for (const auto* props : {&base, &overrides}) {
    for (const auto& [key, value] : *props) {
      if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
        err = fmt::format("property {}: {}", key, errstr);
        return nullptr;
      }
    }
  }
  return conf;
}

KafkaPtr make_client(rd_kafka_type_t type, ConfPtr conf, std::string& err) {
  char errstr[kErrLen];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    err = errstr;
    return nullptr;
  }
  (void)conf.release();  // now owned by rk
  return KafkaPtr(rk);
}

std::unique_ptr<MockCluster> MockCluster::create(int brokers, std::string& err) {
  // The host handle never connects anywhere; it only owns the mock cluster's thread and sockets.
  auto conf = make_conf({{"log_level", "3"}}, {}, err);
  if (!conf) return nullptr;
  auto host = make_client(RD_KAFKA_PRODUCER, std::move(conf), err);
  if (!host) return nullptr;
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host.get(), brokers);
  if (cluster == nullptr) {
    err = "rd_kafka_mock_cluster_new failed";
    return nullptr;
  }
  return std::unique_ptr<MockCluster>(new MockCluster(std::move(host), cluster));
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
}

bool MockCluster::create_topic(const std::string& topic, int partitions, std::string& err) {
  rd_kafka_resp_err_t rc = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = fmt::format("mock topic {}: {}", topic, rd_kafka_err2str(rc));
    return false;
  }
  return true;
}

std::string MockCluster::bootstraps() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

int remaining_ms(Deadline deadline, int cap) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, cap));
}

bool ensure_topic(rd_kafka_t* rk, const std::string& topic, int partitions, int replication_factor,
                  Deadline deadline, std::string& err) {
  // Only ask the controller when the topic is missing: CreateTopics needs one, a look-up does not.
  std::string why;
  if (probe_topic(rk, nullptr, topic, 0, remaining_ms(deadline, 5000), why) > 0) return true;
  char errstr[kErrLen];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof errstr);
  if (nt == nullptr) {
    err = fmt::format("topic {}: {}", topic, errstr);
    return false;
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDestroy> queue(rd_kafka_queue_new(rk));
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(opts, std::max(remaining_ms(deadline), 1), errstr,
                                            sizeof errstr);
  rd_kafka_CreateTopics(rk, &nt, 1, opts, queue.get());
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);

  std::unique_ptr<rd_kafka_event_t, EventDestroy> ev(
      rd_kafka_queue_poll(queue.get(), std::max(remaining_ms(deadline), 1)));
  if (!ev) {
    err = fmt::format("create topic {}: timed out", topic);
    return false;
  }
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = fmt::format("create topic {}: {}", topic, rd_kafka_event_error_string(ev.get()));
    return false;
  }
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t terr = rd_kafka_topic_result_error(results[i]);
    if (terr != RD_KAFKA_RESP_ERR_NO_ERROR && terr != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      err = fmt::format("create topic {}: {}", topic, msg ? msg : rd_kafka_err2str(terr));
      return false;
    }
  }
  // An existing topic keeps its own partition count, so only require one leader per partition.
  return wait_for_topic(rk, topic, 0, deadline, err) > 0;
}

int wait_for_topic(rd_kafka_t* rk, const std::string& topic, int expected, Deadline deadline,
                   std::string& err) {
  std::unique_ptr<rd_kafka_topic_t, TopicDestroy> rkt(
      rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  std::string why;
  do {
    int found = probe_topic(rk, rkt.get(), topic, expected, remaining_ms(deadline, 2000), why);
    if (found > 0) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  err = fmt::format("topic {} not ready before timeout: {}", topic, why);
  return -1;
}

}  // namespace samsa::perf
