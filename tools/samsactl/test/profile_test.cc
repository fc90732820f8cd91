#include "profile.h"

#include <gtest/gtest.h>

#include <map>

#include "cli_error.h"
#include "context.h"

namespace samsa::ctl {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ExitCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const CliError& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

const char* kFile = R"(# samsactl profile
brokers: top:9092
current_profile: prod
profiles:
  prod:
    brokers: "p1:9092,p2:9092"   # quoted
    admin_url: https://p1:8090
    sasl:
      mechanism: SCRAM-SHA-512
      user: admin
      password: 'it''s # not a comment'
    tls:
      ca_file: /etc/ca.pem
    admin:
      user: ops
      password: "pw\t1"
      tls:
        ca_file: /etc/admin-ca.pem
  dev:
    admin_url: http://localhost:8090
    timeout_ms: 2500
)";

TEST(YamlSubset, ParsesNestedMapsQuotesAndComments) {
  const auto j = parse_yaml_subset(kFile);
  EXPECT_EQ(j["brokers"], "top:9092");
  EXPECT_EQ(j["profiles"]["prod"]["brokers"], "p1:9092,p2:9092");
  EXPECT_EQ(j["profiles"]["prod"]["sasl"]["password"], "it's # not a comment");
  EXPECT_EQ(j["profiles"]["prod"]["admin"]["password"], "pw\t1");
  EXPECT_EQ(j["profiles"]["dev"]["timeout_ms"], "2500");
}

TEST(YamlSubset, RejectsWhatItCannotRead) {
  EXPECT_EQ(code_of([] { parse_yaml_subset("a:\n  - x\n"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_yaml_subset("a: [1, 2]\n"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_yaml_subset("a: 1\na: 2\n"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_yaml_subset("a:\n\tb: 1\n"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_yaml_subset("a:\n    b: 1\n  c: 2\n"); }), ExitCode::kUsage);
  EXPECT_EQ(code_of([] { parse_yaml_subset("just text\n"); }), ExitCode::kUsage);
  try {
    parse_yaml_subset("ok: 1\nbad line\n");
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

TEST(YamlSubset, EmptyKeyIsEmptyValue) {
  const auto j = parse_yaml_subset("a:\nb: 1\n");
  EXPECT_EQ(j["a"], "");
  EXPECT_EQ(j["b"], "1");
}

TEST(Profile, DefaultsWithoutFileOrEnvironment) {
  const auto p = resolve_profile(nlohmann::json::object(), "", env_of({}));
  EXPECT_EQ(p.brokers, "127.0.0.1:9092");
  EXPECT_EQ(p.admin_url, "http://127.0.0.1:8090");
  EXPECT_TRUE(p.user.empty());
  EXPECT_FALSE(p.kafka_tls.enabled);
}

TEST(Profile, CurrentProfileOverridesTopLevel) {
  const auto p = resolve_profile(parse_yaml_subset(kFile), "", env_of({}));
  EXPECT_EQ(p.brokers, "p1:9092,p2:9092");
  EXPECT_EQ(p.admin_url, "https://p1:8090");
  EXPECT_EQ(p.sasl_mechanism, "SCRAM-SHA-512");
  EXPECT_EQ(p.user, "admin");
  EXPECT_TRUE(p.kafka_tls.enabled);
  EXPECT_EQ(p.kafka_tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(p.effective_admin_user(), "ops");
  EXPECT_EQ(p.effective_admin_password(), "pw\t1");
  EXPECT_EQ(p.admin_tls.ca_file, "/etc/admin-ca.pem");
}

TEST(Profile, NamedProfileAndEnvironmentOverride) {
  const auto p = resolve_profile(parse_yaml_subset(kFile), "dev",
                                 env_of({{"SAMSACTL_ADMIN_URL", "http://env:1"},
                                         {"SAMSACTL_USER", "envuser"},
                                         {"SAMSACTL_PASSWORD", "envpw"}}));
  EXPECT_EQ(p.brokers, "top:9092");  // dev does not set brokers: the top level applies
  EXPECT_EQ(p.admin_url, "http://env:1");
  EXPECT_EQ(p.timeout_ms, 2500);
  // No admin user of its own: HTTP Basic falls back to the SASL credentials.
  EXPECT_EQ(p.effective_admin_user(), "envuser");
  EXPECT_EQ(p.effective_admin_password(), "envpw");
}

TEST(Profile, FlagsWinOverEverything) {
  auto p = resolve_profile(parse_yaml_subset(kFile), "", env_of({{"SAMSACTL_BROKERS", "e:1"}}));
  EXPECT_EQ(p.brokers, "e:1");
  GlobalFlags f;
  f.brokers = "flag:9092";
  f.tls_ca = "/flag-ca.pem";
  f.timeout_ms = 100;
  apply_flags(f, p);
  EXPECT_EQ(p.brokers, "flag:9092");
  EXPECT_EQ(p.kafka_tls.ca_file, "/flag-ca.pem");
  EXPECT_EQ(p.timeout_ms, 100);
  EXPECT_EQ(p.user, "admin");  // not given as a flag: kept
}

TEST(Profile, UnknownKeysMissingProfilesAndBadValuesAreUsageErrors) {
  EXPECT_EQ(code_of([] { resolve_profile(parse_yaml_subset("brokrs: x\n"), "", env_of({})); }),
            ExitCode::kUsage);
  EXPECT_EQ(code_of([] { resolve_profile(parse_yaml_subset(kFile), "nope", env_of({})); }),
            ExitCode::kUsage);
  EXPECT_EQ(
      code_of([] { resolve_profile(parse_yaml_subset("timeout_ms: soon\n"), "", env_of({})); }),
      ExitCode::kUsage);
  EXPECT_EQ(code_of([] {
              resolve_profile(parse_yaml_subset("tls:\n  enabled: maybe\n"), "", env_of({}));
            }),
            ExitCode::kUsage);
}

TEST(Profile, DefaultPathFollowsEnvironment) {
  EXPECT_EQ(default_config_path(env_of({{"SAMSACTL_CONFIG", "/x.yaml"}, {"HOME", "/h"}})),
            "/x.yaml");
  EXPECT_EQ(default_config_path(env_of({{"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/h"}})),
            "/xdg/samsa/samsactl.yaml");
  EXPECT_EQ(default_config_path(env_of({{"HOME", "/h"}})), "/h/.config/samsa/samsactl.yaml");
}

TEST(Profile, MissingFileIsFineUnlessExplicit) {
  EXPECT_EQ(load_profile("/nonexistent/samsactl.yaml", false, "", env_of({})).brokers,
            "127.0.0.1:9092");
  EXPECT_EQ(code_of([] { load_profile("/nonexistent/samsactl.yaml", true, "", env_of({})); }),
            ExitCode::kUsage);
}

}  // namespace
}  // namespace samsa::ctl
