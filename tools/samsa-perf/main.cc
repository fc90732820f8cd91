// samsa-perf: producer/consumer load generator and latency meter (like kafka-*-perf-test).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>

#include "perf_options.h"

namespace {

using samsa::perf::CommonOptions;

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--bootstrap-server", o.bootstrap, "host:port of a broker");
  cmd->add_option("--topic", o.topic, "topic to use")->required();
  cmd->add_option("--partitions", o.partitions,
                  "create the topic with this many partitions if it does not exist")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--replication-factor", o.replication_factor,
                  "replication factor when --partitions creates the topic")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--mock", o.mock, "run against librdkafka's in-process mock cluster");
  cmd->add_option("--timeout", o.timeout_ms, "bound on the whole run, ms")
      ->check(CLI::Range(int64_t{1}, int64_t{86400000}));
  cmd->add_option("--reporting-interval", o.report_interval_ms, "periodic report interval, ms")
      ->check(CLI::Range(int64_t{1}, int64_t{86400000}));
}

bool has_bootstrap(const CommonOptions& o, const samsa::perf::Props& props) {
  if (o.mock || !o.bootstrap.empty()) return true;
  for (const auto& [k, v] : props) {
    if (k == "bootstrap.servers" || k == "metadata.broker.list") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"samsa-perf: Kafka producer/consumer load generator and latency meter"};
  app.require_subcommand(1);

  samsa::perf::ProducerOptions prod;
  std::vector<std::string> prod_props;
  auto* producer = app.add_subcommand("producer", "produce records and measure ack latency");
  add_common(producer, prod);
  producer->add_option("--num-records", prod.num_records, "records to send")->required();
  producer->add_option("--record-size", prod.record_size, "bytes per record")
      ->check(CLI::Range(uint32_t{0}, samsa::perf::kMaxRecordSize));
  producer->add_option("--throughput", prod.throughput, "records/s cap, -1 = unthrottled")
      ->required();
  producer->add_option("--producer-props", prod_props, "librdkafka properties, key=value ...");

  samsa::perf::ConsumerOptions cons;
  std::vector<std::string> cons_props;
  auto* consumer = app.add_subcommand("consumer", "consume records and measure end-to-end latency");
  add_common(consumer, cons);
  consumer->add_option("--messages", cons.messages, "records to consume")->required();
  consumer->add_option("--group", cons.group, "consumer group (subscribe); default: assign all");
  consumer
      ->add_option("--idle-exit", cons.idle_exit_ms,
                   "stop after this many ms without a record (with --group: counted from the "
                   "first assignment, and a rebalance counts as activity); --messages is then an "
                   "upper bound")
      ->check(CLI::Range(int64_t{1}, int64_t{86400000}));
  consumer->add_option("--consumer-props", cons_props, "librdkafka properties, key=value ...");
  consumer->add_option("--record-size", cons.record_size, "record size for the --mock fill")
      ->check(CLI::Range(uint32_t{0}, samsa::perf::kMaxRecordSize));

  CLI11_PARSE(app, argc, argv);

  try {
    prod.props = samsa::perf::parse_props(prod_props);
    cons.props = samsa::perf::parse_props(cons_props);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "samsa-perf: {}\n", e.what());
    return 2;
  }
  if (producer->parsed() && prod.throughput == 0) {
    fmt::print(stderr, "samsa-perf: --throughput must be positive or -1\n");
    return 2;
  }

  samsa::perf::RunResult result;
  if (producer->parsed()) {
    if (!has_bootstrap(prod, prod.props)) {
      fmt::print(stderr, "samsa-perf: --bootstrap-server or --mock is required\n");
      return 2;
    }
    result = samsa::perf::run_producer(prod, stdout);
  } else {
    if (!has_bootstrap(cons, cons.props)) {
      fmt::print(stderr, "samsa-perf: --bootstrap-server or --mock is required\n");
      return 2;
    }
    result = samsa::perf::run_consumer(cons, stdout);
  }
  if (!result.ok) {
    fmt::print(stderr, "samsa-perf: error: {}\n", result.error);
    return 1;
  }
  return 0;
}
