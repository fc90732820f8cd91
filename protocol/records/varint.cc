#include "protocol/records/varint.h"

namespace samsa::records {

std::optional<uint64_t> VarintReader::read_unsigned(int max_bytes) {
  uint64_t value = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos_ >= data_.size()) return std::nullopt;
    uint8_t b = data_[pos_++];
    value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  return std::nullopt;  // longer than the type allows
}

std::optional<int32_t> VarintReader::read_varint() {
  auto u = read_unsigned(5);
  if (!u || *u > 0xFFFFFFFFull) return std::nullopt;
  uint32_t v = static_cast<uint32_t>(*u);
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

std::optional<int64_t> VarintReader::read_varlong() {
  auto u = read_unsigned(10);
  if (!u) return std::nullopt;
  uint64_t v = *u;
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

std::optional<std::span<const uint8_t>> VarintReader::read_bytes(size_t n) {
  if (n > remaining()) return std::nullopt;
  auto s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::optional<int8_t> VarintReader::read_int8() {
  if (pos_ >= data_.size()) return std::nullopt;
  return static_cast<int8_t>(data_[pos_++]);
}

namespace {
void write_unsigned(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}
size_t unsigned_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
uint64_t zigzag32(int32_t v) {
  return static_cast<uint32_t>((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}
uint64_t zigzag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
}  // namespace

void write_varint(std::vector<uint8_t>& out, int32_t v) {
  write_unsigned(out, zigzag32(v));
}
void write_varlong(std::vector<uint8_t>& out, int64_t v) {
  write_unsigned(out, zigzag64(v));
}
size_t varint_size(int32_t v) {
  return unsigned_size(zigzag32(v));
}
size_t varlong_size(int64_t v) {
  return unsigned_size(zigzag64(v));
}

}  // namespace samsa::records
