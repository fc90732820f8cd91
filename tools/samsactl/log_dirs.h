// `cluster logdirs describe`: the broker's log dirs from the admin API's GET /v1/log-dirs (Kafka
// DescribeLogDirs: file-system space, offline state, size of every partition replica), so it
// works with whatever TLS and credentials the admin API takes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace samsa::ctl {

struct LogDirPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t size_bytes = 0;
};

struct LogDirInfo {
  int32_t broker_id = -1;
  std::string path;
  std::string error;  // empty when the dir is online
  int64_t total_bytes = -1;
  int64_t usable_bytes = -1;
  std::vector<LogDirPartition> partitions;  // sorted by topic, then partition
};

// The dirs of one /v1/log-dirs answer, their partitions filtered to `topics` when non-empty.
// Throws CliError(kError) when the document does not have the documented shape.
std::vector<LogDirInfo> parse_log_dirs(const nlohmann::json& doc,
                                       const std::vector<std::string>& topics);

}  // namespace samsa::ctl
