// Exit codes and the one exception type commands throw. Scripts branch on the exit code, so each
// failure class a caller can act on (retry later, create the thing, fix credentials, fix the
// command line) has its own code; docs/samsactl.md and `samsactl --help` list them.
#pragma once

#include <stdexcept>
#include <string>

namespace samsa::ctl {

enum class ExitCode : int {
  kOk = 0,
  kError = 1,        // anything not covered below (server error, bad request body, ...)
  kUsage = 2,        // bad command line: unknown flag, missing argument, invalid value
  kUnreachable = 3,  // the admin API or Kafka brokers could not be reached (refused, timeout, DNS)
  kNotFound = 4,     // the topic, group, user, broker or config named does not exist
  kRefused = 5,      // authentication failed (401) or the principal is not authorized (403)
  kConflict = 6,     // already exists, or the group is active (409)
  kUnhealthy = 7,    // `cluster health --exit-code` on an unhealthy cluster
};

// The help footer lists these; kept next to the enum so the two cannot drift apart.
inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  success\n"
    "  1  generic error (server error, rejected request)\n"
    "  2  usage error (bad flag, missing or invalid argument)\n"
    "  3  cannot reach the admin API or the Kafka brokers\n"
    "  4  not found (topic, group, user, broker, config)\n"
    "  5  refused: authentication failed or not authorized\n"
    "  6  conflict: already exists, or consumer group still active\n"
    "  7  cluster unhealthy (cluster health --exit-code)\n";

class CliError : public std::runtime_error {
 public:
  CliError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

inline int to_int(ExitCode c) {
  return static_cast<int>(c);
}

}  // namespace samsa::ctl
