#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <memory>
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

class Segment;

// Bytes [position, position + length) of one segment's .log file: whole batches. Holding the
// segment keeps its descriptor open (retention, truncation and cleaner swaps only drop the log's
// reference), so the range can be read or sent with sendfile(2) after the log's locks are released.
struct FileRegion {
  std::shared_ptr<const Segment> segment;
  int64_t position = 0;
  int64_t length = 0;
};

// Where the batches a fetch asked for lie, found under the log's lock; nothing has been read.
struct FileSlice {
  std::vector<FileRegion> regions;  // in log order, one per segment touched
  int64_t size = 0;                 // sum of the regions' lengths
  // Set when the requested offset is below the log start or above the log end
  // (Kafka's OFFSET_OUT_OF_RANGE); regions is then empty.
  bool out_of_range = false;
};

// A heap byte buffer that is not zero-filled on allocation (std::vector<uint8_t>::resize is):
// reads overwrite every byte they keep, so the zeroing would be a wasted pass over megabytes.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(size_t capacity)
      : bytes_(capacity == 0 ? nullptr : new uint8_t[capacity]), capacity_(capacity) {}
  uint8_t* data() { return bytes_.get(); }
  const uint8_t* data() const { return bytes_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* begin() { return bytes_.get(); }
  uint8_t* end() { return bytes_.get() + size_; }
  const uint8_t* begin() const { return bytes_.get(); }
  const uint8_t* end() const { return bytes_.get() + size_; }
  // Keeps the first n bytes (n <= the capacity given at construction).
  void set_size(size_t n) { size_ = n <= capacity_ ? n : capacity_; }
  std::vector<uint8_t> to_vector() const { return {begin(), end()}; }
  bool operator==(const ByteBuffer& o) const {
    return size_ == o.size_ && std::equal(begin(), end(), o.begin());
  }

 private:
  std::unique_ptr<uint8_t[]> bytes_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

struct FetchSlice {
  ByteBuffer data;  // whole batches only
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
