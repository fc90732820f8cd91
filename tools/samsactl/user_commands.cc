// samsactl user create | update | list | delete: SCRAM credentials through /v1/security/users
// (the broker salts the password; samsactl never sees salted keys).
#include <memory>

#include "commands.h"

namespace samsa::ctl {
namespace {

const std::vector<std::string> kMechanisms{"SCRAM-SHA-256", "SCRAM-SHA-512"};

}  // namespace

void add_user_commands(CLI::App& root, Context& ctx) {
  auto* user = root.add_subcommand("user", "Manage SCRAM users");
  user->require_subcommand(1);

  struct Opts {
    std::string name;
    std::string password;
    std::string mechanism = "SCRAM-SHA-256";
    int iterations = 0;
  };
  auto o = std::make_shared<Opts>();
  for (const char* verb : {"create", "update"}) {
    const bool create = std::string(verb) == "create";
    auto* cmd = user->add_subcommand(
        verb, create ? "Create a SCRAM user (replaces the credential of an existing one)"
                     : "Change a SCRAM user's password");
    cmd->add_option("name", o->name, "User name")->required();
    cmd->add_option("-p,--new-password", o->password, "The user's password")->required();
    cmd->add_option("--mechanism", o->mechanism, "SCRAM-SHA-256 (default) or SCRAM-SHA-512")
        ->check(CLI::IsMember(kMechanisms, CLI::ignore_case));
    cmd->add_option("--iterations", o->iterations, "PBKDF2 iterations (default: the broker's)");
    cmd->footer("Example:\n  samsactl user create alice -p 'S3cret!' --mechanism SCRAM-SHA-512");
    cmd->callback([o, create, &ctx] {
      nlohmann::json body{{"password", o->password}, {"algorithm", o->mechanism}};
      if (o->iterations > 0) body["iterations"] = o->iterations;
      const std::string path = "/v1/security/users/" + url_encode(o->name);
      if (!create) {
        // update must not create a user by accident: it exists or this is a not-found.
        naming_not_found("user " + o->name, [&] { return ctx.rest().get(path); });
      }
      const auto r = ctx.rest().call("PUT", path, &body);
      ctx.print(r, std::string(create ? "Created" : "Updated") + " user " + o->name + " (" +
                       text_of(r, "mechanism") + ")\n");
    });
  }

  auto* list = user->add_subcommand("list", "List SCRAM users and their mechanisms");
  list->alias("ls");
  list->callback([&ctx] {
    auto users = ctx.rest().get("/v1/security/users");
    Table table({"name", "mechanisms"});
    auto doc = nlohmann::json::array();
    for (const auto& u : users) {
      std::string mechanisms;
      auto names = nlohmann::json::array();
      for (const auto& m : u.value("mechanisms", nlohmann::json::array())) {
        mechanisms += (mechanisms.empty() ? "" : ",") + text_of(m, "mechanism");
        names.push_back(m["mechanism"]);
      }
      table.add_row({text_of(u, "name"), mechanisms});
      doc.push_back({{"name", u["name"]}, {"mechanisms", names}});
    }
    ctx.print(doc, table.render());
  });

  auto del_opts = std::make_shared<Opts>();
  del_opts->mechanism = "";
  auto* del = user->add_subcommand("delete", "Delete a SCRAM user (or one of its mechanisms)");
  del->alias("rm");
  del->add_option("name", del_opts->name, "User name")->required();
  del->add_option("--mechanism", del_opts->mechanism, "Delete only this mechanism's credential")
      ->check(CLI::IsMember(kMechanisms, CLI::ignore_case));
  del->callback([del_opts, &ctx] {
    std::string path = "/v1/security/users/" + url_encode(del_opts->name);
    if (!del_opts->mechanism.empty()) path += "?algorithm=" + url_encode(del_opts->mechanism);
    naming_not_found("user " + del_opts->name, [&] { return ctx.rest().call("DELETE", path); });
    ctx.print({{"name", del_opts->name}, {"deleted", true}},
              "Deleted user " + del_opts->name + "\n");
  });
}

}  // namespace samsa::ctl
