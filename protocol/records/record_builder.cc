#include "protocol/records/record_builder.h"

#include <algorithm>

#include "protocol/records/crc32c.h"
#include "protocol/records/varint.h"

namespace samsa::records {
namespace {

void put_nullable(std::vector<uint8_t>& out, const std::optional<std::string>& s) {
  if (!s) {
    write_varint(out, -1);
    return;
  }
  write_varint(out, static_cast<int32_t>(s->size()));
  out.insert(out.end(), s->begin(), s->end());
}

// Reads a varint length followed by that many bytes; -1 means null when allowed.
bool read_sized(VarintReader& r, bool nullable, std::optional<std::string_view>& out) {
  auto len = r.read_varint();
  if (!len) return false;
  if (*len < 0) {
    if (*len != -1 || !nullable) return false;
    out.reset();
    return true;
  }
  auto bytes = r.read_bytes(static_cast<size_t>(*len));
  if (!bytes) return false;
  out = std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return true;
}

// The smallest possible record: length, attributes, timestampDelta, offsetDelta, key, value,
// headerCount, one byte each.
constexpr size_t kMinRecordSize = 7;

}  // namespace

std::vector<uint8_t> build_batch(const std::vector<Record>& records, int64_t base_timestamp,
                                 const BuildOptions& opts) {
  std::vector<uint8_t> out(kBatchHeaderSize, 0);
  int64_t max_ts = base_timestamp;
  std::vector<uint8_t> body;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& rec = records[i];
    body.clear();
    body.push_back(0);  // record attributes (unused)
    write_varlong(body, rec.timestamp_delta);
    write_varint(body, static_cast<int32_t>(i));
    put_nullable(body, rec.key);
    put_nullable(body, rec.value);
    write_varint(body, static_cast<int32_t>(rec.headers.size()));
    for (const auto& h : rec.headers) {
      write_varint(body, static_cast<int32_t>(h.key.size()));
      body.insert(body.end(), h.key.begin(), h.key.end());
      put_nullable(body, h.value);
    }
    write_varint(out, static_cast<int32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    max_ts = std::max(max_ts, base_timestamp + rec.timestamp_delta);
  }
  uint8_t* p = out.data();
  write_be64(p + kBaseOffsetOffset, opts.base_offset);
  write_be32(p + kLengthOffset, static_cast<int32_t>(out.size() - kLogOverhead));
  write_be32(p + kPartitionLeaderEpochOffset, opts.partition_leader_epoch);
  p[kMagicOffset] = static_cast<uint8_t>(kMagicV2);
  write_be16(p + kAttributesOffset, static_cast<int16_t>(opts.attributes & ~kCompressionMask));
  write_be32(p + kLastOffsetDeltaOffset,
             records.empty() ? 0 : static_cast<int32_t>(records.size() - 1));
  write_be64(p + kBaseTimestampOffset, base_timestamp);
  write_be64(p + kMaxTimestampOffset, max_ts);
  write_be64(p + kProducerIdOffset, opts.producer_id);
  write_be16(p + kProducerEpochOffset, opts.producer_epoch);
  write_be32(p + kBaseSequenceOffset, opts.base_sequence);
  write_be32(p + kRecordsCountOffset, static_cast<int32_t>(records.size()));
  write_be32(p + kCrcOffset, static_cast<int32_t>(compute_batch_crc(out)));
  return out;
}

std::string walk_records(std::span<const uint8_t> section, int32_t expected_count,
                         const std::function<bool(const RecordView&)>& fn) {
  if (expected_count < 0) return "negative record count";
  VarintReader r(section);
  int32_t n = 0;
  while (r.remaining() > 0) {
    if (n >= expected_count) return "more records than recordsCount";
    auto len = r.read_varint();
    if (!len || *len < 0) return "invalid record length";
    auto body = r.read_bytes(static_cast<size_t>(*len));
    if (!body) return "record length exceeds the batch";
    VarintReader br(*body);
    RecordView v;
    auto attrs = br.read_int8();
    auto ts = attrs ? br.read_varlong() : std::nullopt;
    auto od = ts ? br.read_varint() : std::nullopt;
    if (!od) return "truncated record header";
    v.attributes = *attrs;
    v.timestamp_delta = *ts;
    v.offset_delta = *od;
    if (v.offset_delta != n) return "record offset deltas are not consecutive from 0";
    if (!read_sized(br, true, v.key)) return "invalid record key";
    if (!read_sized(br, true, v.value)) return "invalid record value";
    auto hc = br.read_varint();
    if (!hc || *hc < 0) return "invalid header count";
    v.header_count = *hc;
    size_t headers_start = br.position();
    for (int32_t h = 0; h < *hc; ++h) {
      std::optional<std::string_view> hk, hv;
      if (!read_sized(br, false, hk)) return "invalid header key";
      if (!read_sized(br, true, hv)) return "invalid header value";
    }
    if (br.remaining() != 0) return "record length does not match its contents";
    v.headers_raw = body->subspan(headers_start, br.position() - headers_start);
    ++n;
    if (fn && !fn(v)) return {};
  }
  if (n != expected_count) return "fewer records than recordsCount";
  return {};
}

std::vector<Record> parse_records(std::span<const uint8_t> batch) {
  auto h = parse_header(batch);
  if (!h) throw RecordError("batch shorter than its header");
  if (h->magic != kMagicV2) throw RecordError("not a v2 batch");
  if (h->length < 0 || static_cast<uint64_t>(h->total_size()) != batch.size())
    throw RecordError("batch length does not match the buffer");
  if (h->compression() != Compression::kNone) throw RecordError("compressed batch");
  std::vector<Record> out;
  size_t body = batch.size() - kBatchHeaderSize;
  out.reserve(
      std::min<size_t>(static_cast<size_t>(std::max(h->records_count, 0)), body / kMinRecordSize));
  std::string err =
      walk_records(batch.subspan(kRecordsOffset), h->records_count, [&](const RecordView& v) {
        Record rec;
        if (v.key) rec.key = std::string(*v.key);
        if (v.value) rec.value = std::string(*v.value);
        rec.timestamp_delta = v.timestamp_delta;
        rec.offset_delta = v.offset_delta;
        VarintReader hr(v.headers_raw);
        for (int32_t i = 0; i < v.header_count; ++i) {
          std::optional<std::string_view> hk, hv;
          read_sized(hr, false, hk);
          read_sized(hr, true, hv);
          RecordHeader hdr;
          hdr.key = std::string(*hk);
          if (hv) hdr.value = std::string(*hv);
          rec.headers.push_back(std::move(hdr));
        }
        out.push_back(std::move(rec));
        return true;
      });
  if (!err.empty()) throw RecordError(err);
  return out;
}

}  // namespace samsa::records
