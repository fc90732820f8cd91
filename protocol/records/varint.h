#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace samsa::records {

// Zig-zag varints as used inside v2 records. Decoders are bounds-checked and reject over-long
// encodings, because record bodies come straight from the network or from disk.
class VarintReader {
 public:
  explicit VarintReader(std::span<const uint8_t> data) : data_(data) {}

  std::optional<int32_t> read_varint();
  std::optional<int64_t> read_varlong();
  // Returns the next n bytes, or nullopt if fewer remain.
  std::optional<std::span<const uint8_t>> read_bytes(size_t n);
  std::optional<int8_t> read_int8();

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::optional<uint64_t> read_unsigned(int max_bytes);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

void write_varint(std::vector<uint8_t>& out, int32_t v);
void write_varlong(std::vector<uint8_t>& out, int64_t v);
size_t varint_size(int32_t v);
size_t varlong_size(int64_t v);

}  // namespace samsa::records
