// The command tree as a whole: completion generated from it, and what the parser does with bad
// command lines (no broker needed: these fail before any request).
#include <gtest/gtest.h>

#include <sstream>

#include "app.h"
#include "cli_error.h"
#include "commands.h"

namespace samsa::ctl {
namespace {

int run_args(std::vector<const char*> args, std::string* err_text = nullptr) {
  Context ctx;
  CLI::App app;
  build_app(app, ctx);
  args.insert(args.begin(), "samsactl");
  std::ostringstream err;
  const int code = run(app, static_cast<int>(args.size()), args.data(), err);
  if (err_text) *err_text = err.str();
  return code;
}

TEST(Completion, KnowsEveryCommandPathAndItsFlags) {
  Context ctx;
  CLI::App app;
  build_app(app, ctx);
  const std::string script = bash_completion_script(app);
  EXPECT_NE(script.find("complete -F _samsactl samsactl"), std::string::npos);
  for (const char* path :
       {"\"topic\")", "\"topic create\")", "\"topic consume\")", "\"group seek\")",
        "\"cluster config set\")", "\"cluster logdirs describe\")", "\"acl delete\")",
        "\"user create\")", "\"completion bash\")"}) {
    EXPECT_NE(script.find(path), std::string::npos) << path;
  }
  // The top level lists the command groups, a command its own flags plus the global ones.
  EXPECT_NE(script.find("\"\") opts=\"topic group cluster acl user completion"), std::string::npos);
  const auto create = script.find("\"topic create\") opts=\"");
  ASSERT_NE(create, std::string::npos);
  const std::string line = script.substr(create, script.find('\n', create) - create);
  for (const char* flag :
       {"--partitions", "-r", "--topic-config", "--dry-run", "--admin-url", "--output"}) {
    EXPECT_NE(line.find(flag), std::string::npos) << flag << " in " << line;
  }
}

TEST(CommandLine, UsageErrorsExitWithTwo) {
  std::string err;
  EXPECT_EQ(run_args({"topic", "create"}, &err), 2);
  EXPECT_NE(err.find("topics is required"), std::string::npos) << err;
  EXPECT_EQ(run_args({"topic"}), 2);  // a command group needs a subcommand
  EXPECT_EQ(run_args({"nosuchcommand"}), 2);
  EXPECT_EQ(run_args({"topic", "list", "--bogus-flag"}), 2);
  EXPECT_EQ(run_args({"topic", "list", "-o", "xml"}), 2);
  EXPECT_EQ(run_args({"topic", "add-partitions", "t", "-n", "0"}), 2);
  EXPECT_EQ(run_args({"user", "create", "bob", "-p", "x", "--mechanism", "MD5"}), 2);
}

TEST(CommandLine, ArgumentErrorsFoundBeforeAnyRequestAreUsageErrors) {
  // These would need a broker if they got that far; the admin URL points nowhere useful.
  std::string err;
  EXPECT_EQ(
      run_args({"--admin-url", "http://127.0.0.1:1", "group", "seek", "g", "--to", "soon"}, &err),
      2);
  EXPECT_NE(err.find("--to soon"), std::string::npos) << err;
  EXPECT_EQ(run_args({"--admin-url", "http://127.0.0.1:1", "acl", "delete"}), 2);
  EXPECT_EQ(run_args({"--admin-url", "ftp://x", "topic", "list"}), 2);
  EXPECT_EQ(run_args({"--admin-url", "http://127.0.0.1:1", "topic", "alter-config", "t"}), 2);
}

TEST(CommandLine, UnreachableAdminApiExitsWithThree) {
  std::string err;
  EXPECT_EQ(run_args({"--admin-url", "http://127.0.0.1:1", "topic", "list"}, &err), 3);
  EXPECT_NE(err.find("cannot reach admin API at http://127.0.0.1:1: connection refused"),
            std::string::npos)
      << err;
}

TEST(CommandLine, HelpListsExitCodes) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_args({"--help"}), 0);
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("Exit codes:"), std::string::npos);
  EXPECT_NE(help.find("3  cannot reach"), std::string::npos);
}

}  // namespace
}  // namespace samsa::ctl
