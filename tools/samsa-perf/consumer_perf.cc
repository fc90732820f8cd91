// The consumer side of samsa-perf: throughput and end-to-end latency from record timestamps.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "perf_options.h"
#include "perf_stats.h"

namespace samsa::perf {
namespace {

using Clock = std::chrono::steady_clock;

RunResult fail(RunResult r, std::string why) {
  r.ok = false;
  r.error = std::move(why);
  return r;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How many records the mock topic can hold without its retention dropping any (see
// kMockPartitionBudget). A consumer asking for more re-reads them.
uint64_t mock_capacity(const ConsumerOptions& opts) {
  uint64_t per_record = opts.record_size + kMockRecordOverhead;
  uint64_t per_partition = std::min(kMockPartitionMaxRecords, kMockPartitionBudget / per_record);
  return std::max<uint64_t>(per_partition, 1) * static_cast<uint64_t>(std::max(opts.partitions, 1));
}

// Fills the mock topic with `count` records spread evenly over its partitions.
bool fill_mock(const ConsumerOptions& opts, const std::string& bootstrap, uint64_t count,
               std::string& err) {
  ProducerOptions p;
  p.bootstrap = bootstrap;
  p.topic = opts.topic;
  p.spread_partitions = std::max(opts.partitions, 1);
  p.num_records = count;
  p.record_size = opts.record_size;
  p.timeout_ms = opts.timeout_ms;
  p.props = {{"acks", "1"}, {"linger.ms", "5"}};
  RunResult r = run_producer(p, nullptr);
  if (!r.ok) {
    err = "filling the mock topic: " + r.error;
    return false;
  }
  fmt::print(stderr, "samsa-perf: filled mock topic: {}\n", r.summary);
  return true;
}

// Reads every partition from the beginning without a group. librdkafka's assign() insists on a
// group.id, which would also make it look for a coordinator; per-partition fetchers on one queue
// need neither, so a broker without group support can still be measured.
class PartitionReader {
 public:
  PartitionReader() = default;
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;
  ~PartitionReader() { stop(); }

  // Must run before the client handle is destroyed.
  void stop() {
    drop_buffered();
    for (int p : started_) rd_kafka_consume_stop(rkt_, p);
    started_.clear();
    if (queue_) rd_kafka_queue_destroy(queue_);
    if (rkt_) rd_kafka_topic_destroy(rkt_);
    queue_ = nullptr;
    rkt_ = nullptr;
  }
  bool start(rd_kafka_t* rk, const std::string& topic, Clock::time_point deadline,
             std::string& err) {
    int partitions = wait_for_topic(rk, topic, 0, deadline, err);
    if (partitions < 0) return false;
    rkt_ = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    queue_ = rd_kafka_queue_new(rk);
    for (int p = 0; p < partitions; ++p) {
      if (rd_kafka_consume_start_queue(rkt_, p, RD_KAFKA_OFFSET_BEGINNING, queue_) != 0) {
        err = fmt::format("start partition {}: {}", p, rd_kafka_err2str(rd_kafka_last_error()));
        return false;
      }
      started_.push_back(p);
    }
    return true;
  }
  // The next record, taken from the queue a batch at a time: one dequeue per message would cost
  // the tool a lock round trip per record, and it shares the cores with the broker it measures.
  rd_kafka_message_t* poll(rd_kafka_t* rk, int timeout_ms) {
    if (next_ == batch_.size()) {
      rd_kafka_poll(rk, 0);  // serves client-level events (errors, logs) in this mode
      batch_.resize(kBatch);
      const ssize_t n = rd_kafka_consume_batch_queue(queue_, timeout_ms, batch_.data(), kBatch);
      batch_.resize(n > 0 ? static_cast<size_t>(n) : 0);
      next_ = 0;
      if (batch_.empty()) return nullptr;
    }
    return batch_[next_++];
  }
  // Gives back what poll() took from the queue but did not hand out.
  void drop_buffered() {
    for (; next_ < batch_.size(); ++next_) rd_kafka_message_destroy(batch_[next_]);
  }

 private:
  rd_kafka_topic_t* rkt_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::vector<int> started_;
  static constexpr size_t kBatch = 1024;
  std::vector<rd_kafka_message_t*> batch_;
  size_t next_ = 0;
};

// Group membership changes as lines on the output, with wall-clock times so that separate
// processes (bench/group.sh) can be lined up, e.g. to time a rebalance after a member's death:
//   rebalance: assigned at <epoch ms> ms, assignment now: 0,3
//   rebalance: consuming at <epoch ms> ms        (the first record after an assignment)
struct RebalanceLog {
  std::FILE* out = nullptr;
  bool announce_next_record = false;
  bool assigned_once = false;
  Clock::time_point last_change = Clock::now();
};

std::string partition_list(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<int32_t> ids;
  for (int i = 0; parts != nullptr && i < parts->cnt; ++i) ids.push_back(parts->elems[i].partition);
  std::sort(ids.begin(), ids.end());
  return fmt::format("{}", fmt::join(ids, ","));
}

// Runs on the polling thread (librdkafka serves it from rd_kafka_consumer_poll), so the loop's
// state needs no lock. Handles both the eager and the cooperative protocol.
void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void* opaque) {
  auto* log = static_cast<RebalanceLog*>(opaque);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  const bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  const char* event = assign ? "assigned" : "revoked";
  if (cooperative) {
    rd_kafka_error_t* e =
        assign ? rd_kafka_incremental_assign(rk, parts) : rd_kafka_incremental_unassign(rk, parts);
    if (e != nullptr) {
      fmt::print(stderr, "samsa-perf: {}: {}\n", event, rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
  } else {
    if (!assign && err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      fmt::print(stderr, "samsa-perf: rebalance error: {}\n", rd_kafka_err2str(err));
    }
    rd_kafka_assign(rk, assign ? parts : nullptr);
  }
  log->last_change = Clock::now();
  log->announce_next_record = assign;
  log->assigned_once = log->assigned_once || assign;
  if (log->out == nullptr) return;
  rd_kafka_topic_partition_list_t* now = nullptr;
  if (rd_kafka_assignment(rk, &now) != RD_KAFKA_RESP_ERR_NO_ERROR) now = nullptr;
  fmt::print(log->out, "rebalance: {} at {} ms, assignment now: {}\n", event, wall_ms(),
             partition_list(now));
  std::fflush(log->out);
  if (now != nullptr) rd_kafka_topic_partition_list_destroy(now);
}

bool subscribe(rd_kafka_t* rk, const std::string& topic, std::string& err) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t rc = rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = fmt::format("subscribe: {}", rd_kafka_err2str(rc));
    return false;
  }
  return true;
}

}  // namespace

RunResult run_consumer(const ConsumerOptions& opts, std::FILE* out) {
  RunResult result;
  auto started = Clock::now();
  auto deadline = started + std::chrono::milliseconds(opts.timeout_ms);
  std::string err;

  std::unique_ptr<MockCluster> mock;
  std::string bootstrap = opts.bootstrap;
  if (opts.mock) {
    if (opts.record_size > kMaxRecordSize ||
        static_cast<double>(opts.messages) * opts.record_size > kMaxMockFillBytes) {
      return fail(result, "mock fill too large for memory (--messages x --record-size)");
    }
    mock = MockCluster::create(1, err);
    if (!mock || !mock->create_topic(opts.topic, std::max(opts.partitions, 1), err)) {
      return fail(result, err);
    }
    bootstrap = mock->bootstraps();
    if (!fill_mock(opts, bootstrap, std::min(opts.messages, mock_capacity(opts)), err)) {
      return fail(result, err);
    }
    started = Clock::now();
  }

  Props base{{"enable.partition.eof", "false"}, {"enable.auto.commit", "false"}};
  if (!bootstrap.empty()) base.emplace_back("bootstrap.servers", bootstrap);
  if (!opts.group.empty()) {
    base.emplace_back("group.id", opts.group);
    base.emplace_back("auto.offset.reset", "earliest");
  }
  auto conf = make_conf(base, opts.props, err);
  if (!conf) return fail(result, err);
  RebalanceLog rebalances;
  rebalances.out = out;
  if (!opts.group.empty()) {
    rd_kafka_conf_set_opaque(conf.get(), &rebalances);
    rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  }
  auto rk = make_client(RD_KAFKA_CONSUMER, std::move(conf), err);
  if (!rk) return fail(result, err);
  bool grouped = !opts.group.empty();
  if (grouped) rd_kafka_poll_set_consumer(rk.get());

  if (!opts.mock && opts.partitions > 0 &&
      !ensure_topic(rk.get(), opts.topic, opts.partitions, opts.replication_factor, deadline,
                    err)) {
    return fail(result, err);
  }
  PartitionReader reader;
  bool ready = grouped ? subscribe(rk.get(), opts.topic, err)
                       : reader.start(rk.get(), opts.topic, deadline, err);
  if (!ready) return fail(result, err);
  // Mock mode: the log ends (and begins) of each partition, to wrap around at the end so a run
  // can read more records than the mock retains. The same fetch path runs on every pass.
  std::vector<std::pair<int64_t, int64_t>> wrap;
  std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> seek_rkt(nullptr,
                                                                          rd_kafka_topic_destroy);
  if (opts.mock && mock_capacity(opts) < opts.messages) {
    seek_rkt.reset(rd_kafka_topic_new(rk.get(), opts.topic.c_str(), nullptr));
    for (int p = 0; p < std::max(opts.partitions, 1); ++p) {
      int64_t lo = 0, hi = 0;
      auto rc = rd_kafka_query_watermark_offsets(rk.get(), opts.topic.c_str(), p, &lo, &hi,
                                                 std::max(remaining_ms(deadline, 5000), 1));
      if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(result, fmt::format("mock watermarks: {}", rd_kafka_err2str(rc)));
      }
      wrap.emplace_back(lo, hi);
    }
    fmt::print(stderr, "samsa-perf: mock retains {} records; they are re-read to reach {}\n",
               mock_capacity(opts), opts.messages);
  }
  auto next = [&](int timeout_ms) {
    if (grouped) return rd_kafka_consumer_poll(rk.get(), timeout_ms);
    return reader.poll(rk.get(), timeout_ms);
  };

  PerfStats stats("consumed", started, std::chrono::milliseconds(opts.report_interval_ms));
  Clock::time_point first{};
  Clock::time_point last = started;
  uint64_t errors = 0;
  std::string first_error;
  bool fatal = false;
  bool idle = false;
  int64_t first_wall_ms = 0;
  int64_t last_wall_ms = 0;
  while (stats.count() < opts.messages && !fatal) {
    int wait = remaining_ms(deadline, 100);
    if (wait == 0) break;
    // A group member is not idle while it waits for its first assignment (the initial
    // rebalance delay alone is 3 s); --timeout bounds that wait.
    if (opts.idle_exit_ms > 0 && (!grouped || rebalances.assigned_once) &&
        Clock::now() - std::max(last, rebalances.last_change) >=
            std::chrono::milliseconds(opts.idle_exit_ms)) {
      idle = true;
      break;
    }
    rd_kafka_message_t* msg = next(wait);
    if (msg == nullptr) continue;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // Transient errors (e.g. a topic not yet known) are reported once; the timeout bounds them.
        if (errors++ == 0) first_error = rd_kafka_message_errstr(msg);
        if (errors <= 5)
          fmt::print(stderr, "samsa-perf: consume: {}\n", rd_kafka_message_errstr(msg));
        char buf[256];
        fatal = rd_kafka_fatal_error(rk.get(), buf, sizeof buf) != RD_KAFKA_RESP_ERR_NO_ERROR;
      }
      rd_kafka_message_destroy(msg);
      continue;
    }
    auto now = Clock::now();
    last_wall_ms = wall_ms();
    if (rebalances.announce_next_record && out) {
      fmt::print(out, "rebalance: consuming at {} ms\n", last_wall_ms);
    }
    rebalances.announce_next_record = false;
    if (stats.count() == 0) {
      first_wall_ms = last_wall_ms;
      // Rates count from the first record, so group join and metadata time stay out of them; that
      // start-up time is reported on its own line.
      first = now;
      stats.restart(now);
    }
    if (!wrap.empty() && msg->partition >= 0 && static_cast<size_t>(msg->partition) < wrap.size() &&
        msg->offset + 1 >= wrap[msg->partition].second) {
      rd_kafka_seek(seek_rkt.get(), msg->partition, wrap[msg->partition].first, 0);
    }
    int64_t ts = rd_kafka_message_timestamp(msg, nullptr);
    int64_t e2e_ms = ts >= 0 ? std::max<int64_t>(last_wall_ms - ts, 0) : 0;
    auto line = stats.record(static_cast<uint64_t>(e2e_ms) * 1000, msg->len, now);
    if (line && out) fmt::print(out, "{}\n", *line), std::fflush(out);
    last = now;
    rd_kafka_message_destroy(msg);
  }

  result.records = stats.count();
  result.errors = errors;
  result.records_per_sec = stats.records_per_sec(last);
  result.mb_per_sec = stats.mb_per_sec(last);
  result.summary = stats.summary(last);
  if (out) {
    fmt::print(out, "{}\n", result.summary);
    if (result.records > 0) {
      fmt::print(
          out,
          "start-up: {} ms to first record; latency is end-to-end from record timestamps (ms "
          "resolution){}.\n",
          std::chrono::duration_cast<std::chrono::milliseconds>(first - started).count(),
          opts.mock ? ", which in mock mode is the age of pre-filled records" : "");
    }
    if (grouped && result.records > 0) {
      // Members of one group run in separate processes; these let their windows be combined.
      fmt::print(out, "window: first record at {} ms, last record at {} ms\n", first_wall_ms,
                 last_wall_ms);
    }
    std::fflush(out);
  }
  seek_rkt.reset();
  if (grouped) rd_kafka_consumer_close(rk.get());
  reader.stop();
  rk.reset();

  if (fatal) return fail(result, "fatal client error: " + first_error);
  if (result.records < opts.messages && !idle) {
    return fail(result, fmt::format("timed out after {} ms with {} of {} records consumed{}",
                                    opts.timeout_ms, result.records, opts.messages,
                                    first_error.empty() ? "" : "; first error: " + first_error));
  }
  result.ok = true;
  return result;
}

}  // namespace samsa::perf
