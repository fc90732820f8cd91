#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "kafka_client.h"

namespace samsa::perf {

struct CommonOptions {
  std::string bootstrap;
  std::string topic;
  int partitions = 0;  // > 0: create the topic with this many partitions if missing
  int replication_factor = 1;
  bool mock = false;
  int64_t timeout_ms = 120000;  // bounds the whole run
  int64_t report_interval_ms = 5000;
};

struct ProducerOptions : CommonOptions {
  uint64_t num_records = 0;
  uint32_t record_size = 100;
  double throughput = -1;  // records/s; < 0 = unthrottled
  Props props;
  // > 0: send record i to partition i % spread_partitions instead of letting the partitioner
  // choose; used to fill the mock topic evenly.
  int spread_partitions = 0;
};

struct ConsumerOptions : CommonOptions {
  uint64_t messages = 0;
  std::string group;  // empty: assign every partition from the beginning
  // > 0: stop (successfully) after this long without a record or a rebalance, counted in a group
  // from the first assignment; `messages` is then an upper bound. Lets each member of a group stop
  // when the group has drained the topic.
  int64_t idle_exit_ms = 0;
  Props props;
  uint32_t record_size = 1024;  // only for filling the mock topic
};

struct RunResult {
  bool ok = false;
  uint64_t records = 0;  // delivered (producer) or consumed (consumer)
  uint64_t errors = 0;
  double records_per_sec = 0;
  double mb_per_sec = 0;
  std::string summary;  // the final line
  std::string error;    // why the run failed, when !ok
};

// Upper bounds on what a run may ask for: a record is held in memory once, and the mock fill
// keeps every record in the process.
constexpr uint32_t kMaxRecordSize = 64u << 20;
constexpr uint64_t kMaxMockFillBytes = 8ull << 30;
// librdkafka's mock partitions keep only their last 5 MiB (and 100000 records), a limit fixed in
// its source; the consumer's mock fill stays under this so nothing is dropped before it is read.
constexpr uint64_t kMockPartitionBudget = 4ull << 20;
constexpr uint64_t kMockPartitionMaxRecords = 90000;
constexpr uint64_t kMockRecordOverhead = 80;  // batch and record framing, generously

// Both write their periodic and final lines to `out` (nullptr = silent) and diagnostics to stderr.
RunResult run_producer(const ProducerOptions& opts, std::FILE* out);
RunResult run_consumer(const ConsumerOptions& opts, std::FILE* out);

}  // namespace samsa::perf
