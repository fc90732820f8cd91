#pragma once
// The audit log: one JSON line per authentication outcome, authorization denial and change of
// state, from the Kafka API and the REST API alike, to `audit.log.file` (rotated) and optionally
// to stderr (journald). Lines carry the keys the issue fixes: time, principal, client, listener,
// api or route, resource, operation, result (plus event, and reason when there is one).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace samsa::security {

struct AuditEvent {
  enum class Kind { kAuthentication, kAuthorization, kChange };
  Kind kind = Kind::kChange;
  std::string principal;  // "User:alice"; "" before authentication
  std::string client;     // client address (host or host:port)
  std::string listener;   // listener name, or the admin listener ("ADMIN") for REST
  // Exactly one of these is set: the Kafka API name (e.g. "CreateTopics") or the REST route
  // ("POST /v3/clusters/{cluster_id}/topics").
  std::string api;
  std::string route;
  std::string resource;   // "TOPIC:orders", "CLUSTER:kafka-cluster", "USER:bob", ...
  std::string operation;  // "CREATE", "AUTHENTICATE", "DELETE", ...
  std::string result;     // "success", "failure", "denied"
  std::string reason;     // why it failed or was denied, if it did
};

struct AuditLogOptions {
  std::string path;               // audit.log.file; empty = no file
  int64_t max_bytes = 100 << 20;  // audit.log.max.bytes: a file rotates at this size
  int max_files = 10;             // audit.log.max.files: rotated files kept
  bool to_stderr = false;         // audit.log.stderr
};

class AuditLog {
 public:
  // Throws std::runtime_error naming the path when the file cannot be opened.
  explicit AuditLog(const AuditLogOptions& options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool enabled() const { return logger_ != nullptr; }
  // Thread-safe; never throws (a failed write is counted, not propagated into a request).
  void record(const AuditEvent& event);
  uint64_t write_failures() const { return write_failures_.load(); }

  // The JSON line for `event` at `unix_ms` (exposed for tests).
  static std::string format(const AuditEvent& event, int64_t unix_ms);

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<uint64_t> write_failures_{0};
};

}  // namespace samsa::security
