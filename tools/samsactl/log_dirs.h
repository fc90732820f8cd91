// `cluster logdirs describe`: Kafka DescribeLogDirs (v4) sent to every broker. librdkafka has no
// DescribeLogDirs and the REST API no log-dir route, so this is the one place samsactl speaks
// the wire protocol itself: one small request and its response, over plain TCP, to each broker
// at the address the admin API lists for it. A profile with SASL or TLS settings is refused with
// a clear message (see docs/samsactl.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profile.h"

namespace samsa::ctl {

struct LogDirPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t size_bytes = 0;
  int64_t offset_lag = 0;
};

struct LogDirInfo {
  int32_t broker_id = -1;
  std::string path;
  std::string error;  // empty when the dir is online
  int64_t total_bytes = -1;
  int64_t usable_bytes = -1;
  std::vector<LogDirPartition> partitions;
};

// Frame (size prefix included) of a DescribeLogDirs v4 request for all topics.
std::string encode_describe_log_dirs_request(int32_t correlation_id);
// The response body after the 4-byte size; throws CliError(kError) on a malformed answer.
std::vector<LogDirInfo> decode_describe_log_dirs_response(const std::string& frame,
                                                          int32_t correlation_id);

struct BrokerAddress {
  int32_t id = -1;
  std::string host;
  int port = 0;
};

// The log dirs of each broker, filtered to `topics` when non-empty. Throws CliError(kUnreachable)
// naming the broker that does not answer, CliError(kUsage) for a TLS or SASL profile.
std::vector<LogDirInfo> describe_log_dirs(const Profile& profile,
                                          const std::vector<BrokerAddress>& brokers,
                                          const std::vector<std::string>& topics);

}  // namespace samsa::ctl
