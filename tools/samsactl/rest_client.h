// A small client for the broker's admin HTTP API (Confluent v3 routes and Samsa's /v1 extras) on
// libcurl: one reusable handle (keep-alive across the several calls a command makes), HTTP Basic,
// TLS with a CA file or client certificate. Errors become CliErrors with the exit code a script
// can act on; the body's {error_code, message} is what the user sees.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_error.h"
#include "profile.h"

namespace samsa::ctl {

struct RestResponse {
  long status = 0;
  nlohmann::json body;          // null for an empty body; a string when the body is not JSON
  std::string message() const;  // the error body's "message", or the raw body
};

// The exit code and text for an HTTP error status (pure: unit-tested).
ExitCode exit_code_for_status(long status);
std::string describe_http_error(const std::string& method, const std::string& path,
                                const RestResponse& r);

// Percent-encodes a path segment or query value (topic names may hold '.', users '@', ...).
std::string url_encode(const std::string& text);

class RestClient {
 public:
  explicit RestClient(const Profile& profile);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Sends the request; a transport failure throws CliError(kUnreachable). HTTP errors are
  // returned, not thrown: callers that expect a 404 (does it exist?) look at the status.
  RestResponse send(const std::string& method, const std::string& path,
                    const nlohmann::json* body = nullptr);

  // send() that throws CliError for any status >= 400 (exit code by status).
  nlohmann::json call(const std::string& method, const std::string& path,
                      const nlohmann::json* body = nullptr);
  nlohmann::json get(const std::string& path) { return call("GET", path); }

  // "/v3/clusters/<id>", looked up once from GET /v3/clusters.
  const std::string& cluster_path();
  const std::string& base_url() const { return base_url_; }

 private:
  struct Curl;
  std::unique_ptr<Curl> curl_;
  Profile profile_;
  std::string base_url_;
  std::string cluster_path_;
};

}  // namespace samsa::ctl
