#include "commands.h"

namespace samsa::ctl {

std::string text_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return cell(j[key]);
}

int64_t int_of(const nlohmann::json& j, const char* key, int64_t fallback) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return fallback;
  return j[key].get<int64_t>();
}

std::string link_id(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_object()) return "";
  const std::string url = j[key].value("related", std::string());
  const auto slash = url.rfind('/');
  return slash == std::string::npos ? "" : url.substr(slash + 1);
}

std::string section(const std::string& title) {
  return title + "\n" + std::string(title.size(), '=') + "\n";
}

void StatusReport::ok(const std::string& name, nlohmann::json extra) {
  extra["name"] = name;
  extra["error"] = nullptr;
  items.push_back(extra);
  table.add_row({name, "OK"});
}

void StatusReport::failed(const std::string& name, const CliError& e) {
  items.push_back({{"name", name}, {"error", e.what()}, {"exit_code", to_int(e.code())}});
  table.add_row({name, e.what()});
  if (first_error == ExitCode::kOk) {
    first_error = e.code();
    first_message = name + ": " + e.what();
  }
}

void StatusReport::finish(Context& ctx, const std::string& what) {
  ctx.print(items, table.render());
  if (first_error != ExitCode::kOk) {
    throw CliError(first_error, what + " failed: " + first_message);
  }
}

}  // namespace samsa::ctl
