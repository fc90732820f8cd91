// Bounds-checked big-endian reader over a borrowed buffer (Kafka primitive encodings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "protocol/types.h"

namespace samsa::protocol {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit Reader(std::span<const uint8_t> data) : Reader(data.data(), data.size()) {}

  size_t remaining() const { return size_ - pos_; }
  size_t position() const { return pos_; }

  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint16_t read_uint16();
  uint32_t read_uint32();
  double read_float64();
  bool read_bool();
  int32_t read_varint();
  int64_t read_varlong();
  uint32_t read_unsigned_varint();
  Uuid read_uuid();

  // int16 length, -1 = null.
  std::string read_string();
  std::optional<std::string> read_nullable_string();
  // unsigned varint length + 1, 0 = null.
  std::string read_compact_string();
  std::optional<std::string> read_compact_nullable_string();

  // int32 length, -1 = null.
  Bytes read_bytes();
  std::optional<Bytes> read_nullable_bytes();
  Bytes read_compact_bytes();
  std::optional<Bytes> read_compact_nullable_bytes();

  // Length prefix of bytes/records without copying: -1 for null, otherwise checked against
  // remaining(). Callers follow with read_span(length).
  int32_t read_bytes_length(bool compact);
  // Array count (int32, or unsigned varint + 1 when compact): -1 for null, otherwise checked
  // against remaining() so a hostile count can never drive an allocation.
  int32_t read_array_length(bool compact);

  // A view into the underlying buffer; valid as long as the caller's buffer is.
  std::span<const uint8_t> read_span(size_t n);
  void skip(size_t n);

 private:
  void need(size_t n) const;
  uint64_t read_be(size_t n);
  int32_t read_string_length(bool compact);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace samsa::protocol
