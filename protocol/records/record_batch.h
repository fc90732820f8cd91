#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace samsa::records {

// Record batch v2 header layout (all big-endian).
inline constexpr size_t kBaseOffsetOffset = 0;
inline constexpr size_t kLengthOffset = 8;
inline constexpr size_t kPartitionLeaderEpochOffset = 12;
inline constexpr size_t kMagicOffset = 16;
inline constexpr size_t kCrcOffset = 17;
inline constexpr size_t kAttributesOffset = 21;
inline constexpr size_t kLastOffsetDeltaOffset = 23;
inline constexpr size_t kBaseTimestampOffset = 27;
inline constexpr size_t kMaxTimestampOffset = 35;
inline constexpr size_t kProducerIdOffset = 43;
inline constexpr size_t kProducerEpochOffset = 51;
inline constexpr size_t kBaseSequenceOffset = 53;
inline constexpr size_t kRecordsCountOffset = 57;
inline constexpr size_t kRecordsOffset = 61;
inline constexpr size_t kBatchHeaderSize = 61;
// baseOffset + length: the part of the header that `length` does not count.
inline constexpr size_t kLogOverhead = 12;
inline constexpr int8_t kMagicV2 = 2;

// Kafka error codes produced by validation.
inline constexpr int16_t kErrNone = 0;
inline constexpr int16_t kErrCorruptMessage = 2;
inline constexpr int16_t kErrMessageTooLarge = 10;
inline constexpr int16_t kErrInvalidTimestamp = 32;
inline constexpr int16_t kErrUnsupportedCompressionType = 76;
inline constexpr int16_t kErrInvalidRecord = 87;

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };
enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  // Raw codec id (0..7); values above 4 are invalid.
  int compression_id() const { return attributes & kCompressionMask; }
  Compression compression() const { return static_cast<Compression>(compression_id()); }
  TimestampType timestamp_type() const {
    return (attributes & kTimestampTypeBit) ? TimestampType::kLogAppendTime
                                            : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes & kTransactionalBit; }
  bool is_control() const { return attributes & kControlBit; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // Whole batch size on the wire/disk, including baseOffset and length.
  int64_t total_size() const { return static_cast<int64_t>(length) + kLogOverhead; }
};

// Decodes the 61-byte header at the start of `data`. Returns nullopt if fewer than 61 bytes. Does
// not check magic, length or CRC: callers decide what is acceptable.
std::optional<BatchHeader> parse_header(std::span<const uint8_t> data);

// CRC-32C over attributes..end of a complete batch (`batch` is exactly one batch).
uint32_t compute_batch_crc(std::span<const uint8_t> batch);

struct ValidateOptions {
  int64_t max_message_bytes = 1048588;
  int64_t now_ms = 0;
  int64_t timestamp_before_max_ms = INT64_MAX;
  int64_t timestamp_after_max_ms = 3600 * 1000LL;
  int16_t produce_version = 3;
  bool log_append_time = false;  // the topic uses message.timestamp.type=LogAppendTime
};

struct ValidationResult {
  int16_t error_code = kErrNone;
  std::string message;
  // For an error about one record (Kafka's RecordError, sent as the response's record_errors):
  // its index in the batch and what was wrong with it; -1 otherwise.
  int32_t record_error_index = -1;
  std::string record_error_message;
  // Filled when valid. For uncompressed batches max_timestamp is recomputed from the records, so a
  // caller can fix a header that disagrees (see set_max_timestamp), as Kafka does.
  int32_t records_count = 0;
  int64_t max_timestamp = -1;
  bool ok() const { return error_code == kErrNone; }
};

// The checks a Kafka 4 broker applies to a batch in a client Produce (v3+) that need no
// decompression: the header, and for an uncompressed batch every record (framing, and each
// timestamp as LogValidator checks it). The records of a compressed batch are not looked at here
// (not even the header's timestamps, which Kafka ignores too): the caller must run
// decompress_and_check or convert_batch on it. `batch` must hold exactly one batch.
ValidationResult validate_client_batch(std::span<const uint8_t> batch, const ValidateOptions& opts);

// Structural check of one complete batch found on disk or sent by a replica: magic 2, sane length,
// CRC, count/delta consistency. Returns an empty string if valid, else the reason.
std::string check_batch_integrity(std::span<const uint8_t> batch);

// Rewrites baseOffset and partitionLeaderEpoch, which the CRC does not cover.
void assign_offsets(std::span<uint8_t> batch, int64_t base_offset, int32_t leader_epoch);

// Sets maxTimestamp and the timestamp-type bit, then recomputes the CRC.
void set_max_timestamp(std::span<uint8_t> batch, int64_t max_timestamp, TimestampType type);

// For message.timestamp.type=LogAppendTime topics: stamps the batch with the broker's clock.
inline void set_log_append_time(std::span<uint8_t> batch, int64_t now_ms) {
  set_max_timestamp(batch, now_ms, TimestampType::kLogAppendTime);
}

// Big-endian helpers shared by the batch codec and the storage files.
int64_t read_be64(const uint8_t* p);
int32_t read_be32(const uint8_t* p);
int16_t read_be16(const uint8_t* p);
void write_be64(uint8_t* p, int64_t v);
void write_be32(uint8_t* p, int32_t v);
void write_be16(uint8_t* p, int16_t v);

}  // namespace samsa::records
