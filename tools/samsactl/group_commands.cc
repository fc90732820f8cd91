// samsactl group list | describe | seek | delete. list/describe read the v3 consumer-group and
// lag routes, seek is /v1/consumer-groups/{g}/offsets:reset (it has the dry run), delete is
// Kafka DeleteGroups through librdkafka because REST has no group deletion.
#include <algorithm>
#include <memory>

#include "commands.h"
#include "kafka_client.h"
#include "request_builders.h"

namespace samsa::ctl {
namespace {

nlohmann::json data_of(const nlohmann::json& collection) {
  if (collection.is_object() && collection.contains("data") && collection["data"].is_array()) {
    return collection["data"];
  }
  return nlohmann::json::array();
}

std::string group_path(Context& ctx, const std::string& group) {
  return ctx.rest().cluster_path() + "/consumer-groups/" + url_encode(group);
}

void add_list(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("list", "List consumer groups");
  cmd->alias("ls");
  cmd->callback([&ctx] {
    auto groups = data_of(ctx.rest().get(ctx.rest().cluster_path() + "/consumer-groups"));
    std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      return a.value("consumer_group_id", "") < b.value("consumer_group_id", "");
    });
    Table table({"group", "state", "coordinator", "assignor"});
    auto doc = nlohmann::json::array();
    for (const auto& g : groups) {
      const std::string coordinator = link_id(g, "coordinator");
      doc.push_back({{"group", g.value("consumer_group_id", "")},
                     {"state", g.value("state", "")},
                     {"coordinator", coordinator.empty() ? -1 : std::stoll(coordinator)},
                     {"assignor", g.value("partition_assignor", "")},
                     {"is_simple", g.value("is_simple", false)}});
      table.add_row({text_of(g, "consumer_group_id"), text_of(g, "state"), coordinator,
                     text_of(g, "partition_assignor")});
    }
    ctx.print(doc, table.render());
  });
}

void add_describe(CLI::App& parent, Context& ctx) {
  auto groups = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand(
      "describe", "Describe groups: state, members, per-partition committed offset and lag");
  cmd->add_option("groups", *groups, "Group names")->required();
  cmd->callback([groups, &ctx] {
    auto doc = nlohmann::json::array();
    std::string text;
    for (const auto& name : *groups) {
      const std::string path = group_path(ctx, name);
      const auto g =
          naming_not_found("consumer group " + name, [&] { return ctx.rest().get(path); });
      const auto members = data_of(ctx.rest().get(path + "/consumers"));
      auto lags = data_of(ctx.rest().get(path + "/lags"));
      std::sort(lags.begin(), lags.end(), [](const auto& a, const auto& b) {
        return std::make_pair(a.value("topic_name", ""), int_of(a, "partition_id")) <
               std::make_pair(b.value("topic_name", ""), int_of(b, "partition_id"));
      });
      int64_t total_lag = 0;
      auto partitions = nlohmann::json::array();
      Table table({"topic", "partition", "current-offset", "log-end-offset", "lag", "member-id",
                   "client-id"});
      for (const auto& l : lags) {
        total_lag += std::max<int64_t>(0, int_of(l, "lag", 0));
        partitions.push_back({{"topic", l.value("topic_name", "")},
                              {"partition", int_of(l, "partition_id")},
                              {"current_offset", int_of(l, "current_offset")},
                              {"log_end_offset", int_of(l, "log_end_offset")},
                              {"lag", int_of(l, "lag")},
                              {"member_id", l.value("consumer_id", "")},
                              {"client_id", l.value("client_id", "")}});
        table.add_row({text_of(l, "topic_name"), text_of(l, "partition_id"),
                       text_of(l, "current_offset"), text_of(l, "log_end_offset"),
                       text_of(l, "lag"), text_of(l, "consumer_id"), text_of(l, "client_id")});
      }
      auto member_list = nlohmann::json::array();
      for (const auto& m : members) {
        member_list.push_back(
            {{"member_id", m.value("consumer_id", "")},
             {"client_id", m.value("client_id", "")},
             {"instance_id", m.contains("instance_id") ? m["instance_id"] : nlohmann::json()}});
      }
      doc.push_back({{"group", name},
                     {"state", g.value("state", "")},
                     {"coordinator", link_id(g, "coordinator")},
                     {"assignor", g.value("partition_assignor", "")},
                     {"members", member_list},
                     {"total_lag", total_lag},
                     {"partitions", partitions}});
      Table summary({"", ""});
      summary.add_row({"GROUP", name});
      summary.add_row({"COORDINATOR", link_id(g, "coordinator")});
      summary.add_row({"STATE", text_of(g, "state")});
      summary.add_row({"BALANCER", text_of(g, "partition_assignor")});
      summary.add_row({"MEMBERS", std::to_string(members.size())});
      summary.add_row({"TOTAL-LAG", std::to_string(total_lag)});
      const std::string rendered = summary.render();
      if (!text.empty()) text += "\n";
      text += rendered.substr(rendered.find('\n') + 1) + "\n" + table.render();
    }
    ctx.print(doc, text);
  });
}

void add_seek(CLI::App& parent, Context& ctx) {
  struct Opts {
    std::string group;
    std::string to;
    std::vector<std::string> topics;
    bool dry_run = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(
      "seek", "Reset a group's committed offsets (the group must have no active members)");
  cmd->add_option("group", o->group, "Group name")->required();
  cmd->add_option("--to", o->to,
                  "start | end | OFFSET | +N / -N (shift; write --to=-N) | @EPOCH_MS | RFC 3339 "
                  "time (e.g. 2024-05-01T12:00:00Z)")
      ->required();
  cmd->add_option("--topics", o->topics,
                  "Only these topics, optionally with partitions: orders or orders:0,1 "
                  "(default: every partition the group has committed)");
  cmd->add_flag("--dry-run", o->dry_run, "Print the plan; commit nothing");
  cmd->footer(
      "Examples:\n  samsactl group seek billing --to start --dry-run\n"
      "  samsactl group seek billing --to 2024-05-01T00:00:00Z --topics orders:0,1");
  cmd->callback([o, &ctx] {
    const auto body = seek_body(o->to, o->topics, o->dry_run);
    const std::string path = "/v1/consumer-groups/" + url_encode(o->group) + "/offsets:reset";
    const auto r = naming_not_found("consumer group " + o->group,
                                    [&] { return ctx.rest().call("POST", path, &body); });
    Table table({"topic", "partition", "previous-offset", "new-offset"});
    for (const auto& p : r.value("partitions", nlohmann::json::array())) {
      table.add_row({text_of(p, "topic"), text_of(p, "partition"),
                     p["previous_offset"].is_null() ? "-" : text_of(p, "previous_offset"),
                     text_of(p, "new_offset")});
    }
    std::string text = table.render();
    if (o->dry_run) text += "Dry run: no offsets were committed.\n";
    ctx.print(r, text);
  });
}

void add_delete(CLI::App& parent, Context& ctx) {
  auto groups = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand(
      "delete", "Delete groups and their committed offsets (Kafka API: needs --brokers)");
  cmd->alias("rm");
  cmd->add_option("groups", *groups, "Group names")->required();
  cmd->callback([groups, &ctx] {
    StatusReport report;
    for (const auto& r : delete_groups(ctx.profile(), *groups, ctx.flags.verbose)) {
      if (r.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
        report.ok(r.group);
      } else if (r.error == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        report.failed(r.group, CliError(ExitCode::kNotFound, "consumer group does not exist"));
      } else if (r.error == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
        report.failed(r.group, CliError(ExitCode::kConflict,
                                        "the group has active members; stop its consumers first"));
      } else {
        report.failed(r.group, CliError(exit_code_for_kafka(r.error), r.message));
      }
    }
    report.finish(ctx, "group delete");
  });
}

}  // namespace

void add_group_commands(CLI::App& root, Context& ctx) {
  auto* group = root.add_subcommand("group", "Inspect consumer groups, reset offsets, delete");
  group->require_subcommand(1);
  add_list(*group, ctx);
  add_describe(*group, ctx);
  add_seek(*group, ctx);
  add_delete(*group, ctx);
}

}  // namespace samsa::ctl
