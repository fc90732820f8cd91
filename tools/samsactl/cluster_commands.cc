// samsactl cluster info | health | config get|set|delete|list | logdirs describe. info and
// config use the v3 cluster, broker and broker-config routes; health is /v1/cluster/
// health_overview; logdirs is /v1/log-dirs (Kafka DescribeLogDirs).
#include <algorithm>
#include <memory>

#include "commands.h"
#include "log_dirs.h"

namespace samsa::ctl {
namespace {

nlohmann::json data_of(const nlohmann::json& collection) {
  if (collection.is_object() && collection.contains("data") && collection["data"].is_array()) {
    return collection["data"];
  }
  return nlohmann::json::array();
}

std::string headerless(const Table& t) {
  const std::string rendered = t.render();
  return rendered.substr(rendered.find('\n') + 1);
}

void add_info(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("info", "Cluster id, controller and brokers");
  cmd->alias("metadata");
  cmd->callback([&ctx] {
    const auto cluster = ctx.rest().get(ctx.rest().cluster_path());
    auto brokers = data_of(ctx.rest().get(ctx.rest().cluster_path() + "/brokers"));
    const std::string controller = link_id(cluster, "controller");
    auto list = nlohmann::json::array();
    Table table({"id", "host", "port", "rack"});
    for (const auto& b : brokers) {
      const std::string id = text_of(b, "broker_id");
      list.push_back({{"id", b["broker_id"]},
                      {"host", b["host"]},
                      {"port", b["port"]},
                      {"rack", b.contains("rack") ? b["rack"] : nlohmann::json()}});
      table.add_row({id + (id == controller ? "*" : ""), text_of(b, "host"), text_of(b, "port"),
                     text_of(b, "rack")});
    }
    const nlohmann::json doc{{"cluster_id", cluster.value("cluster_id", "")},
                             {"controller_id", controller.empty() ? -1 : std::stoll(controller)},
                             {"brokers", list}};
    Table summary({"", ""});
    summary.add_row({"ID", text_of(cluster, "cluster_id")});
    summary.add_row({"CONTROLLER", controller});
    ctx.print(doc, section("CLUSTER") + headerless(summary) + "\n" + section("BROKERS") +
                       table.render() + "(* = controller)\n");
  });
}

void add_health(CLI::App& parent, Context& ctx) {
  auto exit_code = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("health", "Cluster health overview");
  cmd->add_flag("--exit-code", *exit_code, "Exit with code 7 when the cluster is unhealthy");
  cmd->callback([exit_code, &ctx] {
    const auto h = ctx.rest().get("/v1/cluster/health_overview");
    const bool healthy = h.value("is_healthy", false);
    std::string text;
    text += "CLUSTER HEALTH OVERVIEW\n=======================\n";
    Table t({"", ""});
    t.add_row({"Healthy:", healthy ? "true" : "false"});
    t.add_row({"Unhealthy reasons:", "[" + text_of(h, "unhealthy_reasons") + "]"});
    t.add_row({"Controller ID:", text_of(h, "controller_id")});
    t.add_row({"All nodes:", "[" + text_of(h, "all_nodes") + "]"});
    t.add_row({"Nodes down:", "[" + text_of(h, "nodes_down") + "]"});
    auto tps = [&](const char* key) {
      std::string out;
      for (const auto& tp : h.value(key, nlohmann::json::array())) {
        out += (out.empty() ? "" : ",") + text_of(tp, "topic") + "/" + text_of(tp, "partition");
      }
      return out;
    };
    t.add_row({"Leaderless partitions:",
               "(" + text_of(h, "leaderless_count") + ") [" + tps("leaderless_partitions") + "]"});
    t.add_row({"Under-replicated partitions:", "(" + text_of(h, "under_replicated_count") + ") [" +
                                                   tps("under_replicated_partitions") + "]"});
    std::string dirs;
    for (const auto& d : h.value("offline_log_dirs", nlohmann::json::array())) {
      dirs += (dirs.empty() ? "" : ",") + text_of(d, "log_dir");
    }
    t.add_row({"Offline log dirs:", "[" + dirs + "]"});
    ctx.print(h, text + headerless(t));
    if (*exit_code && !healthy) {
      throw CliError(ExitCode::kUnhealthy,
                     "cluster is unhealthy: " + text_of(h, "unhealthy_reasons"));
    }
  });
}

// The broker whose configs `config get/list` read: --broker-id, else the first registered one.
std::string broker_for(Context& ctx, int broker_id) {
  if (broker_id >= 0) return std::to_string(broker_id);
  const auto brokers = data_of(ctx.rest().get(ctx.rest().cluster_path() + "/brokers"));
  if (brokers.empty()) throw CliError(ExitCode::kError, "the cluster has no registered broker");
  return text_of(brokers[0], "broker_id");
}

void add_config(CLI::App& parent, Context& ctx) {
  auto* config = parent.add_subcommand("config", "Get and set broker configs");
  config->require_subcommand(1);
  struct Opts {
    std::string key;
    std::string value;
    int broker_id = -1;
  };
  auto o = std::make_shared<Opts>();
  auto broker_flag = [&](CLI::App* cmd, const char* help) {
    cmd->add_option("--broker-id", o->broker_id, help);
  };

  auto* get = config->add_subcommand("get", "Print a broker config's effective value");
  get->add_option("key", o->key, "Config name, e.g. log.retention.ms")->required();
  broker_flag(get, "Broker to read (default: the first broker)");
  get->callback([o, &ctx] {
    const std::string broker = broker_for(ctx, o->broker_id);
    const std::string path =
        ctx.rest().cluster_path() + "/brokers/" + broker + "/configs/" + url_encode(o->key);
    const auto c =
        naming_not_found("broker config " + o->key, [&] { return ctx.rest().get(path); });
    const nlohmann::json doc{
        {"name", c["name"]},
        {"value", c.value("is_sensitive", false) ? nlohmann::json() : c["value"]},
        {"source", c["source"]},
        {"is_default", c.value("is_default", false)},
        {"is_read_only", c.value("is_read_only", false)},
        {"broker_id", std::stoll(broker)}};
    ctx.print(doc, (c.value("is_sensitive", false) ? "(sensitive)" : text_of(c, "value")) + "\n");
  });

  auto* list = config->add_subcommand("list", "List a broker's configs with their source");
  broker_flag(list, "Broker to read (default: the first broker)");
  list->callback([o, &ctx] {
    const std::string broker = broker_for(ctx, o->broker_id);
    auto configs =
        data_of(ctx.rest().get(ctx.rest().cluster_path() + "/brokers/" + broker + "/configs"));
    std::sort(configs.begin(), configs.end(),
              [](const auto& a, const auto& b) { return a["name"] < b["name"]; });
    Table table({"name", "value", "source", "read-only"});
    auto doc = nlohmann::json::array();
    for (const auto& c : configs) {
      const bool sensitive = c.value("is_sensitive", false);
      table.add_row({text_of(c, "name"), sensitive ? "(sensitive)" : text_of(c, "value"),
                     text_of(c, "source"), c.value("is_read_only", false) ? "yes" : "no"});
      doc.push_back({{"name", c["name"]},
                     {"value", sensitive ? nlohmann::json() : c["value"]},
                     {"source", c["source"]},
                     {"is_read_only", c.value("is_read_only", false)}});
    }
    ctx.print(doc, table.render());
  });

  auto* set = config->add_subcommand(
      "set",
      "Set a dynamic broker config (cluster-wide default, or one broker's with --broker-id)");
  set->add_option("key", o->key, "Config name")->required();
  set->add_option("value", o->value, "New value")->required();
  broker_flag(set, "Set only this broker's value");
  set->footer("Example:\n  samsactl cluster config set log.retention.ms 86400000");
  set->callback([o, &ctx] {
    const std::string path =
        o->broker_id >= 0 ? ctx.rest().cluster_path() + "/brokers/" + std::to_string(o->broker_id) +
                                "/configs/" + url_encode(o->key)
                          : ctx.rest().cluster_path() + "/broker-configs/" + url_encode(o->key);
    const nlohmann::json body{{"value", o->value}};
    naming_not_found("broker config " + o->key,
                     [&] { return ctx.rest().call("PUT", path, &body); });
    const std::string scope =
        o->broker_id >= 0 ? "broker " + std::to_string(o->broker_id) : "cluster-wide";
    ctx.print({{"name", o->key}, {"value", o->value}, {"scope", scope}},
              "Set " + o->key + "=" + o->value + " (" + scope + ")\n");
  });

  auto* del = config->add_subcommand(
      "delete", "Remove a dynamic broker config (back to the static or default value)");
  del->alias("reset");
  del->add_option("key", o->key, "Config name")->required();
  broker_flag(del, "Remove only this broker's value");
  del->callback([o, &ctx] {
    const std::string path =
        o->broker_id >= 0 ? ctx.rest().cluster_path() + "/brokers/" + std::to_string(o->broker_id) +
                                "/configs/" + url_encode(o->key)
                          : ctx.rest().cluster_path() + "/broker-configs/" + url_encode(o->key);
    naming_not_found("dynamic broker config " + o->key,
                     [&] { return ctx.rest().call("DELETE", path); });
    ctx.print({{"name", o->key}, {"deleted", true}}, "Removed " + o->key + "\n");
  });
}

void add_logdirs(CLI::App& parent, Context& ctx) {
  auto* logdirs = parent.add_subcommand("logdirs", "Log directories");
  logdirs->require_subcommand(1);
  auto topics = std::make_shared<std::vector<std::string>>();
  auto internal = std::make_shared<bool>(false);
  auto* describe = logdirs->add_subcommand(
      "describe",
      "Log dirs of the broker at --admin-url with the size of each partition replica (Kafka "
      "DescribeLogDirs, from GET /v1/log-dirs)");
  describe->add_option("--topics", *topics, "Only these topics")->delimiter(',');
  describe->add_flag("-i,--internal", *internal, "Include internal topics (__consumer_offsets)");
  describe->callback([topics, internal, &ctx] {
    auto dirs = parse_log_dirs(ctx.rest().get("/v1/log-dirs"), *topics);
    if (!*internal && topics->empty()) {
      for (auto& d : dirs) {
        std::erase_if(d.partitions,
                      [](const LogDirPartition& p) { return p.topic.rfind("__", 0) == 0; });
      }
    }
    Table table({"broker", "dir", "error", "topic", "partition", "size"});
    auto doc = nlohmann::json::array();
    for (const auto& d : dirs) {
      auto parts = nlohmann::json::array();
      if (d.partitions.empty()) {
        table.add_row({std::to_string(d.broker_id), d.path, d.error, "", "", ""});
      }
      for (const auto& p : d.partitions) {
        table.add_row({std::to_string(d.broker_id), d.path, d.error, p.topic,
                       std::to_string(p.partition), std::to_string(p.size_bytes)});
        parts.push_back(
            {{"topic", p.topic}, {"partition", p.partition}, {"size_bytes", p.size_bytes}});
      }
      doc.push_back({{"broker_id", d.broker_id},
                     {"dir", d.path},
                     {"error", d.error.empty() ? nlohmann::json() : nlohmann::json(d.error)},
                     {"total_bytes", d.total_bytes},
                     {"usable_bytes", d.usable_bytes},
                     {"partitions", parts}});
    }
    ctx.print(doc, table.render());
  });
}

}  // namespace

void add_cluster_commands(CLI::App& root, Context& ctx) {
  auto* cluster = root.add_subcommand("cluster", "Cluster info, health, broker configs, log dirs");
  cluster->require_subcommand(1);
  add_info(*cluster, ctx);
  add_health(*cluster, ctx);
  add_config(*cluster, ctx);
  add_logdirs(*cluster, ctx);
}

}  // namespace samsa::ctl
