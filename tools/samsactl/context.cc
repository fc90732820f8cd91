#include "context.h"

namespace samsa::ctl {

void apply_flags(const GlobalFlags& f, Profile& p) {
  auto set = [](const std::string& flag, std::string& field) {
    if (!flag.empty()) field = flag;
  };
  set(f.brokers, p.brokers);
  set(f.admin_url, p.admin_url);
  set(f.user, p.user);
  set(f.password, p.password);
  set(f.sasl_mechanism, p.sasl_mechanism);
  set(f.admin_user, p.admin_user);
  set(f.admin_password, p.admin_password);
  if (f.tls_enabled) p.kafka_tls.enabled = true;
  if (!f.tls_ca.empty()) {
    p.kafka_tls.ca_file = f.tls_ca;
    p.kafka_tls.enabled = true;
  }
  set(f.tls_cert, p.kafka_tls.cert_file);
  set(f.tls_key, p.kafka_tls.key_file);
  set(f.admin_ca, p.admin_tls.ca_file);
  set(f.admin_cert, p.admin_tls.cert_file);
  set(f.admin_key, p.admin_tls.key_file);
  if (f.admin_insecure) p.admin_tls.insecure = true;
  if (f.timeout_ms > 0) p.timeout_ms = f.timeout_ms;
}

const Profile& Context::profile() {
  if (!profile_) {
    const auto env = process_env();
    // A file named explicitly must exist; the default location may be absent.
    const bool explicit_path =
        !flags.config_path.empty() || !env("SAMSACTL_CONFIG").value_or("").empty();
    const std::string path =
        flags.config_path.empty() ? default_config_path(env) : flags.config_path;
    std::string name = flags.profile;
    if (name.empty()) name = env("SAMSACTL_PROFILE").value_or("");
    profile_ = std::make_unique<Profile>(load_profile(path, explicit_path, name, env));
    apply_flags(flags, *profile_);
  }
  return *profile_;
}

RestClient& Context::rest() {
  if (!rest_) rest_ = std::make_unique<RestClient>(profile());
  return *rest_;
}

OutputFormat Context::format() {
  return parse_output_format(flags.output);
}

void Context::print(const nlohmann::json& doc, const std::string& table_text) {
  emit(out(), format(), doc, table_text);
}

}  // namespace samsa::ctl
