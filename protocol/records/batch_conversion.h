#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol/records/record_batch.h"

namespace samsa::records {

// Uncompressed records may be at most this multiple of max.message.bytes: real data compresses
// far less than 64x, and the bound keeps a zip bomb from costing more than a few dozen MiB.
inline constexpr int64_t kMaxDecompressionRatio = 64;
inline constexpr int64_t kMinDecompressedLimit = 16 * 1024 * 1024;

// Limit on the decompressed records section of a batch accepted under max.message.bytes.
size_t decompressed_limit(int64_t max_message_bytes);

// Decompresses and walks the records of any batch (compressed or not), as Kafka's LogValidator
// does for a compressed batch: checks count, offset deltas and record framing, and each record's
// timestamp against its range (unless opts.log_append_time). max_timestamp is the records' true
// maximum (-1 if none has a timestamp). Returns the raw records section via `records_out`.
struct RecordsCheck {
  int16_t error_code = kErrNone;
  std::string message;
  int32_t record_error_index = -1;  // as in ValidationResult
  std::string record_error_message;
  int64_t max_timestamp = -1;
  bool ok() const { return error_code == kErrNone; }
};
RecordsCheck decompress_and_check(std::span<const uint8_t> batch, const ValidateOptions& opts,
                                  std::vector<uint8_t>& records_out);

struct ConversionResult {
  int16_t error_code = kErrNone;
  std::string message;
  int32_t record_error_index = -1;  // as in ValidationResult
  std::string record_error_message;
  std::vector<uint8_t> batch;  // the rebuilt batch when ok
  bool ok() const { return error_code == kErrNone; }
};

// For a topic with a specific compression.type: decompresses `batch` (already accepted by
// validate_client_batch), validates its records and rebuilds it with `target` at `level`: same
// producer fields, base timestamp and attributes except the codec, maxTimestamp recomputed from
// the records, new length and CRC. Invalid compressed data -> CORRUPT_MESSAGE; bad records ->
// INVALID_RECORD; the rebuilt batch larger than max.message.bytes -> MESSAGE_TOO_LARGE.
ConversionResult convert_batch(std::span<const uint8_t> batch, Compression target, int level,
                               const ValidateOptions& opts);

}  // namespace samsa::records
