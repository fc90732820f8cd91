#pragma once
// Reading records back for people (the admin API's browse endpoint): decoded records from one
// partition, starting at an offset or a timestamp, optionally only those with a given key. Reads
// at most what the consumer could (up to the high watermark), decompresses with a bound, and stops
// at a record count and a byte budget so one request can never pull a whole log into memory.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/metadata_image.h"
#include "server/partition_manager.h"

namespace samsa::server {

struct BrowseQuery {
  std::optional<int64_t> offset;     // default: the log start offset
  std::optional<int64_t> timestamp;  // first record with timestamp >= this (ms); wins over offset
  int32_t limit = 100;               // records returned, at most
  int64_t max_bytes = 1 << 20;       // batch bytes scanned, at most (the first batch always is)
  std::optional<std::string> key;    // only records whose key is exactly these bytes
};

struct BrowsedHeader {
  std::string name;
  std::optional<std::string> value;
};

struct BrowsedRecord {
  int64_t offset = 0;
  int64_t timestamp = -1;
  bool log_append_time = false;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<BrowsedHeader> headers;
};

struct BrowseResult {
  int16_t error = 0;
  std::string message;
  int64_t log_start_offset = -1;
  int64_t high_watermark = -1;
  // Where to continue: one past the last record scanned (returned or filtered out).
  int64_t next_offset = -1;
  std::vector<BrowsedRecord> records;
};

BrowseResult browse_records(PartitionManager& partitions, const cluster::MetadataImage& image,
                            const std::string& topic, int32_t partition, const BrowseQuery& query);

}  // namespace samsa::server
