#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "protocol/records/record_batch.h"

namespace samsa::records {

// Invalid compressed data, or output that would exceed the caller's bound.
class CompressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sentinel: the codec's own default level (Kafka's defaults: gzip -1, lz4 9, zstd 3).
inline constexpr int kDefaultLevel = INT32_MIN;

// Compresses `in` the way Kafka's Java client does: gzip member, xerial-framed snappy, LZ4 frame
// with independent 64 KiB blocks, one zstd frame. kNone copies.
std::vector<uint8_t> compress(Compression codec, std::span<const uint8_t> in,
                              int level = kDefaultLevel);

// Decompresses `in`; snappy accepts xerial framing and raw blocks. Throws CompressionError if the
// data is invalid or the output would grow beyond `max_output` bytes: never allocates more than
// max_output plus one working chunk, whatever the input claims.
std::vector<uint8_t> decompress(Compression codec, std::span<const uint8_t> in, size_t max_output);

// Topic compression.type value -> codec; nullopt for "producer" (keep what the producer sent) or
// an unknown name.
std::optional<Compression> codec_from_topic_config(std::string_view name);

std::string_view codec_name(Compression codec);

}  // namespace samsa::records
