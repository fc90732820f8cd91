#include "security/audit_log.h"

#include <fmt/chrono.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace samsa::security {
namespace {

const char* kind_name(AuditEvent::Kind kind) {
  switch (kind) {
    case AuditEvent::Kind::kAuthentication:
      return "authentication";
    case AuditEvent::Kind::kAuthorization:
      return "authorization";
    case AuditEvent::Kind::kChange:
      return "change";
  }
  return "change";
}

std::string iso_time(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc, static_cast<int>(unix_ms % 1000));
}

}  // namespace

AuditLog::AuditLog(const AuditLogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (!options.path.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.path, static_cast<size_t>(options.max_bytes),
          static_cast<size_t>(options.max_files)));
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("audit.log.file: cannot open '" + options.path + "': " + e.what());
    }
  }
  if (options.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (sinks.empty()) return;
  // Not registered with spdlog: the broker's own logger and level never filter audit lines.
  logger_ = std::make_shared<spdlog::logger>("audit", sinks.begin(), sinks.end());
  logger_->set_pattern("%v");
  logger_->set_level(spdlog::level::info);
  // Every line reaches the file before the request that caused it is answered.
  logger_->flush_on(spdlog::level::info);
  logger_->set_error_handler([this](const std::string&) { write_failures_++; });
}

AuditLog::~AuditLog() = default;

std::string AuditLog::format(const AuditEvent& event, int64_t unix_ms) {
  nlohmann::ordered_json line;
  line["time"] = iso_time(unix_ms);
  line["event"] = kind_name(event.kind);
  line["principal"] = event.principal;
  line["client"] = event.client;
  line["listener"] = event.listener;
  if (!event.route.empty()) {
    line["route"] = event.route;
  } else {
    line["api"] = event.api;
  }
  line["resource"] = event.resource;
  line["operation"] = event.operation;
  line["result"] = event.result;
  if (!event.reason.empty()) line["reason"] = event.reason;
  // Names and reasons come from clients: replace invalid UTF-8 rather than throw.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AuditLog::record(const AuditEvent& event) {
  if (!logger_) return;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  try {
    logger_->info(format(event, now));
  } catch (...) {
    write_failures_++;
  }
}

}  // namespace samsa::security
