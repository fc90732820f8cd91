#include "storage/batch_filter.h"

#include "protocol/records/compression.h"
#include "protocol/records/varint.h"

namespace samsa::storage {
using records::BatchHeader;

std::string decode_batch_records(std::span<const uint8_t> batch, const BatchHeader& h,
                                 std::vector<FilterRecord>* out) {
  out->clear();
  if (batch.size() < records::kBatchHeaderSize) return "short batch";
  if (h.records_count < 0 || h.records_count > h.last_offset_delta + 1)
    return "record count exceeds the offset range";
  // Each record takes at least 7 bytes, which bounds the reservation by the batch size.
  const size_t body = batch.size() - records::kRecordsOffset;
  if (static_cast<size_t>(h.records_count) > body / 7 + 1) return "record count exceeds the batch";
  out->reserve(static_cast<size_t>(h.records_count));
  records::VarintReader r(batch.subspan(records::kRecordsOffset));
  int64_t prev_delta = -1;
  for (int32_t i = 0; i < h.records_count; ++i) {
    auto len = r.read_varint();
    if (!len || *len < 0 || static_cast<size_t>(*len) > r.remaining()) return "bad record length";
    const size_t start = r.position();
    auto attrs = r.read_int8();
    auto ts_delta = r.read_varlong();
    auto off_delta = r.read_varint();
    if (!attrs || !ts_delta || !off_delta) return "bad record header";
    if (*off_delta <= prev_delta || *off_delta > h.last_offset_delta)
      return "offset delta out of order";
    prev_delta = *off_delta;
    FilterRecord rec;
    rec.attributes = *attrs;
    rec.offset = h.base_offset + *off_delta;
    rec.timestamp = h.base_timestamp + *ts_delta;
    auto klen = r.read_varint();
    if (!klen || *klen < -1) return "bad key length";
    if (*klen >= 0) {
      auto k = r.read_bytes(static_cast<size_t>(*klen));
      if (!k) return "key overruns the record";
      rec.key = std::string_view(reinterpret_cast<const char*>(k->data()), k->size());
    }
    auto vlen = r.read_varint();
    if (!vlen || *vlen < -1) return "bad value length";
    if (*vlen >= 0) {
      auto v = r.read_bytes(static_cast<size_t>(*vlen));
      if (!v) return "value overruns the record";
      rec.value = std::string_view(reinterpret_cast<const char*>(v->data()), v->size());
    }
    const size_t used = r.position() - start;
    if (used > static_cast<size_t>(*len)) return "record overruns its length";
    auto hdrs = r.read_bytes(static_cast<size_t>(*len) - used);
    if (!hdrs) return "headers overrun the batch";
    rec.headers = *hdrs;
    out->push_back(rec);
  }
  if (r.remaining() != 0) return "trailing bytes after the records";
  return {};
}

std::string load_batch_records(std::span<const uint8_t> batch, const BatchHeader& h,
                               size_t max_output, std::vector<uint8_t>* scratch,
                               std::vector<FilterRecord>* out) {
  out->clear();
  if (h.compression_id() == 0) return decode_batch_records(batch, h, out);
  if (h.compression_id() > 4) return "unknown codec";
  if (batch.size() < records::kBatchHeaderSize) return "short batch";
  try {
    auto plain =
        records::decompress(h.compression(), batch.subspan(records::kRecordsOffset), max_output);
    scratch->assign(batch.begin(), batch.begin() + records::kBatchHeaderSize);
    scratch->insert(scratch->end(), plain.begin(), plain.end());
  } catch (const std::exception& e) {
    return e.what();
  }
  return decode_batch_records(*scratch, h, out);
}

std::optional<int64_t> delete_horizon_of(const BatchHeader& h) {
  if (h.attributes & kDeleteHorizonBit) return h.base_timestamp;
  return std::nullopt;
}

void encode_filtered_batch(const BatchHeader& h, const std::vector<FilterRecord>& keep,
                           std::optional<int64_t> delete_horizon, std::vector<uint8_t>* out) {
  const size_t begin = out->size();
  out->resize(begin + records::kBatchHeaderSize);
  int16_t attrs = h.attributes;
  int64_t base_ts = h.base_timestamp;
  if (delete_horizon) {
    attrs = static_cast<int16_t>(attrs | kDeleteHorizonBit);
    base_ts = *delete_horizon;
  }
  std::vector<uint8_t> rec;
  for (const auto& k : keep) {
    rec.clear();
    rec.push_back(static_cast<uint8_t>(k.attributes));
    records::write_varlong(rec, k.timestamp - base_ts);
    records::write_varint(rec, static_cast<int32_t>(k.offset - h.base_offset));
    if (k.key) {
      records::write_varint(rec, static_cast<int32_t>(k.key->size()));
      rec.insert(rec.end(), k.key->begin(), k.key->end());
    } else {
      records::write_varint(rec, -1);
    }
    if (k.value) {
      records::write_varint(rec, static_cast<int32_t>(k.value->size()));
      rec.insert(rec.end(), k.value->begin(), k.value->end());
    } else {
      records::write_varint(rec, -1);
    }
    rec.insert(rec.end(), k.headers.begin(), k.headers.end());
    records::write_varint(*out, static_cast<int32_t>(rec.size()));
    out->insert(out->end(), rec.begin(), rec.end());
  }
  if (h.compression_id() != 0) {
    auto packed = records::compress(
        h.compression(), std::span<const uint8_t>(*out).subspan(begin + records::kRecordsOffset));
    out->resize(begin + records::kRecordsOffset);
    out->insert(out->end(), packed.begin(), packed.end());
  }
  uint8_t* p = out->data() + begin;
  const size_t total = out->size() - begin;
  records::write_be64(p + records::kBaseOffsetOffset, h.base_offset);
  records::write_be32(p + records::kLengthOffset,
                      static_cast<int32_t>(total - records::kLogOverhead));
  records::write_be32(p + records::kPartitionLeaderEpochOffset, h.partition_leader_epoch);
  p[records::kMagicOffset] = static_cast<uint8_t>(records::kMagicV2);
  records::write_be16(p + records::kAttributesOffset, attrs);
  records::write_be32(p + records::kLastOffsetDeltaOffset, h.last_offset_delta);
  records::write_be64(p + records::kBaseTimestampOffset, base_ts);
  records::write_be64(p + records::kMaxTimestampOffset, h.max_timestamp);
  records::write_be64(p + records::kProducerIdOffset, h.producer_id);
  records::write_be16(p + records::kProducerEpochOffset, h.producer_epoch);
  records::write_be32(p + records::kBaseSequenceOffset, h.base_sequence);
  records::write_be32(p + records::kRecordsCountOffset, static_cast<int32_t>(keep.size()));
  records::write_be32(
      p + records::kCrcOffset,
      static_cast<int32_t>(records::compute_batch_crc(std::span<const uint8_t>(p, total))));
}

}  // namespace samsa::storage
