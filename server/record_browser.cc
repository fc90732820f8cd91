#include "server/record_browser.h"

#include <algorithm>

#include "protocol/error_codes.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_builder.h"
#include "protocol/records/varint.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;

// A compressed batch may not inflate beyond this, whatever its header claims.
constexpr size_t kMaxDecompressedBatch = 64 << 20;

std::optional<std::optional<std::string>> read_sized(records::VarintReader& r) {
  auto len = r.read_varint();
  if (!len || *len < -1) return std::nullopt;
  if (*len == -1) return std::optional<std::string>{};
  auto bytes = r.read_bytes(static_cast<size_t>(*len));
  if (!bytes) return std::nullopt;
  return std::optional<std::string>{std::string(bytes->begin(), bytes->end())};
}

// Headers were bounds-checked by walk_records; a failure here still ends cleanly.
std::vector<BrowsedHeader> decode_headers(const records::RecordView& v) {
  std::vector<BrowsedHeader> out;
  records::VarintReader r(v.headers_raw);
  for (int32_t i = 0; i < v.header_count; ++i) {
    auto name = read_sized(r);
    auto value = read_sized(r);
    if (!name || !*name || !value) break;
    out.push_back({std::move(**name), std::move(*value)});
  }
  return out;
}

}  // namespace

BrowseResult browse_records(PartitionManager& partitions, const cluster::MetadataImage& image,
                            const std::string& topic, int32_t index, const BrowseQuery& query) {
  BrowseResult out;
  auto partition = partitions.get_or_sync(image, topic, index);
  if (partition == nullptr) {
    out.error = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
    out.message = "This server does not host this topic-partition.";
    return out;
  }
  if (!partition->is_leader()) {
    out.error = static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower);
    out.message = "This broker is not the partition's leader.";
    return out;
  }
  const auto& log = partition->log();
  out.log_start_offset = log.log_start_offset();
  out.high_watermark = partition->high_watermark();
  int64_t start = query.offset.value_or(out.log_start_offset);
  if (query.timestamp) {
    auto found = log.offset_for_timestamp(*query.timestamp);
    start = found && found->first < out.high_watermark ? found->first : out.high_watermark;
  }
  if (start < out.log_start_offset || start > out.high_watermark) {
    out.error = static_cast<int16_t>(ErrorCode::kOffsetOutOfRange);
    out.message = "Offset " + std::to_string(start) + " is outside the readable range [" +
                  std::to_string(out.log_start_offset) + ", " + std::to_string(out.high_watermark) +
                  "].";
    return out;
  }
  out.next_offset = start;
  int64_t position = start;
  // The time index points at a compressed batch's first offset: skip its records older than the
  // asked timestamp, up to the first one at or after it.
  std::optional<int64_t> skip_before = query.timestamp;
  int64_t budget = std::max<int64_t>(query.max_bytes, 1);
  bool first = true;
  while (position < out.high_watermark && budget > 0 &&
         static_cast<int32_t>(out.records.size()) < query.limit) {
    const int32_t chunk = static_cast<int32_t>(std::min<int64_t>(budget, INT32_MAX));
    auto slice = log.read(position, chunk, out.high_watermark, first);
    first = false;
    if (slice.out_of_range || slice.data.empty()) break;
    budget -= static_cast<int64_t>(slice.data.size());
    std::span<const uint8_t> data(slice.data);
    bool full = false;
    while (!data.empty() && !full) {
      auto h = records::parse_header(data);
      if (!h || h->length < 0 || static_cast<uint64_t>(h->total_size()) > data.size()) break;
      auto batch = data.first(static_cast<size_t>(h->total_size()));
      data = data.subspan(batch.size());
      if (h->last_offset() < position) continue;
      if (h->is_control()) {
        position = h->last_offset() + 1;
        continue;
      }
      std::vector<uint8_t> plain;
      std::span<const uint8_t> section = batch.subspan(records::kRecordsOffset);
      if (h->compression() != records::Compression::kNone) {
        try {
          plain = records::decompress(h->compression(), section, kMaxDecompressedBatch);
        } catch (const records::CompressionError& e) {
          out.error = static_cast<int16_t>(ErrorCode::kCorruptMessage);
          out.message = "Batch at offset " + std::to_string(h->base_offset) +
                        " does not decompress: " + e.what();
          return out;
        }
        section = plain;
      }
      const bool append_time = h->timestamp_type() == records::TimestampType::kLogAppendTime;
      std::string err =
          records::walk_records(section, h->records_count, [&](const records::RecordView& v) {
            const int64_t offset = h->base_offset + v.offset_delta;
            if (offset < position) return true;
            position = offset + 1;
            const int64_t ts =
                append_time ? h->max_timestamp : h->base_timestamp + v.timestamp_delta;
            if (skip_before) {
              if (ts < *skip_before) return true;
              skip_before.reset();
            }
            if (query.key && (!v.key || *v.key != *query.key)) return true;
            BrowsedRecord r;
            r.offset = offset;
            r.log_append_time = append_time;
            r.timestamp = ts;
            if (v.key) r.key = std::string(*v.key);
            if (v.value) r.value = std::string(*v.value);
            r.headers = decode_headers(v);
            out.records.push_back(std::move(r));
            full = static_cast<int32_t>(out.records.size()) >= query.limit;
            return !full;
          });
      if (!err.empty()) {
        out.error = static_cast<int16_t>(ErrorCode::kCorruptMessage);
        out.message = "Batch at offset " + std::to_string(h->base_offset) + ": " + err;
        return out;
      }
      if (!full) position = std::max(position, h->last_offset() + 1);
    }
  }
  out.next_offset = std::min(position, out.high_watermark);
  return out;
}

}  // namespace samsa::server
