#include "app.h"

#include <librdkafka/rdkafka.h>

#include <functional>

#include "cli_error.h"
#include "commands.h"

#ifndef SAMSA_VERSION
#define SAMSA_VERSION "unknown"
#endif

namespace samsa::ctl {

void build_app(CLI::App& app, Context& ctx) {
  app.name("samsactl");
  app.description(
      "samsactl: the Samsa operator's command line (topics, groups, ACLs, users, configs, "
      "cluster health, produce/consume). Talks to the admin REST API (--admin-url) and, for "
      "produce, consume and group delete, the Kafka API (--brokers).");
  // Global flags may follow the subcommand (`samsactl topic list -o json`), as in rpk.
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string(SAMSA_VERSION) + " (librdkafka " + rd_kafka_version_str() + ")");
  auto& f = ctx.flags;
  const char* conn = "Connection";
  app.add_option("--config", f.config_path,
                 "Profile file (default $SAMSACTL_CONFIG, else ~/.config/samsa/samsactl.yaml)")
      ->group(conn);
  app.add_option("--profile", f.profile, "Profile in the file to use ($SAMSACTL_PROFILE)")
      ->group(conn);
  app.add_option("--brokers", f.brokers,
                 "Kafka bootstrap servers host:port[,...] ($SAMSACTL_BROKERS; default "
                 "127.0.0.1:9092)")
      ->group(conn);
  app.add_option("--admin-url", f.admin_url,
                 "Admin REST API base URL ($SAMSACTL_ADMIN_URL; default http://127.0.0.1:8090)")
      ->group(conn);
  app.add_option("--user", f.user,
                 "SASL user for Kafka, also the admin API's HTTP Basic user unless --admin-user "
                 "($SAMSACTL_USER)")
      ->group(conn);
  app.add_option("--password", f.password, "Password of --user ($SAMSACTL_PASSWORD)")->group(conn);
  app.add_option("--sasl-mechanism", f.sasl_mechanism,
                 "SCRAM-SHA-256 (default), SCRAM-SHA-512 or PLAIN ($SAMSACTL_SASL_MECHANISM)")
      ->group(conn);
  app.add_flag("--tls-enabled", f.tls_enabled, "Use TLS to the Kafka brokers")->group(conn);
  app.add_option("--tls-ca", f.tls_ca, "CA file for the Kafka brokers (implies --tls-enabled)")
      ->group(conn);
  app.add_option("--tls-cert", f.tls_cert, "Client certificate (PEM) for the Kafka brokers")
      ->group(conn);
  app.add_option("--tls-key", f.tls_key, "Client key (PEM) for the Kafka brokers")->group(conn);
  app.add_option("--admin-user", f.admin_user, "HTTP Basic user for the admin API")->group(conn);
  app.add_option("--admin-password", f.admin_password, "Password of --admin-user")->group(conn);
  app.add_option("--admin-tls-ca", f.admin_ca, "CA file for an https:// admin URL")->group(conn);
  app.add_option("--admin-tls-cert", f.admin_cert, "Client certificate for the admin API (mTLS)")
      ->group(conn);
  app.add_option("--admin-tls-key", f.admin_key, "Client key for the admin API (mTLS)")
      ->group(conn);
  app.add_flag("--admin-tls-insecure", f.admin_insecure,
               "Do not verify the admin API's certificate")
      ->group(conn);
  app.add_option("--timeout-ms", f.timeout_ms, "Request timeout in milliseconds (default 15000)")
      ->group(conn);
  app.add_option("-o,--output", f.output, "Output format: table (default), json or yaml")
      ->check(CLI::IsMember({"table", "text", "json", "yaml", "yml"}));
  app.add_flag("-v,--verbose", f.verbose, "Show the Kafka client's log lines");
  add_topic_commands(app, ctx);
  add_group_commands(app, ctx);
  add_cluster_commands(app, ctx);
  add_acl_commands(app, ctx);
  add_user_commands(app, ctx);
  add_completion_command(app);
  // Every command's help points at the global flags, which CLI11 lists only at the top.
  std::function<void(CLI::App&)> point_at_globals = [&](CLI::App& cmd) {
    for (CLI::App* sub : cmd.get_subcommands([](CLI::App*) { return true; })) {
      const std::string own = sub->get_footer();
      sub->footer((own.empty() ? "" : own + "\n\n") +
                  "Global flags (--brokers, --admin-url, --user, -o json|yaml, ...) and exit "
                  "codes: samsactl --help\n");
      point_at_globals(*sub);
    }
  };
  point_at_globals(app);
  // Set after the subcommands exist, which would otherwise each inherit (and repeat) it.
  app.footer(std::string("\n") + kExitCodeHelp +
             "\nSettings come from flags, then SAMSACTL_* environment variables, then the "
             "profile file (docs/samsactl.md).");
}

int run(CLI::App& app, int argc, const char* const* argv, std::ostream& err) {
  try {
    app.parse(argc, argv);
    return to_int(ExitCode::kOk);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 to CLI11; print them as it does.
    if (e.get_exit_code() == 0) return app.exit(e);
    app.exit(e, err, err);
    return to_int(ExitCode::kUsage);
  } catch (const CliError& e) {
    err << "samsactl: " << e.what() << '\n';
    return to_int(e.code());
  } catch (const std::exception& e) {
    err << "samsactl: " << e.what() << '\n';
    return to_int(ExitCode::kError);
  }
}

}  // namespace samsa::ctl
