// What every command shares: the global flags, the profile they resolve to, the admin API client
// (created on first use, so commands that only talk Kafka never need an admin URL) and the output
// format.
#pragma once

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "output.h"
#include "profile.h"
#include "rest_client.h"

namespace samsa::ctl {

// Flags common to every command; empty means "not given" (the profile or default applies).
struct GlobalFlags {
  std::string config_path;
  std::string profile;
  std::string brokers;
  std::string admin_url;
  std::string user;
  std::string password;
  std::string sasl_mechanism;
  bool tls_enabled = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string admin_user;
  std::string admin_password;
  std::string admin_ca;
  std::string admin_cert;
  std::string admin_key;
  bool admin_insecure = false;
  std::string output = "table";
  int timeout_ms = 0;
  bool verbose = false;
};

// Flags over the profile (pure: unit-tested).
void apply_flags(const GlobalFlags& flags, Profile& profile);

class Context {
 public:
  GlobalFlags flags;

  const Profile& profile();
  RestClient& rest();
  OutputFormat format();
  bool machine_output() { return format() != OutputFormat::kTable; }
  std::ostream& out() { return std::cout; }
  // JSON/YAML of `doc`, or `table_text` in table mode.
  void print(const nlohmann::json& doc, const std::string& table_text);

 private:
  std::unique_ptr<Profile> profile_;
  std::unique_ptr<RestClient> rest_;
};

}  // namespace samsa::ctl
