// samsactl topic produce | consume: the console producer and consumer, on librdkafka (the REST
// API has no consumer groups for reading, and a console producer wants Kafka's partitioner and
// acks). Record text goes through record_format.h, so formats are the same in both directions.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "commands.h"
#include "kafka_client.h"
#include "record_format.h"
#include "request_builders.h"

namespace samsa::ctl {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

struct Delivery {
  int32_t partition = -1;
  int64_t offset = -1;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  bool done = false;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* results = static_cast<std::vector<Delivery>*>(opaque);
  const auto index = reinterpret_cast<uintptr_t>(m->_private);
  if (index >= results->size()) return;
  auto& d = (*results)[index];
  d.partition = m->partition;
  d.offset = m->offset;
  d.error = m->err;
  d.done = true;
}

// Reads the next record (up to `delimiter`) from `in`; false at the end of input.
bool next_record(std::istream& in, const std::string& delimiter, std::string& out) {
  out.clear();
  if (delimiter.size() == 1) {
    if (!std::getline(in, out, delimiter[0])) return false;
    return true;
  }
  char c = 0;
  bool any = false;
  while (in.get(c)) {
    any = true;
    out.push_back(c);
    if (out.size() >= delimiter.size() &&
        out.compare(out.size() - delimiter.size(), delimiter.size(), delimiter) == 0) {
      out.resize(out.size() - delimiter.size());
      return true;
    }
  }
  return any;
}

void add_produce(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::string topic;
    std::string key;
    bool has_key = false;
    std::vector<std::string> headers;
    int partition = -1;
    std::string format = "%v";
    std::string delimiter = "\\n";
    std::string file;
    std::string acks = "all";
    bool tombstone = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand(
      "produce", "Produce records read from stdin (or --file), one per line by default");
  cmd->add_option("topic", o->topic, "Topic to produce to")->required();
  auto* key = cmd->add_option("-k,--key", o->key, "Key of every record (see also -f '%k %v')");
  cmd->add_option("-H,--header", o->headers, "Header name:value on every record (repeatable)");
  cmd->add_option("-p,--partition", o->partition, "Partition (default: the key's partition)");
  cmd->add_option("-f,--format", o->format,
                  "Input format: literals with %k (key) and %v (value), e.g. '%k %v' or "
                  "'%k\\t%v'");
  cmd->add_option("--delimiter", o->delimiter, "Record delimiter (default \\n)");
  cmd->add_option("--file", o->file, "Read records from this file instead of stdin");
  cmd->add_option("--acks", o->acks, "Producer acks: all, 1 or 0")
      ->check(CLI::IsMember({"all", "-1", "1", "0"}));
  cmd->add_flag("-Z,--tombstone", o->tombstone, "Produce an empty value as null (a tombstone)");
  cmd->footer(
      "Examples:\n  echo hello | samsactl topic produce orders -k id-1 -H source:cli\n"
      "  printf 'k1 v1\\nk2 v2\\n' | samsactl topic produce orders -f '%k %v'");
  cmd->callback([o, key, &ctx] {
    o->has_key = key->count() > 0;
    const InputFormat format(o->format);
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& h : o->headers) headers.push_back(parse_header(h));
    const std::string delimiter = unescape(o->delimiter);
    if (delimiter.empty()) throw CliError(ExitCode::kUsage, "--delimiter must not be empty");
    std::ifstream file;
    if (!o->file.empty()) {
      file.open(o->file, std::ios::binary);
      if (!file) throw CliError(ExitCode::kError, "cannot read " + o->file);
    }
    std::istream& in = o->file.empty() ? std::cin : file;

    // Delivery reports land in `sink` by record index; librdkafka calls on_delivery only from
    // poll()/flush() on this thread, so the vector may grow between calls.
    auto results = std::make_unique<std::vector<Delivery>>();
    std::vector<Delivery>* sink = results.get();
    KeyValues extra{{"acks", o->acks}, {"linger.ms", "5"}};
    auto rk = make_kafka(ctx.profile(), RD_KAFKA_PRODUCER, extra, ctx.flags.verbose,
                         [sink](rd_kafka_conf_t* conf) {
                           rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
                           rd_kafka_conf_set_opaque(conf, sink);
                         });
    check_brokers(rk.get(), ctx.profile(), o->topic);
    std::string line;
    size_t record_no = 0;
    auto produce_one = [&](const ConsoleRecord& r) {
      sink->push_back({});
      const uintptr_t index = sink->size() - 1;
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [k, v] : headers) {
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
      }
      // Computed first: librdkafka's V_ macros cast their arguments without parentheses.
      const void* key_data = r.key ? r.key->data() : nullptr;
      const size_t key_size = r.key ? r.key->size() : 0;
      const bool null_value = o->tombstone && r.value && r.value->empty();
      void* value_data = null_value ? nullptr : const_cast<char*>(r.value->data());
      const size_t value_size = null_value ? 0 : r.value->size();
      for (;;) {
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            rk.get(), RD_KAFKA_V_TOPIC(o->topic.c_str()), RD_KAFKA_V_PARTITION(o->partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_data, key_size),
            RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(index)), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk.get(), 100);
          continue;
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          rd_kafka_headers_destroy(hdrs);
          throw CliError(exit_code_for_kafka(err),
                         "produce to " + o->topic + " failed: " + rd_kafka_err2str(err));
        }
        break;
      }
      rd_kafka_poll(rk.get(), 0);
    };
    while (next_record(in, delimiter, line)) {
      ++record_no;
      if (!line.empty() && line.back() == '\r' && delimiter == "\n") line.pop_back();
      auto r = format.parse(line);
      if (!r) {
        throw CliError(ExitCode::kError, "record " + std::to_string(record_no) +
                                             " does not match the input format '" + o->format +
                                             "': " + line.substr(0, 80));
      }
      if (o->has_key && !r->key) r->key = o->key;
      produce_one(*r);
    }
    rd_kafka_flush(rk.get(), ctx.profile().timeout_ms);
    Table table({"partition", "offset", "error"});
    auto doc = nlohmann::json::array();
    ExitCode failed = ExitCode::kOk;
    std::string failure;
    std::string text;
    for (const auto& d : *sink) {
      const rd_kafka_resp_err_t err = d.done ? d.error : RD_KAFKA_RESP_ERR__TIMED_OUT;
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        text += "Produced to partition " + std::to_string(d.partition) + " at offset " +
                std::to_string(d.offset) + "\n";
        doc.push_back({{"topic", o->topic}, {"partition", d.partition}, {"offset", d.offset}});
      } else {
        text += std::string("Failed: ") + rd_kafka_err2str(err) + "\n";
        doc.push_back({{"topic", o->topic}, {"error", rd_kafka_err2str(err)}});
        if (failed == ExitCode::kOk) {
          failed = exit_code_for_kafka(err);
          failure = rd_kafka_err2str(err);
        }
      }
    }
    ctx.print(doc, text);
    if (failed != ExitCode::kOk) throw CliError(failed, "produce failed: " + failure);
  });
}

void add_consume(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::string topic;
    std::string group;
    std::vector<int> partitions;
    std::string offset;
    int64_t num = 0;
    std::string format = "%v\\n";
    std::string output_file;
    bool exit_at_end = false;
    bool read_committed = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand("consume", "Consume records and print them");
  cmd->add_option("topic", o->topic, "Topic to consume")->required();
  cmd->add_option("-g,--group", o->group,
                  "Consume as this consumer group (subscribes and commits offsets)");
  cmd->add_option("-p,--partitions", o->partitions, "Partitions to read (default: all)")
      ->delimiter(',');
  cmd->add_option("--offset", o->offset,
                  "Where to start: start, end, an offset or @EPOCH_MS (default start; with -g "
                  "only start|end, used when the group has no committed offset)");
  cmd->add_option("-n,--num", o->num, "Stop after this many records")->check(CLI::PositiveNumber);
  cmd->add_option("-f,--format", o->format,
                  "Text format: %t topic %p partition %o offset %T timestamp %k key %v value %h "
                  "headers %K/%V key/value length (default '%v\\n')");
  cmd->add_option("--output-file", o->output_file, "Write records to this file, not stdout");
  cmd->add_flag("-e,--exit-at-end", o->exit_at_end, "Stop once every partition is read to its end");
  cmd->add_flag("--read-committed", o->read_committed, "Skip records of aborted transactions");
  cmd->footer(
      "With -o json each record is one JSON line: topic, partition, offset, timestamp, "
      "key, value, headers.\nExamples:\n  samsactl topic consume orders -n 10 -f "
      "'%p/%o %k=%v %h\\n'\n  samsactl topic consume orders -g billing -e -o json");
  cmd->callback([o, &ctx] {
    validate_output_format(o->format);
    const StartOffset start = parse_start_offset(o->offset.empty() ? "start" : o->offset);
    const bool grouped = !o->group.empty();
    if (grouped && !o->partitions.empty()) {
      throw CliError(ExitCode::kUsage,
                     "-g and -p cannot be combined: a group gets its "
                     "partitions assigned");
    }
    if (grouped && start.kind != StartOffset::Kind::kStart &&
        start.kind != StartOffset::Kind::kEnd) {
      throw CliError(ExitCode::kUsage,
                     "with -g, --offset is start or end (where the group "
                     "starts when it has no committed offset)");
    }
    KeyValues extra{
        {"enable.partition.eof", "true"},
        {"isolation.level", o->read_committed ? "read_committed" : "read_uncommitted"},
        {"auto.offset.reset", start.kind == StartOffset::Kind::kEnd ? "latest" : "earliest"}};
    if (grouped) {
      extra.emplace_back("group.id", o->group);
      // Offsets of the records printed (stored when poll returns them) are committed at exit.
      extra.emplace_back("enable.auto.commit", "true");
      extra.emplace_back("auto.commit.interval.ms", "1000");
    } else {
      extra.emplace_back("group.id", "samsactl-console");
      extra.emplace_back("enable.auto.commit", "false");
    }
    auto rk = make_kafka(ctx.profile(), RD_KAFKA_CONSUMER, extra, ctx.flags.verbose);
    const int partition_count = check_brokers(rk.get(), ctx.profile(), o->topic);
    rd_kafka_poll_set_consumer(rk.get());
    std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>
        list(rd_kafka_topic_partition_list_new(1), rd_kafka_topic_partition_list_destroy);
    size_t expected_eofs = 0;
    if (grouped) {
      rd_kafka_topic_partition_list_add(list.get(), o->topic.c_str(), RD_KAFKA_PARTITION_UA);
      const auto err = rd_kafka_subscribe(rk.get(), list.get());
      if (err) throw CliError(exit_code_for_kafka(err), rd_kafka_err2str(err));
    } else {
      std::vector<int> parts = o->partitions;
      if (parts.empty()) {
        for (int p = 0; p < partition_count; ++p) parts.push_back(p);
      }
      for (int p : parts) {
        if (p < 0 || p >= partition_count) {
          throw CliError(ExitCode::kNotFound,
                         "partition " + std::to_string(p) + " of " + o->topic + " does not exist");
        }
        auto* tp = rd_kafka_topic_partition_list_add(list.get(), o->topic.c_str(), p);
        switch (start.kind) {
          case StartOffset::Kind::kStart:
            tp->offset = RD_KAFKA_OFFSET_BEGINNING;
            break;
          case StartOffset::Kind::kEnd:
            tp->offset = RD_KAFKA_OFFSET_END;
            break;
          case StartOffset::Kind::kOffset:
            tp->offset = start.value;
            break;
          case StartOffset::Kind::kTimestamp:
            tp->offset = start.value;
            break;
        }
      }
      if (start.kind == StartOffset::Kind::kTimestamp) {
        const auto err = rd_kafka_offsets_for_times(rk.get(), list.get(), ctx.profile().timeout_ms);
        if (err) throw CliError(exit_code_for_kafka(err), rd_kafka_err2str(err));
        // No record at or after the timestamp: -1 means "the end" to assign().
        for (int i = 0; i < list->cnt; ++i) {
          if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
        }
      }
      expected_eofs = parts.size();
      const auto err = rd_kafka_assign(rk.get(), list.get());
      if (err) throw CliError(exit_code_for_kafka(err), rd_kafka_err2str(err));
    }

    std::ofstream file;
    if (!o->output_file.empty()) {
      file.open(o->output_file, std::ios::binary | std::ios::trunc);
      if (!file) throw CliError(ExitCode::kError, "cannot write " + o->output_file);
    }
    std::ostream& out = o->output_file.empty() ? ctx.out() : file;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const OutputFormat fmt = ctx.format();
    int64_t printed = 0;
    std::set<int32_t> at_end;
    std::string failure;
    ExitCode failed = ExitCode::kOk;
    while (!g_stop && (o->num == 0 || printed < o->num)) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
      if (m == nullptr) continue;
      std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(
          m, rd_kafka_message_destroy);
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end.insert(m->partition);
        if (grouped) {
          rd_kafka_topic_partition_list_t* assigned = nullptr;
          if (rd_kafka_assignment(rk.get(), &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            expected_eofs = static_cast<size_t>(assigned->cnt);
            rd_kafka_topic_partition_list_destroy(assigned);
          }
        }
        if (o->exit_at_end && expected_eofs > 0 && at_end.size() >= expected_eofs) break;
        continue;
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failed = exit_code_for_kafka(m->err);
        failure = rd_kafka_message_errstr(m);
        // Transient errors (a broker restarting) are retried by librdkafka; these are not.
        if (failed != ExitCode::kError && failed != ExitCode::kUnreachable) break;
        std::cerr << "samsactl: consume: " << failure << '\n';
        failed = ExitCode::kOk;
        continue;
      }
      at_end.erase(m->partition);
      ConsoleRecord r;
      r.topic = o->topic;
      r.partition = m->partition;
      r.offset = m->offset;
      r.timestamp = rd_kafka_message_timestamp(m, nullptr);
      if (m->key != nullptr) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      if (m->payload != nullptr) {
        r.value = std::string(static_cast<const char*>(m->payload), m->len);
      }
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers.emplace_back(name, value ? std::optional<std::string>(std::string(
                                                   static_cast<const char*>(value), size))
                                             : std::nullopt);
        }
      }
      if (fmt == OutputFormat::kJson) {
        out << record_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
            << '\n';
      } else if (fmt == OutputFormat::kYaml) {
        out << "---\n" << to_yaml(record_json(r));
      } else {
        out << render_record(o->format, r);
      }
      out.flush();
      ++printed;
    }
    if (grouped) {
      // Synchronous, so the offsets are committed when samsactl exits (close() would too, but
      // a commit error is worth reporting). _NO_OFFSET: nothing was consumed.
      const auto err = rd_kafka_commit(rk.get(), nullptr, 0);
      if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET && failed == ExitCode::kOk) {
        failed = exit_code_for_kafka(err);
        failure = std::string("committing offsets failed: ") + rd_kafka_err2str(err);
      }
    }
    rd_kafka_consumer_close(rk.get());
    if (failed != ExitCode::kOk) throw CliError(failed, "consume: " + failure);
  });
}

}  // namespace

void add_record_commands(CLI::App& topic, Context& ctx) {
  add_produce(topic, ctx);
  add_consume(topic, ctx);
}

}  // namespace samsa::ctl
