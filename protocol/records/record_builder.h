#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/records/record_batch.h"

namespace samsa::records {

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;  // filled by parse_records; build_batch uses the position instead
  bool operator==(const Record&) const = default;
};

struct BuildOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int16_t attributes = 0;  // transactional/control/timestamp-type bits; compression must be 0
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
};

// Builds an uncompressed v2 batch (for tests, tools and control batches written by the broker).
std::vector<uint8_t> build_batch(const std::vector<Record>& records, int64_t base_timestamp,
                                 const BuildOptions& opts = {});

class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Decodes the records of one uncompressed batch. Throws RecordError if the batch is compressed or
// malformed.
std::vector<Record> parse_records(std::span<const uint8_t> batch);

// A record decoded in place; the views point into the batch.
struct RecordView {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int32_t header_count = 0;
  std::span<const uint8_t> headers_raw;  // encoded headers, already bounds-checked
};

// Walks the records section of an uncompressed batch, checking every length and varint, that
// offset deltas run 0..n-1 and that exactly `expected_count` records fill the section. Stops early
// if `fn` returns false. Returns an empty string on success, else what was wrong.
std::string walk_records(std::span<const uint8_t> records_section, int32_t expected_count,
                         const std::function<bool(const RecordView&)>& fn);

}  // namespace samsa::records
