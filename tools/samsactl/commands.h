// Registration of the command groups (one file each) and the helpers they share.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_error.h"
#include "context.h"

namespace samsa::ctl {

void add_topic_commands(CLI::App& root, Context& ctx);
void add_record_commands(CLI::App& topic, Context& ctx);  // topic produce | consume
void add_group_commands(CLI::App& root, Context& ctx);
void add_cluster_commands(CLI::App& root, Context& ctx);
void add_acl_commands(CLI::App& root, Context& ctx);
void add_user_commands(CLI::App& root, Context& ctx);
void add_completion_command(CLI::App& root);

// Bash completion for every command and flag of `root` (pure: unit-tested).
std::string bash_completion_script(const CLI::App& root);

// A member as display text: strings bare, numbers and booleans printed, missing or null "".
std::string text_of(const nlohmann::json& j, const char* key);
// An integer member, or `fallback` when missing or not a number.
int64_t int_of(const nlohmann::json& j, const char* key, int64_t fallback = -1);
// The last path segment of a v3 {"related": url} link (e.g. the broker id of a leader link).
std::string link_id(const nlohmann::json& j, const char* key);
// "TITLE\n=====\n": rpk's section header for multi-part text output.
std::string section(const std::string& title);

// Runs `fn`, turning a not-found CliError into one that names the missing thing.
template <typename Fn>
auto naming_not_found(const std::string& what, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const CliError& e) {
    if (e.code() == ExitCode::kNotFound)
      throw CliError(ExitCode::kNotFound, what + " does not exist");
    throw;
  }
}

// One line per item for mutations of several names (topic create/delete, ...): the table,
// the JSON document, and the first failure's exit code (kOk if none).
struct StatusReport {
  nlohmann::json items = nlohmann::json::array();
  Table table{{"name", "status"}};
  ExitCode first_error = ExitCode::kOk;
  std::string first_message;

  void ok(const std::string& name, nlohmann::json extra = nlohmann::json::object());
  void failed(const std::string& name, const CliError& e);
  // Prints the report and throws the first failure (after printing) so the exit code tells.
  void finish(Context& ctx, const std::string& what);
};

}  // namespace samsa::ctl
