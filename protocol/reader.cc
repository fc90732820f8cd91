#include "protocol/reader.h"

#include <bit>
#include <cstring>
#include <string>

namespace samsa::protocol {

void Reader::need(size_t n) const {
  if (n > remaining()) {
    throw DecodeError("buffer underflow: need " + std::to_string(n) + " bytes, " +
                      std::to_string(remaining()) + " left at offset " + std::to_string(pos_));
  }
}

uint64_t Reader::read_be(size_t n) {
  need(n);
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += n;
  return v;
}

int8_t Reader::read_int8() {
  return static_cast<int8_t>(read_be(1));
}
int16_t Reader::read_int16() {
  return static_cast<int16_t>(read_be(2));
}
int32_t Reader::read_int32() {
  return static_cast<int32_t>(read_be(4));
}
int64_t Reader::read_int64() {
  return static_cast<int64_t>(read_be(8));
}
uint16_t Reader::read_uint16() {
  return static_cast<uint16_t>(read_be(2));
}
uint32_t Reader::read_uint32() {
  return static_cast<uint32_t>(read_be(4));
}
double Reader::read_float64() {
  return std::bit_cast<double>(read_be(8));
}
bool Reader::read_bool() {
  return read_int8() != 0;
}

uint32_t Reader::read_unsigned_varint() {
  uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    const uint8_t b = static_cast<uint8_t>(read_be(1));
    // The fifth byte may only carry the top 4 bits of a 32-bit value.
    if (i == 4 && (b & 0xf0) != 0) throw DecodeError("unsigned varint overflows 32 bits");
    value |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  throw DecodeError("unsigned varint longer than 5 bytes");
}

int32_t Reader::read_varint() {
  const uint32_t raw = read_unsigned_varint();
  return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

int64_t Reader::read_varlong() {
  uint64_t raw = 0;
  for (int i = 0; i < 10; ++i) {
    const uint8_t b = static_cast<uint8_t>(read_be(1));
    if (i == 9 && (b & 0xfe) != 0) throw DecodeError("varlong overflows 64 bits");
    raw |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  throw DecodeError("varlong longer than 10 bytes");
}

Uuid Reader::read_uuid() {
  Uuid u;
  auto s = read_span(u.size());
  std::memcpy(u.data(), s.data(), u.size());
  return u;
}

int32_t Reader::read_string_length(bool compact) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(read_unsigned_varint()) - 1;
  } else {
    len = read_int16();
  }
  if (len < -1) throw DecodeError("negative string length " + std::to_string(len));
  if (len > static_cast<int64_t>(remaining())) {
    throw DecodeError("string length " + std::to_string(len) + " exceeds remaining " +
                      std::to_string(remaining()));
  }
  return static_cast<int32_t>(len);
}

std::string Reader::read_string() {
  const int32_t len = read_string_length(false);
  if (len < 0) throw DecodeError("null string where a non-null string is required");
  auto s = read_span(static_cast<size_t>(len));
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::optional<std::string> Reader::read_nullable_string() {
  const int32_t len = read_string_length(false);
  if (len < 0) return std::nullopt;
  auto s = read_span(static_cast<size_t>(len));
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::string Reader::read_compact_string() {
  const int32_t len = read_string_length(true);
  if (len < 0) throw DecodeError("null compact string where a non-null string is required");
  auto s = read_span(static_cast<size_t>(len));
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::optional<std::string> Reader::read_compact_nullable_string() {
  const int32_t len = read_string_length(true);
  if (len < 0) return std::nullopt;
  auto s = read_span(static_cast<size_t>(len));
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

int32_t Reader::read_bytes_length(bool compact) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(read_unsigned_varint()) - 1;
  } else {
    len = read_int32();
  }
  if (len < -1) throw DecodeError("negative bytes length " + std::to_string(len));
  if (len > static_cast<int64_t>(remaining())) {
    throw DecodeError("bytes length " + std::to_string(len) + " exceeds remaining " +
                      std::to_string(remaining()));
  }
  return static_cast<int32_t>(len);
}

int32_t Reader::read_array_length(bool compact) {
  int64_t n;
  if (compact) {
    n = static_cast<int64_t>(read_unsigned_varint()) - 1;
  } else {
    n = read_int32();
  }
  if (n < -1) throw DecodeError("negative array count " + std::to_string(n));
  // Every element takes at least one byte in practice; Kafka applies the same bound.
  if (n > static_cast<int64_t>(remaining())) {
    throw DecodeError("array count " + std::to_string(n) + " exceeds remaining " +
                      std::to_string(remaining()));
  }
  return static_cast<int32_t>(n);
}

Bytes Reader::read_bytes() {
  const int32_t len = read_bytes_length(false);
  if (len < 0) throw DecodeError("null bytes where non-null bytes are required");
  auto s = read_span(static_cast<size_t>(len));
  return Bytes(s.begin(), s.end());
}

std::optional<Bytes> Reader::read_nullable_bytes() {
  const int32_t len = read_bytes_length(false);
  if (len < 0) return std::nullopt;
  auto s = read_span(static_cast<size_t>(len));
  return Bytes(s.begin(), s.end());
}

Bytes Reader::read_compact_bytes() {
  const int32_t len = read_bytes_length(true);
  if (len < 0) throw DecodeError("null compact bytes where non-null bytes are required");
  auto s = read_span(static_cast<size_t>(len));
  return Bytes(s.begin(), s.end());
}

std::optional<Bytes> Reader::read_compact_nullable_bytes() {
  const int32_t len = read_bytes_length(true);
  if (len < 0) return std::nullopt;
  auto s = read_span(static_cast<size_t>(len));
  return Bytes(s.begin(), s.end());
}

std::span<const uint8_t> Reader::read_span(size_t n) {
  need(n);
  std::span<const uint8_t> s(data_ + pos_, n);
  pos_ += n;
  return s;
}

void Reader::skip(size_t n) {
  need(n);
  pos_ += n;
}

}  // namespace samsa::protocol
