#include "protocol/writer.h"

#include <bit>
#include <limits>
#include <string>

namespace samsa::protocol {
namespace {

// Encoding limits: int16-length strings, int32-length bytes, uvarint(len + 1) for compact forms.
void check_string_length(size_t n) {
  if (n > static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    throw EncodeError("string of " + std::to_string(n) + " bytes does not fit an int16 length");
  }
}

void check_bytes_length(size_t n) {
  if (n >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw EncodeError("byte array of " + std::to_string(n) + " bytes is too long");
  }
}

uint32_t zigzag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
uint64_t zigzag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

}  // namespace

void Writer::write_be(uint64_t v, size_t n) {
  for (size_t i = n; i > 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
}

void Writer::write_float64(double v) {
  write_be(std::bit_cast<uint64_t>(v), 8);
}

void Writer::write_unsigned_varint(uint32_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(v));
}

void Writer::write_varint(int32_t v) {
  write_unsigned_varint(zigzag32(v));
}

void Writer::write_varlong(int64_t v) {
  uint64_t z = zigzag64(v);
  while (z >= 0x80) {
    out_.push_back(static_cast<uint8_t>(z | 0x80));
    z >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(z));
}

void Writer::write_string(std::string_view s) {
  check_string_length(s.size());
  write_int16(static_cast<int16_t>(s.size()));
  write_raw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

void Writer::write_nullable_string(const std::optional<std::string>& s) {
  if (!s) {
    write_int16(-1);
    return;
  }
  write_string(*s);
}

void Writer::write_compact_string(std::string_view s) {
  check_bytes_length(s.size());
  write_unsigned_varint(static_cast<uint32_t>(s.size() + 1));
  write_raw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

void Writer::write_compact_nullable_string(const std::optional<std::string>& s) {
  if (!s) {
    write_unsigned_varint(0);
    return;
  }
  write_compact_string(*s);
}

void Writer::write_bytes(std::span<const uint8_t> b) {
  check_bytes_length(b.size());
  write_int32(static_cast<int32_t>(b.size()));
  write_raw(b);
}

void Writer::write_nullable_bytes(const std::optional<std::span<const uint8_t>>& b) {
  if (!b) {
    write_int32(-1);
    return;
  }
  write_bytes(*b);
}

void Writer::write_compact_bytes(std::span<const uint8_t> b) {
  check_bytes_length(b.size());
  write_unsigned_varint(static_cast<uint32_t>(b.size() + 1));
  write_raw(b);
}

void Writer::write_compact_nullable_bytes(const std::optional<std::span<const uint8_t>>& b) {
  if (!b) {
    write_unsigned_varint(0);
    return;
  }
  write_compact_bytes(*b);
}

void Writer::write_records(std::span<const uint8_t> b, bool flexible) {
  check_bytes_length(b.size());
  if (flexible) {
    write_unsigned_varint(static_cast<uint32_t>(b.size() + 1));
  } else {
    write_int32(static_cast<int32_t>(b.size()));
  }
  if (records_sink_ != nullptr && records_sink_->claim(b, out_.size())) return;
  write_raw(b);
}

void Writer::put_int32_at(size_t offset, int32_t v) {
  if (offset + 4 > out_.size()) throw EncodeError("put_int32_at past the end of the buffer");
  const auto u = static_cast<uint32_t>(v);
  for (size_t i = 0; i < 4; ++i) out_[offset + i] = static_cast<uint8_t>(u >> (8 * (3 - i)));
}

size_t SizeCounter::unsigned_varint_size(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t SizeCounter::unsigned_varlong_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void SizeCounter::write_varint(int32_t v) {
  size_ += unsigned_varint_size(zigzag32(v));
}
void SizeCounter::write_varlong(int64_t v) {
  size_ += unsigned_varlong_size(zigzag64(v));
}

void SizeCounter::write_string(std::string_view s) {
  check_string_length(s.size());
  size_ += 2 + s.size();
}

void SizeCounter::write_nullable_string(const std::optional<std::string>& s) {
  if (!s) {
    size_ += 2;
    return;
  }
  write_string(*s);
}

void SizeCounter::write_compact_string(std::string_view s) {
  check_bytes_length(s.size());
  size_ += unsigned_varint_size(static_cast<uint32_t>(s.size() + 1)) + s.size();
}

void SizeCounter::write_compact_nullable_string(const std::optional<std::string>& s) {
  if (!s) {
    size_ += 1;
    return;
  }
  write_compact_string(*s);
}

void SizeCounter::write_bytes(std::span<const uint8_t> b) {
  check_bytes_length(b.size());
  size_ += 4 + b.size();
}

void SizeCounter::write_nullable_bytes(const std::optional<std::span<const uint8_t>>& b) {
  if (!b) {
    size_ += 4;
    return;
  }
  write_bytes(*b);
}

void SizeCounter::write_compact_bytes(std::span<const uint8_t> b) {
  check_bytes_length(b.size());
  size_ += unsigned_varint_size(static_cast<uint32_t>(b.size() + 1)) + b.size();
}

void SizeCounter::write_records(std::span<const uint8_t> b, bool flexible) {
  if (flexible) {
    write_compact_bytes(b);
  } else {
    write_bytes(b);
  }
}

void SizeCounter::write_compact_nullable_bytes(const std::optional<std::span<const uint8_t>>& b) {
  if (!b) {
    size_ += 1;
    return;
  }
  write_compact_bytes(*b);
}

}  // namespace samsa::protocol
