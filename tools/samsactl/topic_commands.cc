// samsactl topic create | list | describe | alter-config | add-partitions | delete | trim-prefix,
// all over the REST API (Confluent v3 topics/configs/partitions; /v1 records:delete for
// trim-prefix). produce and consume are in record_commands.cc.
#include <algorithm>
#include <memory>

#include "commands.h"
#include "request_builders.h"

namespace samsa::ctl {
namespace {

std::string topic_path(Context& ctx, const std::string& topic) {
  return ctx.rest().cluster_path() + "/topics/" + url_encode(topic);
}

nlohmann::json get_topic(Context& ctx, const std::string& topic) {
  return naming_not_found("topic " + topic, [&] { return ctx.rest().get(topic_path(ctx, topic)); });
}

nlohmann::json data_of(const nlohmann::json& collection) {
  if (collection.is_object() && collection.contains("data") && collection["data"].is_array()) {
    return collection["data"];
  }
  return nlohmann::json::array();
}

void add_create(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::vector<std::string> names;
    int partitions = -1;
    int replicas = -1;
    std::vector<std::string> configs;
    bool dry_run = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand("create", "Create topics");
  cmd->add_option("topics", o->names, "Topic names")->required();
  cmd->add_option("-p,--partitions", o->partitions,
                  "Number of partitions (default: the broker's num.partitions)");
  cmd->add_option("-r,--replicas", o->replicas,
                  "Replication factor (default: the broker's default.replication.factor)");
  cmd->add_option("-c,--topic-config", o->configs, "Topic config key=value (repeatable)");
  cmd->add_flag("-d,--dry-run", o->dry_run, "Validate only; create nothing");
  cmd->footer("Example:\n  samsactl topic create orders -p 6 -r 3 -c cleanup.policy=compact");
  cmd->callback([o, &ctx] {
    const auto configs = parse_key_values(o->configs, "--topic-config");
    StatusReport report;
    for (const auto& name : o->names) {
      try {
        const auto body = create_topic_body(name, o->partitions, o->replicas, configs, o->dry_run);
        const auto r = ctx.rest().call("POST", ctx.rest().cluster_path() + "/topics", &body);
        report.ok(name, {{"partitions", int_of(r, "partitions_count")},
                         {"replicas", int_of(r, "replication_factor")},
                         {"dry_run", o->dry_run}});
      } catch (const CliError& e) {
        // "Topic 'x' already exists" comes back as a 400; scripts want the conflict code.
        const std::string text = e.what();
        if (text.find("already exists") != std::string::npos) {
          report.failed(name, CliError(ExitCode::kConflict, text));
        } else {
          report.failed(name, e);
        }
      }
    }
    report.finish(ctx, "topic create");
  });
}

void add_list(CLI::App& topic, Context& ctx) {
  auto internal = std::make_shared<bool>(false);
  auto* cmd = topic.add_subcommand("list", "List topics");
  cmd->alias("ls");
  cmd->add_flag("-i,--internal", *internal, "Include internal topics (__consumer_offsets, ...)");
  cmd->callback([internal, &ctx] {
    const auto topics = data_of(ctx.rest().get(ctx.rest().cluster_path() + "/topics"));
    auto doc = nlohmann::json::array();
    Table table({"name", "partitions", "replicas"});
    for (const auto& t : topics) {
      if (t.value("is_internal", false) && !*internal) continue;
      doc.push_back({{"name", t.value("topic_name", "")},
                     {"partitions", int_of(t, "partitions_count")},
                     {"replicas", int_of(t, "replication_factor")},
                     {"internal", t.value("is_internal", false)}});
    }
    std::sort(doc.begin(), doc.end(),
              [](const auto& a, const auto& b) { return a["name"] < b["name"]; });
    for (const auto& t : doc) {
      table.add_row({cell(t["name"]), cell(t["partitions"]), cell(t["replicas"])});
    }
    ctx.print(doc, table.render());
  });
}

void add_describe(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::string name;
    bool summary = false;
    bool configs = false;
    bool partitions = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand("describe", "Describe a topic: summary, configs, partitions");
  cmd->alias("info");
  cmd->add_option("topic", o->name, "Topic name")->required();
  cmd->add_flag("-s,--print-summary", o->summary, "Print only the summary section");
  cmd->add_flag("-c,--print-configs", o->configs, "Print only the configs section");
  cmd->add_flag("-p,--print-partitions", o->partitions, "Print only the partitions section");
  cmd->callback([o, &ctx] {
    const bool all = !o->summary && !o->configs && !o->partitions;
    const auto t = get_topic(ctx, o->name);
    const std::string path = topic_path(ctx, o->name);
    nlohmann::json doc{{"name", o->name},
                       {"partitions", int_of(t, "partitions_count")},
                       {"replicas", int_of(t, "replication_factor")},
                       {"internal", t.value("is_internal", false)}};
    std::string text;
    if (all || o->summary) {
      Table summary({"", ""});
      summary.add_row({"NAME", o->name});
      summary.add_row({"PARTITIONS", cell(doc["partitions"])});
      summary.add_row({"REPLICAS", cell(doc["replicas"])});
      summary.add_row({"INTERNAL", t.value("is_internal", false) ? "true" : "false"});
      // A headerless table: drop its (empty) header line.
      const std::string rendered = summary.render();
      text += section("SUMMARY") + rendered.substr(rendered.find('\n') + 1);
    }
    if (all || o->configs) {
      auto configs = data_of(ctx.rest().get(path + "/configs"));
      std::sort(configs.begin(), configs.end(),
                [](const auto& a, const auto& b) { return a["name"] < b["name"]; });
      Table table({"key", "value", "source"});
      auto list = nlohmann::json::array();
      for (const auto& c : configs) {
        const std::string value =
            c.value("is_sensitive", false) ? "(sensitive)" : text_of(c, "value");
        table.add_row({text_of(c, "name"), value, text_of(c, "source")});
        list.push_back({{"name", c["name"]},
                        {"value", c.value("is_sensitive", false) ? nlohmann::json() : c["value"]},
                        {"source", c["source"]},
                        {"is_default", c.value("is_default", false)},
                        {"is_read_only", c.value("is_read_only", false)}});
      }
      doc["configs"] = list;
      text += (text.empty() ? "" : "\n") + section("CONFIGS") + table.render();
    }
    if (all || o->partitions) {
      const auto partitions = data_of(ctx.rest().get(path + "/partitions"));
      Table table({"partition", "leader", "replicas", "isr", "log-start-offset", "high-watermark"});
      auto list = nlohmann::json::array();
      for (const auto& p : partitions) {
        const int64_t id = int_of(p, "partition_id");
        const std::string ppath = path + "/partitions/" + std::to_string(id);
        auto replicas = nlohmann::json::array();
        auto isr = nlohmann::json::array();
        for (const auto& r : data_of(ctx.rest().get(ppath + "/replicas"))) {
          replicas.push_back(int_of(r, "broker_id"));
          if (r.value("is_in_sync", false)) isr.push_back(int_of(r, "broker_id"));
        }
        const auto offsets = ctx.rest().get(ppath + "/offset?offset_type=earliest_and_latest");
        const std::string leader = link_id(p, "leader");
        nlohmann::json entry{{"partition", id},
                             {"leader", leader.empty() ? -1 : std::stoll(leader)},
                             {"replicas", replicas},
                             {"isr", isr},
                             {"log_start_offset", int_of(offsets, "earliest_offset")},
                             {"high_watermark", int_of(offsets, "latest_offset")}};
        table.add_row({std::to_string(id), leader.empty() ? "-" : leader, cell(replicas), cell(isr),
                       cell(entry["log_start_offset"]), cell(entry["high_watermark"])});
        list.push_back(entry);
      }
      doc["partition_details"] = list;
      text += (text.empty() ? "" : "\n") + section("PARTITIONS") + table.render();
    }
    ctx.print(doc, text);
  });
}

void add_alter_config(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::vector<std::string> names;
    std::vector<std::string> sets;
    std::vector<std::string> deletes;
    bool dry_run = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand("alter-config", "Set or remove topic config overrides");
  cmd->add_option("topics", o->names, "Topic names")->required();
  cmd->add_option("-s,--set", o->sets, "key=value to set (repeatable)");
  cmd->add_option("-d,--delete", o->deletes, "Key to remove, back to the default (repeatable)");
  cmd->add_flag("--dry-run", o->dry_run, "Validate only; change nothing");
  cmd->footer(
      "Example:\n  samsactl topic alter-config orders --set retention.ms=3600000 "
      "--delete cleanup.policy");
  cmd->callback([o, &ctx] {
    auto body = alter_configs_body(parse_key_values(o->sets, "--set"), o->deletes);
    if (o->dry_run) body["validate_only"] = true;
    StatusReport report;
    for (const auto& name : o->names) {
      try {
        naming_not_found("topic " + name, [&] {
          return ctx.rest().call("POST", topic_path(ctx, name) + "/configs:alter", &body);
        });
        report.ok(name);
      } catch (const CliError& e) {
        report.failed(name, e);
      }
    }
    report.finish(ctx, "topic alter-config");
  });
}

void add_add_partitions(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::vector<std::string> names;
    int num = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand("add-partitions", "Add partitions to existing topics");
  cmd->add_option("topics", o->names, "Topic names")->required();
  cmd->add_option("-n,--num", o->num, "Number of partitions to add")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &ctx] {
    StatusReport report;
    for (const auto& name : o->names) {
      try {
        const auto t = get_topic(ctx, name);
        const nlohmann::json body{{"partitions_count", int_of(t, "partitions_count") + o->num}};
        const auto r = ctx.rest().call("PATCH", topic_path(ctx, name), &body);
        report.ok(name, {{"partitions", int_of(r, "partitions_count")}});
      } catch (const CliError& e) {
        report.failed(name, e);
      }
    }
    report.finish(ctx, "topic add-partitions");
  });
}

void add_delete(CLI::App& topic, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = topic.add_subcommand("delete", "Delete topics");
  cmd->alias("rm");
  cmd->add_option("topics", *names, "Topic names")->required();
  cmd->callback([names, &ctx] {
    StatusReport report;
    for (const auto& name : *names) {
      try {
        naming_not_found("topic " + name,
                         [&] { return ctx.rest().call("DELETE", topic_path(ctx, name)); });
        report.ok(name);
      } catch (const CliError& e) {
        report.failed(name, e);
      }
    }
    report.finish(ctx, "topic delete");
  });
}

void add_trim_prefix(CLI::App& topic, Context& ctx) {
  struct Opts {
    std::string name;
    std::string offset;
    std::vector<int> partitions;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = topic.add_subcommand(
      "trim-prefix",
      "Delete the records below an offset (Kafka DeleteRecords): moves the log "
      "start offset; no prompt");
  cmd->alias("delete-records");
  cmd->add_option("topic", o->name, "Topic name")->required();
  cmd->add_option("--offset", o->offset,
                  "New log start offset: a number, or 'end' for the high watermark (empties "
                  "the partition)")
      ->required();
  cmd->add_option("-p,--partitions", o->partitions, "Partitions (default: all)")->delimiter(',');
  cmd->footer("Example:\n  samsactl topic trim-prefix orders --offset 1000 -p 0,1");
  cmd->callback([o, &ctx] {
    int64_t before = -1;
    if (o->offset != "end") {
      try {
        size_t used = 0;
        before = std::stoll(o->offset, &used);
        if (used != o->offset.size() || before < 0) throw std::invalid_argument("offset");
      } catch (const std::exception&) {
        throw CliError(ExitCode::kUsage, "--offset " + o->offset + ": expected a number or end");
      }
    }
    std::vector<int> partitions = o->partitions;
    const auto t = get_topic(ctx, o->name);
    if (partitions.empty()) {
      for (int p = 0; p < int_of(t, "partitions_count", 0); ++p) partitions.push_back(p);
    }
    Table table({"topic", "partition", "new-start-offset", "error"});
    auto doc = nlohmann::json::array();
    ExitCode failed = ExitCode::kOk;
    std::string failure;
    const nlohmann::json body{{"before_offset", before}};
    for (int p : partitions) {
      const std::string path = "/v1/topics/" + url_encode(o->name) + "/partitions/" +
                               std::to_string(p) + "/records:delete";
      try {
        const auto r = ctx.rest().call("POST", path, &body);
        table.add_row({o->name, std::to_string(p), text_of(r, "low_watermark"), ""});
        doc.push_back({{"topic", o->name},
                       {"partition", p},
                       {"new_start_offset", r["low_watermark"]},
                       {"error", nullptr}});
      } catch (const CliError& e) {
        table.add_row({o->name, std::to_string(p), "-", e.what()});
        doc.push_back({{"topic", o->name}, {"partition", p}, {"error", e.what()}});
        if (failed == ExitCode::kOk) {
          failed = e.code();
          failure = e.what();
        }
      }
    }
    ctx.print(doc, table.render());
    if (failed != ExitCode::kOk) throw CliError(failed, "topic trim-prefix failed: " + failure);
  });
}

}  // namespace

void add_topic_commands(CLI::App& root, Context& ctx) {
  auto* topic = root.add_subcommand("topic",
                                    "Create, inspect, change, delete topics; produce "
                                    "and consume records");
  topic->require_subcommand(1);
  add_create(*topic, ctx);
  add_list(*topic, ctx);
  add_describe(*topic, ctx);
  add_alter_config(*topic, ctx);
  add_add_partitions(*topic, ctx);
  add_delete(*topic, ctx);
  add_trim_prefix(*topic, ctx);
  add_record_commands(*topic, ctx);
}

}  // namespace samsa::ctl
