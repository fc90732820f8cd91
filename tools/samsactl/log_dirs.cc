#include "log_dirs.h"

#include <algorithm>
#include <tuple>

#include "cli_error.h"

namespace samsa::ctl {

std::vector<LogDirInfo> parse_log_dirs(const nlohmann::json& doc,
                                       const std::vector<std::string>& topics) {
  std::vector<LogDirInfo> out;
  try {
    const auto broker = doc.at("broker_id").get<int32_t>();
    for (const auto& d : doc.at("log_dirs")) {
      LogDirInfo info;
      info.broker_id = broker;
      info.path = d.at("log_dir").get<std::string>();
      if (!d.at("error").is_null()) info.error = d.at("error").get<std::string>();
      info.total_bytes = d.at("total_bytes").get<int64_t>();
      info.usable_bytes = d.at("usable_bytes").get<int64_t>();
      for (const auto& p : d.at("partitions")) {
        LogDirPartition part{p.at("topic").get<std::string>(), p.at("partition").get<int32_t>(),
                             p.at("size_bytes").get<int64_t>()};
        if (!topics.empty() && std::find(topics.begin(), topics.end(), part.topic) == topics.end())
          continue;
        info.partitions.push_back(std::move(part));
      }
      std::sort(info.partitions.begin(), info.partitions.end(),
                [](const LogDirPartition& a, const LogDirPartition& b) {
                  return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
                });
      out.push_back(std::move(info));
    }
  } catch (const nlohmann::json::exception& e) {
    throw CliError(ExitCode::kError, std::string("unexpected /v1/log-dirs answer: ") + e.what());
  }
  return out;
}

}  // namespace samsa::ctl
