// samsa-broker: parses the command line and configuration, then runs the broker until
// SIGINT/SIGTERM. SIGHUP (systemctl reload) re-reads the config file's runtime-changeable keys,
// TLS certificates and OAUTHBEARER JWKS files.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "broker/broker_app.h"
#include "broker/systemd_notifier.h"
#include "config/broker_config.h"
#include "security/sasl/bootstrap_credentials.h"

namespace {

std::map<std::string, std::string> collect_properties(const std::string& config_file,
                                                      const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> props;
  if (!config_file.empty()) props = samsa::config::parse_properties_file(config_file);
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw samsa::config::ConfigError(o, "--override expects key=value, got '" + o + "'");
    }
    props[o.substr(0, eq)] = o.substr(eq + 1);
  }
  return props;
}

// SIGHUP: the file and --override again, validated as at startup; a bad file changes nothing.
void reload_config(samsa::config::BrokerConfig& config, samsa::broker::BrokerApp& broker,
                   const std::string& config_file, const std::vector<std::string>& overrides) {
  try {
    auto fresh =
        samsa::config::BrokerConfig::from_properties(collect_properties(config_file, overrides));
    for (const auto& key : config.reload_from(fresh)) {
      spdlog::warn("event=config_reload_needs_restart key={} (read-only: the running value stays)",
                   key);
    }
    broker.apply_reloaded_config();
    const auto reloaded = config.reloaded();
    spdlog::info(
        "event=config_reloaded file=\"{}\" keys_differing_from_startup={} "
        "keys_unset_since_startup={}",
        config_file, reloaded->values.size(), reloaded->removed.size());
  } catch (const std::exception& e) {
    spdlog::error("event=config_reload_failed file=\"{}\" error=\"{}\" (nothing changed)",
                  config_file, e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "samsa-broker: a Kafka-compatible message broker.\n"
      "With no options it serves PLAINTEXT://127.0.0.1:9092 with its data in ./data."};
  std::string config_file;
  std::vector<std::string> overrides;
  bool print_reference = false;
  std::vector<std::string> add_scram;
  std::vector<std::string> add_scram_files;
  app.add_option("--config", config_file, "Broker configuration (Java properties format)")
      ->check(CLI::ExistingFile);
  app.add_option("--override", overrides, "Set a configuration key: key=value (repeatable)");
  app.add_option("--add-scram", add_scram,
                 "First SCRAM credential, written when the metadata log is formatted, as "
                 "kafka-storage format --add-scram takes it: "
                 "'SCRAM-SHA-256=[name=admin,password=secret]' (repeatable)");
  app.add_option("--add-scram-file", add_scram_files,
                 "Read --add-scram credentials from a file, one per line, so the password is not "
                 "on the command line (repeatable)")
      ->check(CLI::ExistingFile);
  app.add_flag("--print-config-reference", print_reference,
               "Print the configuration reference (Markdown) and exit");
  CLI11_PARSE(app, argc, argv);

  if (print_reference) {
    std::cout << samsa::config::render_markdown_reference();
    return 0;
  }

  auto logger = spdlog::stderr_color_mt("samsa");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");

  std::unique_ptr<samsa::config::BrokerConfig> config;
  try {
    config = std::make_unique<samsa::config::BrokerConfig>(
        samsa::config::BrokerConfig::from_properties(collect_properties(config_file, overrides)));
  } catch (const samsa::config::ConfigError& e) {
    std::cerr << "samsa-broker: invalid configuration: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "samsa-broker: cannot read configuration: " << e.what() << "\n";
    return 2;
  }
  for (const auto& key : config->unknown_keys()) {
    spdlog::warn("event=unknown_config_key key={} (ignored)", key);
  }
  spdlog::set_level(spdlog::level::from_str(config->get_string("log.level")));

  // Signals are taken synchronously on this thread; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<samsa::security::BootstrapCredential> credentials;
  try {
    for (const auto& spec : add_scram) {
      credentials.push_back(samsa::security::parse_bootstrap_credential(spec));
    }
    for (const auto& file : add_scram_files) {
      for (auto& c : samsa::security::read_bootstrap_credentials(file)) {
        credentials.push_back(std::move(c));
      }
    }
  } catch (const std::exception& e) {
    // The message names the problem but never repeats the spec: it may hold a password.
    std::cerr << "samsa-broker: invalid --add-scram: " << e.what() << "\n";
    return 2;
  }

  samsa::broker::SystemdNotifier systemd;
  samsa::broker::BrokerApp broker(*config);
  broker.set_bootstrap_credentials(std::move(credentials));
  broker.set_status_sink([&systemd](const std::string& status) { systemd.status(status); });
  try {
    broker.start();
  } catch (const std::exception& e) {
    spdlog::critical("event=startup_failed error=\"{}\"", e.what());
    std::cerr << "samsa-broker: cannot start: " << e.what() << "\n";
    systemd.status(std::string("startup failed: ") + e.what());
    return 1;
  }
  // start() returns once /v1/status/ready answers 200.
  systemd.ready("serving");
  systemd.start_watchdog(
      [&broker](const std::function<void()>& probe) { return broker.probe_event_loops(probe); });
  int signal = 0;
  for (;;) {
    sigwait(&signals, &signal);
    spdlog::info("event=signal_received signal={}", signal);
    if (signal != SIGHUP) break;
    systemd.reloading();
    reload_config(*config, broker, config_file, overrides);
    broker.reload_tls();
    systemd.ready("serving (reloaded)");
  }
  systemd.stopping();
  systemd.stop_watchdog();
  broker.stop();
  spdlog::shutdown();
  return 0;
}
