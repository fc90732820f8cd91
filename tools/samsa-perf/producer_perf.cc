// The producer side of samsa-perf: kafka-producer-perf-test's loop on librdkafka.
#include <fmt/format.h>

#include <random>

#include "perf_options.h"
#include "perf_stats.h"
#include "throttler.h"

namespace samsa::perf {
namespace {

using Clock = std::chrono::steady_clock;

// Shared with librdkafka's callbacks, which run on this thread inside rd_kafka_poll().
struct ProducerContext {
  Clock::time_point start;
  PerfStats* stats = nullptr;
  std::FILE* out = nullptr;
  uint64_t errors = 0;
  std::string first_error;
  bool fatal = false;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* ctx = static_cast<ProducerContext*>(opaque);
  auto now = Clock::now();
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (ctx->errors++ == 0) ctx->first_error = rd_kafka_err2str(msg->err);
    return;
  }
  // The per-message opaque carries the send time as nanoseconds since the run started.
  auto sent_ns = reinterpret_cast<uintptr_t>(msg->_private);
  auto latency = now - (ctx->start + std::chrono::nanoseconds(sent_ns));
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  auto line =
      ctx->stats->record(static_cast<uint64_t>(std::max<int64_t>(micros, 0)), msg->len, now);
  if (line && ctx->out) fmt::print(ctx->out, "{}\n", *line), std::fflush(ctx->out);
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* ctx = static_cast<ProducerContext*>(opaque);
  fmt::print(stderr, "samsa-perf: client error: {}: {}\n",
             rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    ctx->fatal = true;
    if (ctx->first_error.empty()) ctx->first_error = buf;
  }
}

std::vector<char> make_payload(uint32_t size) {
  // Random letters like kafka-producer-perf-test, so compression ratios are comparable with it.
  std::vector<char> payload(size);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> letter('A', 'Z');
  for (auto& c : payload) c = static_cast<char>(letter(rng));
  return payload;
}

RunResult fail(RunResult r, std::string why) {
  r.ok = false;
  r.error = std::move(why);
  return r;
}

}  // namespace

RunResult run_producer(const ProducerOptions& opts, std::FILE* out) {
  RunResult result;
  auto deadline = Clock::now() + std::chrono::milliseconds(opts.timeout_ms);
  if (opts.record_size > kMaxRecordSize) {
    return fail(result, fmt::format("--record-size above {} bytes", kMaxRecordSize));
  }

  std::unique_ptr<MockCluster> mock;
  std::string err;
  std::string bootstrap = opts.bootstrap;
  if (opts.mock) {
    mock = MockCluster::create(1, err);
    if (!mock || !mock->create_topic(opts.topic, std::max(opts.partitions, 1), err)) {
      return fail(result, err);
    }
    bootstrap = mock->bootstraps();
  }

  Props base;
  if (!bootstrap.empty()) base.emplace_back("bootstrap.servers", bootstrap);
  auto conf = make_conf(base, opts.props, err);
  if (!conf) return fail(result, err);

  ProducerContext ctx;
  PerfStats stats("sent", Clock::now(), std::chrono::milliseconds(opts.report_interval_ms));
  ctx.stats = &stats;
  ctx.out = out;
  rd_kafka_conf_set_opaque(conf.get(), &ctx);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(conf), err);
  if (!rk) return fail(result, err);

  if (opts.mock) {
    if (wait_for_topic(rk.get(), opts.topic, 0, deadline, err) < 0) return fail(result, err);
  } else if (opts.spread_partitions > 0) {
    if (wait_for_topic(rk.get(), opts.topic, 0, deadline, err) < 0) return fail(result, err);
  } else if (opts.partitions > 0) {
    if (!ensure_topic(rk.get(), opts.topic, opts.partitions, opts.replication_factor, deadline,
                      err)) {
      return fail(result, err);
    }
  }

  struct TopicDestroy {
    void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
  };
  std::unique_ptr<rd_kafka_topic_t, TopicDestroy> rkt(
      rd_kafka_topic_new(rk.get(), opts.topic.c_str(), nullptr));
  auto payload = make_payload(opts.record_size);

  ctx.start = Clock::now();
  stats.restart(ctx.start);
  Throttler throttler(opts.throughput, ctx.start);
  bool timed_out = false;
  for (uint64_t i = 0; i < opts.num_records && !ctx.fatal; ++i) {
    if (throttler.enabled()) {
      // Waits only once a whole millisecond ahead of the schedule, as Kafka's
      // ProducerPerformance throttler does (it sleeps from 2 ms): a sleep per record at
      // hundreds of thousands of records a second costs the tool a context switch per record,
      // CPU the broker it shares the machine with would lack.
      for (auto wait = throttler.wait_for(i, Clock::now()); wait >= std::chrono::milliseconds(1);
           wait = throttler.wait_for(i, Clock::now())) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
        rd_kafka_poll(rk.get(), static_cast<int>(std::min<int64_t>(ms, 100)));
      }
    }
    if ((i & 1023) == 0 && Clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    auto sent_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - ctx.start);
    void* stamp = reinterpret_cast<void*>(static_cast<uintptr_t>(sent_ns.count()));
    // Flag 0: librdkafka neither copies nor frees the payload, which outlives the producer.
    int32_t partition =
        opts.spread_partitions > 0
            ? static_cast<int32_t>(i % static_cast<uint64_t>(opts.spread_partitions))
            : RD_KAFKA_PARTITION_UA;
    while (rd_kafka_produce(rkt.get(), partition, 0, payload.data(), payload.size(), nullptr, 0,
                            stamp) != 0) {
      rd_kafka_resp_err_t perr = rd_kafka_last_error();
      if (perr != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return fail(result, fmt::format("produce: {}", rd_kafka_err2str(perr)));
      }
      if (Clock::now() >= deadline) {
        timed_out = true;
        break;
      }
      rd_kafka_poll(rk.get(), 5);
    }
    if (timed_out) break;
    if ((i & 15) == 0) rd_kafka_poll(rk.get(), 0);
  }
  while (!ctx.fatal && rd_kafka_outq_len(rk.get()) > 0 && Clock::now() < deadline) {
    rd_kafka_poll(rk.get(), 50);
  }
  auto end = Clock::now();
  bool undelivered = rd_kafka_outq_len(rk.get()) > 0;
  if (undelivered) {
    // Fail queued messages now so their callbacks do not fire after the stats are reported.
    rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk.get(), 0);
  }

  result.records = stats.count();
  result.errors = ctx.errors;
  result.records_per_sec = stats.records_per_sec(end);
  result.mb_per_sec = stats.mb_per_sec(end);
  result.summary = stats.summary(end);
  if (out) fmt::print(out, "{}\n", result.summary), std::fflush(out);

  rkt.reset();
  rk.reset();
  if (ctx.fatal) return fail(result, "fatal client error: " + ctx.first_error);
  if (timed_out || undelivered) {
    return fail(result, fmt::format("timed out after {} ms with {} of {} records delivered",
                                    opts.timeout_ms, result.records, opts.num_records));
  }
  if (ctx.errors > 0) {
    return fail(result,
                fmt::format("{} records failed, first error: {}", ctx.errors, ctx.first_error));
  }
  result.ok = true;
  return result;
}

}  // namespace samsa::perf
