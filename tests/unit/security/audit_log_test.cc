#include "security/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace samsa::security {
namespace {

namespace fs = std::filesystem;

AuditEvent denial() {
  AuditEvent e;
  e.kind = AuditEvent::Kind::kAuthorization;
  e.principal = "User:bob";
  e.client = "127.0.0.1";
  e.listener = "SASL_PLAINTEXT";
  e.api = "DeleteTopics";
  e.resource = "Topic:orders";
  e.operation = "DELETE";
  e.result = "denied";
  return e;
}

TEST(AuditLog, FormatsOneJsonObjectWithTheFixedKeys) {
  const std::string line = AuditLog::format(denial(), 1764806400123);  // 2025-12-04T00:00:00.123Z
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2025-12-04T00:00:00.123Z");
  EXPECT_EQ(j["principal"], "User:bob");
  EXPECT_EQ(j["client"], "127.0.0.1");
  EXPECT_EQ(j["listener"], "SASL_PLAINTEXT");
  EXPECT_EQ(j["api"], "DeleteTopics");
  EXPECT_FALSE(j.contains("route"));
  EXPECT_EQ(j["resource"], "Topic:orders");
  EXPECT_EQ(j["operation"], "DELETE");
  EXPECT_EQ(j["result"], "denied");
  EXPECT_EQ(j["event"], "authorization");
  EXPECT_FALSE(j.contains("reason"));
}

TEST(AuditLog, RouteReplacesApiAndHostileNamesStayOneLine) {
  AuditEvent e = denial();
  e.api.clear();
  e.route = "DELETE /v3/clusters/{cluster_id}/topics/{topic_name}";
  e.resource = "Topic:a\n\"b\xff";
  e.reason = "no ACL";
  const std::string line = AuditLog::format(e, 0);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["route"], e.route);
  EXPECT_FALSE(j.contains("api"));
  EXPECT_EQ(j["reason"], "no ACL");
}

TEST(AuditLog, WritesAndRotatesTheFile) {
  const fs::path dir = fs::temp_directory_path() / ("samsa-audit-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    AuditLog log({(dir / "audit.log").string(), 2048, 2, false});
    ASSERT_TRUE(log.enabled());
    for (int i = 0; i < 40; ++i) log.record(denial());
    EXPECT_EQ(log.write_failures(), 0u);
  }
  EXPECT_TRUE(fs::exists(dir / "audit.log"));
  EXPECT_TRUE(fs::exists(dir / "audit.1.log"));
  EXPECT_FALSE(fs::exists(dir / "audit.3.log"));
  std::ifstream in(dir / "audit.log");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(nlohmann::json::parse(line)["api"], "DeleteTopics");
    ++lines;
  }
  EXPECT_GT(lines, 0);
  fs::remove_all(dir);
}

TEST(AuditLog, DisabledWithoutPathOrStderrAndUnopenableFileNamesTheKey) {
  AuditLog off({});
  EXPECT_FALSE(off.enabled());
  off.record(denial());  // a no-op
  try {
    AuditLog bad({"/etc/hostname/audit.log", 1024, 1, false});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("audit.log.file"), std::string::npos);
  }
}

}  // namespace
}  // namespace samsa::security
