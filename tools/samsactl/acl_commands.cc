// samsactl acl create | list | delete with rpk's (and kafka-acls') flags, over the v3 ACL routes.
// Each flag may repeat; create makes one ACL per principal x host x operation x resource.
#include <memory>
#include <set>

#include "commands.h"
#include "request_builders.h"

namespace samsa::ctl {
namespace {

void add_acl_flags(CLI::App* cmd, AclFlags& f, bool filter) {
  const std::string verb = filter ? "Match" : "Grant to";
  cmd->add_option("--allow-principal", f.allow_principals,
                  verb + " this principal, ALLOW (User:name; a bare name means User:name)");
  cmd->add_option("--deny-principal", f.deny_principals, verb + " this principal, DENY");
  cmd->add_option("--allow-host", f.allow_hosts,
                  filter ? "Host of the ALLOW ACLs to match" : "Host for ALLOW ACLs (default *)");
  cmd->add_option("--deny-host", f.deny_hosts,
                  filter ? "Host of the DENY ACLs to match" : "Host for DENY ACLs (default *)");
  cmd->add_option("--operation", f.operations,
                  "all, read, write, create, delete, alter, describe, cluster_action, "
                  "describe_configs, alter_configs, idempotent_write" +
                      std::string(filter ? ", any" : ""))
      ->delimiter(',');
  cmd->add_option("--topic", f.topics, "Topic resource name")->delimiter(',');
  cmd->add_option("--group", f.groups, "Consumer group resource name")->delimiter(',');
  cmd->add_option("--transactional-id", f.transactional_ids, "Transactional id resource name")
      ->delimiter(',');
  cmd->add_flag("--cluster", f.cluster, "The cluster resource");
  cmd->add_option(
      "--resource-pattern-type", f.pattern,
      filter ? "literal, prefixed, match or any (default any)" : "literal (default) or prefixed");
}

nlohmann::json acl_doc(const nlohmann::json& a) {
  return {{"principal", a["principal"]},         {"host", a["host"]},
          {"resource_type", a["resource_type"]}, {"resource_name", a["resource_name"]},
          {"pattern_type", a["pattern_type"]},   {"operation", a["operation"]},
          {"permission", a["permission"]}};
}

std::string acl_table(const nlohmann::json& acls) {
  Table t({"principal", "host", "resource-type", "resource-name", "resource-pattern-type",
           "operation", "permission"});
  for (const auto& a : acls) {
    t.add_row({text_of(a, "principal"), text_of(a, "host"), text_of(a, "resource_type"),
               text_of(a, "resource_name"), text_of(a, "pattern_type"), text_of(a, "operation"),
               text_of(a, "permission")});
  }
  return t.render();
}

// Every ACL matching any of the filters, without duplicates, in a stable order.
nlohmann::json search(Context& ctx, const AclFlags& f) {
  std::set<std::string> seen;
  auto out = nlohmann::json::array();
  for (const auto& filter : acl_filters(f, false)) {
    const auto r = ctx.rest().get(ctx.rest().cluster_path() + "/acls" + query_string(filter));
    for (const auto& a : r.value("data", nlohmann::json::array())) {
      auto doc = acl_doc(a);
      if (seen.insert(doc.dump()).second) out.push_back(doc);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.dump() < b.dump(); });
  return out;
}

}  // namespace

void add_acl_commands(CLI::App& root, Context& ctx) {
  auto* acl = root.add_subcommand("acl", "Create, list and delete ACLs");
  acl->require_subcommand(1);

  auto create_flags = std::make_shared<AclFlags>();
  auto* create = acl->add_subcommand("create", "Create ACLs");
  add_acl_flags(create, *create_flags, false);
  create->footer(
      "Example:\n  samsactl acl create --allow-principal User:alice --operation "
      "read,describe --topic orders --group billing");
  create->callback([create_flags, &ctx] {
    auto entries = acl_create_entries(*create_flags);
    const nlohmann::json body{{"data", entries}};
    ctx.rest().call("POST", ctx.rest().cluster_path() + "/acls:batch", &body);
    auto docs = nlohmann::json::array();
    for (const auto& e : entries) docs.push_back(acl_doc(e));
    ctx.print(docs, acl_table(docs));
  });

  auto list_flags = std::make_shared<AclFlags>();
  list_flags->pattern = "";
  auto* list = acl->add_subcommand("list", "List ACLs matching the filter flags (all without)");
  list->alias("ls");
  add_acl_flags(list, *list_flags, true);
  list->callback([list_flags, &ctx] {
    const auto acls = search(ctx, *list_flags);
    ctx.print(acls, acl_table(acls));
  });

  auto delete_flags = std::make_shared<AclFlags>();
  delete_flags->pattern = "";
  auto dry_run = std::make_shared<bool>(false);
  auto* del = acl->add_subcommand("delete", "Delete the ACLs matching the filter flags");
  del->alias("rm");
  add_acl_flags(del, *delete_flags, true);
  del->add_flag("--dry-run", *dry_run, "Print what would be deleted; delete nothing");
  del->footer(
      "At least one of a principal, a resource or an operation is required, so a bare "
      "`acl delete` cannot remove every ACL.\nExample:\n  samsactl acl delete "
      "--allow-principal User:alice --topic orders");
  del->callback([delete_flags, dry_run, &ctx] {
    const auto& f = *delete_flags;
    if (f.allow_principals.empty() && f.deny_principals.empty() && f.topics.empty() &&
        f.groups.empty() && f.transactional_ids.empty() && !f.cluster && f.operations.empty()) {
      throw CliError(ExitCode::kUsage,
                     "acl delete needs a filter: a principal, a resource or an operation");
    }
    if (*dry_run) {
      const auto acls = search(ctx, f);
      ctx.print(acls, acl_table(acls) + "Dry run: nothing was deleted.\n");
      return;
    }
    std::set<std::string> seen;
    auto deleted = nlohmann::json::array();
    for (const auto& filter : acl_filters(f, true)) {
      const auto r =
          ctx.rest().call("DELETE", ctx.rest().cluster_path() + "/acls" + query_string(filter));
      for (const auto& a : r.value("data", nlohmann::json::array())) {
        auto doc = acl_doc(a);
        if (seen.insert(doc.dump()).second) deleted.push_back(doc);
      }
    }
    ctx.print(deleted, acl_table(deleted));
  });
}

}  // namespace samsa::ctl
