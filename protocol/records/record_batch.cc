#include "protocol/records/record_batch.h"

#include <algorithm>

#include "protocol/records/crc32c.h"
#include "protocol/records/record_builder.h"
#include "protocol/records/record_timestamps.h"

namespace samsa::records {

int64_t read_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}
int32_t read_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}
int16_t read_be16(const uint8_t* p) {
  return static_cast<int16_t>((uint16_t{p[0]} << 8) | uint16_t{p[1]});
}
void write_be64(uint8_t* p, int64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v & 0xFF);
    v = static_cast<int64_t>(static_cast<uint64_t>(v) >> 8);
  }
}
void write_be32(uint8_t* p, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  p[0] = static_cast<uint8_t>(u >> 24);
  p[1] = static_cast<uint8_t>(u >> 16);
  p[2] = static_cast<uint8_t>(u >> 8);
  p[3] = static_cast<uint8_t>(u);
}
void write_be16(uint8_t* p, int16_t v) {
  uint16_t u = static_cast<uint16_t>(v);
  p[0] = static_cast<uint8_t>(u >> 8);
  p[1] = static_cast<uint8_t>(u);
}

std::optional<BatchHeader> parse_header(std::span<const uint8_t> data) {
  if (data.size() < kBatchHeaderSize) return std::nullopt;
  const uint8_t* p = data.data();
  BatchHeader h;
  h.base_offset = read_be64(p + kBaseOffsetOffset);
  h.length = read_be32(p + kLengthOffset);
  h.partition_leader_epoch = read_be32(p + kPartitionLeaderEpochOffset);
  h.magic = static_cast<int8_t>(p[kMagicOffset]);
  h.crc = static_cast<uint32_t>(read_be32(p + kCrcOffset));
  h.attributes = read_be16(p + kAttributesOffset);
  h.last_offset_delta = read_be32(p + kLastOffsetDeltaOffset);
  h.base_timestamp = read_be64(p + kBaseTimestampOffset);
  h.max_timestamp = read_be64(p + kMaxTimestampOffset);
  h.producer_id = read_be64(p + kProducerIdOffset);
  h.producer_epoch = read_be16(p + kProducerEpochOffset);
  h.base_sequence = read_be32(p + kBaseSequenceOffset);
  h.records_count = read_be32(p + kRecordsCountOffset);
  return h;
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) {
  if (batch.size() < kAttributesOffset) return 0;
  return crc32c(batch.data() + kAttributesOffset, batch.size() - kAttributesOffset);
}

namespace {

ValidationResult fail(int16_t code, std::string msg) {
  ValidationResult r;
  r.error_code = code;
  r.message = std::move(msg);
  return r;
}

}  // namespace

ValidationResult validate_client_batch(std::span<const uint8_t> batch, const ValidateOptions& o) {
  if (batch.size() < kBatchHeaderSize)
    return fail(kErrCorruptMessage, "record batch is smaller than the 61-byte header");
  auto h = *parse_header(batch);
  if (h.length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead))
    return fail(kErrCorruptMessage, "record batch length field is too small");
  if (static_cast<uint64_t>(h.total_size()) > batch.size())
    return fail(kErrCorruptMessage, "record batch is truncated");
  if (h.magic != kMagicV2)
    return fail(kErrInvalidRecord, "produce requests v3+ must use record batch magic 2");
  if (static_cast<uint64_t>(h.total_size()) < batch.size())
    return fail(kErrInvalidRecord, "produce requests v3+ must contain exactly one record batch");
  if (h.compression_id() > static_cast<int>(Compression::kZstd))
    return fail(kErrCorruptMessage, "unknown compression codec");
  if (h.compression() == Compression::kZstd && o.produce_version < 7)
    return fail(kErrUnsupportedCompressionType, "zstd requires produce version 7 or later");
  if (h.base_offset != 0) return fail(kErrInvalidRecord, "client batch base offset must be 0");
  if (static_cast<int64_t>(batch.size()) > o.max_message_bytes)
    return fail(kErrMessageTooLarge, "record batch exceeds max.message.bytes");
  if (compute_batch_crc(batch) != h.crc)
    return fail(kErrCorruptMessage, "record batch CRC mismatch");
  if (h.records_count <= 0 || static_cast<int64_t>(h.last_offset_delta) + 1 != h.records_count)
    return fail(kErrInvalidRecord, "lastOffsetDelta + 1 must equal recordsCount > 0");
  if (h.is_control()) return fail(kErrInvalidRecord, "clients may not send control batches");
  if (h.producer_id >= 0 && h.base_sequence < 0)
    return fail(kErrInvalidRecord, "idempotent batch without a base sequence");
  if (h.timestamp_type() == TimestampType::kLogAppendTime)
    return fail(kErrInvalidTimestamp, "producers may not set LogAppendTime");
  int64_t max_ts = h.max_timestamp;  // compressed: checked by the caller after decompressing
  if (h.compression() == Compression::kNone) {
    RecordTimestamps timestamps(h, o);
    int32_t index = 0;
    // Every record is walked even after a bad timestamp: malformed framing is the worse error.
    std::string err =
        walk_records(batch.subspan(kRecordsOffset), h.records_count, [&](const RecordView& v) {
          timestamps.add(v, index++);
          return true;
        });
    if (!err.empty()) return fail(kErrInvalidRecord, err);
    if (timestamps.failed()) {
      ValidationResult r = fail(kErrInvalidTimestamp, kInvalidTimestampMessage);
      r.record_error_index = timestamps.bad_index();
      r.record_error_message = timestamps.bad_message();
      return r;
    }
    max_ts = timestamps.max_timestamp();
  }
  ValidationResult ok;
  ok.records_count = h.records_count;
  ok.max_timestamp = max_ts;
  return ok;
}

std::string check_batch_integrity(std::span<const uint8_t> batch) {
  auto h = parse_header(batch);
  if (!h) return "shorter than a batch header";
  if (h->magic != kMagicV2) return "magic is not 2";
  if (h->length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead) ||
      static_cast<uint64_t>(h->total_size()) != batch.size())
    return "length field does not match";
  if (h->last_offset_delta < 0) return "negative lastOffsetDelta";
  if (compute_batch_crc(batch) != h->crc) return "CRC mismatch";
  return {};
}

void assign_offsets(std::span<uint8_t> batch, int64_t base_offset, int32_t leader_epoch) {
  if (batch.size() < kBatchHeaderSize) return;
  write_be64(batch.data() + kBaseOffsetOffset, base_offset);
  write_be32(batch.data() + kPartitionLeaderEpochOffset, leader_epoch);
}

void set_max_timestamp(std::span<uint8_t> batch, int64_t max_timestamp, TimestampType type) {
  if (batch.size() < kBatchHeaderSize) return;
  uint8_t* p = batch.data();
  int16_t attrs = read_be16(p + kAttributesOffset);
  attrs =
      static_cast<int16_t>(type == TimestampType::kLogAppendTime ? (attrs | kTimestampTypeBit)
                                                                 : (attrs & ~kTimestampTypeBit));
  write_be16(p + kAttributesOffset, attrs);
  write_be64(p + kMaxTimestampOffset, max_timestamp);
  write_be32(p + kCrcOffset, static_cast<int32_t>(compute_batch_crc(batch)));
}

}  // namespace samsa::records
