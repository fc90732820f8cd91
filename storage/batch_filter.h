#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/records/record_batch.h"

namespace samsa::storage {

// Kafka 3.x marks a batch whose tombstones have a delete horizon with attribute bit 6; the
// horizon is then the batch's baseTimestamp.
inline constexpr int16_t kDeleteHorizonBit = 0x40;

// One record of an uncompressed batch, decoded in place. Unlike records::walk_records, offset
// deltas only have to increase: a compacted batch keeps its records' original offsets.
struct FilterRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int8_t attributes = 0;
  std::span<const uint8_t> headers;  // header count varint and the encoded headers
};

// Decodes every record of one uncompressed batch (`batch` is exactly one batch). Returns an error
// string if any length, varint or offset delta is out of bounds.
std::string decode_batch_records(std::span<const uint8_t> batch, const records::BatchHeader& h,
                                 std::vector<FilterRecord>* out);

// Decodes the records of any batch: a compressed one is decompressed into `scratch` (bounded by
// max_output bytes) and the views point there. Error string on invalid data.
std::string load_batch_records(std::span<const uint8_t> batch, const records::BatchHeader& h,
                               size_t max_output, std::vector<uint8_t>* scratch,
                               std::vector<FilterRecord>* out);

// Writes a batch that keeps h's base offset, lastOffsetDelta, epochs, producer fields and
// maxTimestamp, but holds only `keep` (in offset order). With a delete horizon the batch gets
// kDeleteHorizonBit and baseTimestamp = horizon, as Kafka does. A compressed batch is
// recompressed with its codec (default level). The CRC is recomputed.
void encode_filtered_batch(const records::BatchHeader& h, const std::vector<FilterRecord>& keep,
                           std::optional<int64_t> delete_horizon, std::vector<uint8_t>* out);

// Whether a batch carries a delete horizon (and which).
std::optional<int64_t> delete_horizon_of(const records::BatchHeader& h);

}  // namespace samsa::storage
