#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace samsa::storage {

using Uuid16 = std::array<uint8_t, 16>;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  std::string dir_name() const { return topic + "-" + std::to_string(partition); }
};

struct LogConfig {
  int64_t segment_bytes = 1 << 30;
  int64_t segment_ms = 7 * 24 * 3600 * 1000LL;
  int32_t index_interval_bytes = 4096;
  int32_t segment_index_bytes = 10 * 1024 * 1024;
  int64_t flush_messages = INT64_MAX;
  int64_t flush_ms = INT64_MAX;
  // Broker-wide producer.id.expiration.ms (default 1 day): idle idempotent producers are forgotten.
  int64_t producer_id_expiration_ms = 86400000;
  // Retention: -1 keeps segments forever / at any size. Deleted segments are renamed *.deleted and
  // removed file_delete_delay_ms later, so readers that raced the deletion can finish.
  int64_t retention_ms = 7 * 24 * 3600 * 1000LL;
  int64_t retention_bytes = -1;
  int64_t file_delete_delay_ms = 60000;
  // cleanup.policy contains "delete": without it retention.ms and retention.bytes do not apply.
  bool delete_enabled = true;
  bool operator==(const LogConfig&) const = default;
};

struct AppendInfo {
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t max_timestamp = -1;
};

// Outcome of an idempotent append. A duplicate (a retry of a batch already in the log) carries the
// original offsets and appended nothing; error is a Kafka error code (45, 47, 87) and then nothing
// was appended either.
struct IdempotentAppendResult {
  int16_t error = 0;
  std::string message;
  AppendInfo info;
  bool duplicate = false;
};

struct FetchSlice {
  std::vector<uint8_t> data;  // whole batches only
  // Set when the requested offset is below the log start or above the log end
  // (Kafka's OFFSET_OUT_OF_RANGE); data is then empty.
  bool out_of_range = false;
};

// I/O failures and refusals to open a log dir (wrong cluster, locked by another process).
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failed system call on a file (open, write, fsync, rename, ...): the disk or file system is in
// trouble, not the caller. Takes the log dir offline (see LogDirHealth).
class StorageIoError : public StorageError {
 public:
  StorageIoError(const std::string& what, int err) : StorageError(what), errno_(err) {}
  int error_number() const { return errno_; }

 private:
  int errno_;
};

}  // namespace samsa::storage
