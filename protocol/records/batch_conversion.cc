#include "protocol/records/batch_conversion.h"

#include <algorithm>

#include "protocol/records/compression.h"
#include "protocol/records/record_builder.h"
#include "protocol/records/record_timestamps.h"

namespace samsa::records {
size_t decompressed_limit(int64_t max_message_bytes) {
  int64_t m = std::clamp<int64_t>(max_message_bytes, 0, INT32_MAX);
  return static_cast<size_t>(std::max(m * kMaxDecompressionRatio, kMinDecompressedLimit));
}

RecordsCheck decompress_and_check(std::span<const uint8_t> batch, const ValidateOptions& opts,
                                  std::vector<uint8_t>& records_out) {
  RecordsCheck r;
  auto h = parse_header(batch);
  if (!h || static_cast<uint64_t>(h->total_size()) != batch.size() || h->length < 49) {
    r.error_code = kErrCorruptMessage;
    r.message = "record batch length does not match";
    return r;
  }
  if (h->compression_id() > static_cast<int>(Compression::kZstd)) {
    r.error_code = kErrCorruptMessage;
    r.message = "unknown compression codec";
    return r;
  }
  try {
    records_out = decompress(h->compression(), batch.subspan(kRecordsOffset),
                             decompressed_limit(opts.max_message_bytes));
  } catch (const CompressionError& e) {
    r.error_code = kErrCorruptMessage;
    r.message = e.what();
    return r;
  }
  RecordTimestamps timestamps(*h, opts);
  int32_t index = 0;
  std::string err = walk_records(records_out, h->records_count, [&](const RecordView& v) {
    timestamps.add(v, index++);
    return true;
  });
  r.max_timestamp = timestamps.max_timestamp();
  if (!err.empty()) {
    r.error_code = kErrInvalidRecord;
    r.message = "records in the batch: " + err;
  } else if (timestamps.failed()) {
    r.error_code = kErrInvalidTimestamp;
    r.message = kInvalidTimestampMessage;
    r.record_error_index = timestamps.bad_index();
    r.record_error_message = timestamps.bad_message();
  }
  return r;
}

ConversionResult convert_batch(std::span<const uint8_t> batch, Compression target, int level,
                               const ValidateOptions& opts) {
  ConversionResult out;
  std::vector<uint8_t> records;
  auto check = decompress_and_check(batch, opts, records);
  if (!check.ok()) {
    out.error_code = check.error_code;
    out.message = std::move(check.message);
    out.record_error_index = check.record_error_index;
    out.record_error_message = std::move(check.record_error_message);
    return out;
  }
  std::vector<uint8_t> body;
  try {
    body = compress(target, records, level);
  } catch (const CompressionError& e) {
    out.error_code = kErrCorruptMessage;  // only a bad level can get here; validated upstream
    out.message = e.what();
    return out;
  }
  const size_t total = kBatchHeaderSize + body.size();
  if (static_cast<int64_t>(total) > opts.max_message_bytes || total > INT32_MAX) {
    out.error_code = kErrMessageTooLarge;
    out.message = "record batch exceeds max.message.bytes after recompression";
    return out;
  }
  out.batch.resize(total);
  std::copy(batch.begin(), batch.begin() + kBatchHeaderSize, out.batch.begin());
  std::copy(body.begin(), body.end(), out.batch.begin() + kBatchHeaderSize);
  uint8_t* p = out.batch.data();
  int16_t attrs = read_be16(p + kAttributesOffset);
  attrs = static_cast<int16_t>((attrs & ~kCompressionMask) | static_cast<int16_t>(target));
  write_be16(p + kAttributesOffset, attrs);
  write_be32(p + kLengthOffset, static_cast<int32_t>(total - kLogOverhead));
  // Kafka recomputes maxTimestamp when it rebuilds a batch; CreateTime only (LogAppendTime is
  // stamped later by the caller).
  write_be64(p + kMaxTimestampOffset, check.max_timestamp);
  write_be32(p + kCrcOffset, static_cast<int32_t>(compute_batch_crc(out.batch)));
  return out;
}

}  // namespace samsa::records
