// Big-endian writer (Kafka primitive encodings) appending to a caller-owned vector, plus a
// SizeCounter with the same interface that only counts, used to compute exact encoded sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/types.h"

namespace samsa::protocol {

// Counts the error codes of the responses encoded through a Writer (each `ErrorCode` field of a
// response, at every nesting level), as Kafka's AbstractResponse.errorCounts() does for its
// ErrorsPerSec metric. The generated encoders report them, so no handler has to.
class ErrorTally {
 public:
  void add(int16_t code) {
    for (auto& [c, n] : counts_) {
      if (c == code) {
        ++n;
        return;
      }
    }
    counts_.emplace_back(code, 1);
  }
  void clear() { counts_.clear(); }
  bool empty() const { return counts_.empty(); }
  // (error code, occurrences); a response holds few distinct codes, so a vector beats a map.
  const std::vector<std::pair<int16_t, uint32_t>>& counts() const { return counts_; }

 private:
  std::vector<std::pair<int16_t, uint32_t>> counts_;
};

// Lets an encoder leave a records field's bytes out of the buffer. A sink that claims a span
// (its length prefix is already written) takes over sending those bytes at that buffer offset,
// e.g. with sendfile(2) from a segment file; spans it does not claim are copied as usual.
class RecordsSink {
 public:
  virtual ~RecordsSink() = default;
  virtual bool claim(std::span<const uint8_t> records, size_t buffer_offset) = 0;
};

class Writer {
 public:
  // Appends to `out`; the caller keeps it alive and may reserve or reuse it.
  explicit Writer(std::vector<uint8_t>& out) : out_(out), start_(out.size()) {}

  // Bytes appended through this writer.
  size_t size() const { return out_.size() - start_; }
  std::vector<uint8_t>& buffer() { return out_; }

  void write_int8(int8_t v) { out_.push_back(static_cast<uint8_t>(v)); }
  void write_int16(int16_t v) { write_be(static_cast<uint16_t>(v), 2); }
  // A response's ErrorCode field: written as int16 and counted in the tally, if one is set.
  void write_error_code(int16_t v) {
    write_int16(v);
    if (errors_ != nullptr) errors_->add(v);
  }
  void set_error_tally(ErrorTally* errors) { errors_ = errors; }
  void write_int32(int32_t v) { write_be(static_cast<uint32_t>(v), 4); }
  void write_int64(int64_t v) { write_be(static_cast<uint64_t>(v), 8); }
  void write_uint16(uint16_t v) { write_be(v, 2); }
  void write_uint32(uint32_t v) { write_be(v, 4); }
  void write_float64(double v);
  void write_bool(bool v) { write_int8(v ? 1 : 0); }
  void write_varint(int32_t v);
  void write_varlong(int64_t v);
  void write_unsigned_varint(uint32_t v);
  void write_uuid(const Uuid& u) { write_raw(u); }

  void write_string(std::string_view s);
  void write_nullable_string(const std::optional<std::string>& s);
  void write_compact_string(std::string_view s);
  void write_compact_nullable_string(const std::optional<std::string>& s);

  void write_bytes(std::span<const uint8_t> b);
  void write_nullable_bytes(const std::optional<std::span<const uint8_t>>& b);
  void write_compact_bytes(std::span<const uint8_t> b);
  void write_compact_nullable_bytes(const std::optional<std::span<const uint8_t>>& b);

  void write_raw(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

  // A non-null records field: length prefix (int32, or unsigned varint of length + 1 when
  // flexible), then the bytes, unless the records sink claims them.
  void write_records(std::span<const uint8_t> b, bool flexible);
  void set_records_sink(RecordsSink* sink) { records_sink_ = sink; }

  // Overwrites 4 bytes at an absolute offset in the buffer (e.g. a frame length written last).
  void put_int32_at(size_t offset, int32_t v);

 private:
  void write_be(uint64_t v, size_t n);

  std::vector<uint8_t>& out_;
  size_t start_;
  ErrorTally* errors_ = nullptr;
  RecordsSink* records_sink_ = nullptr;
};

// Same write_* interface as Writer; records only how many bytes would be written.
class SizeCounter {
 public:
  size_t size() const { return size_; }

  void write_int8(int8_t) { size_ += 1; }
  void write_int16(int16_t) { size_ += 2; }
  void write_error_code(int16_t) { size_ += 2; }
  void write_int32(int32_t) { size_ += 4; }
  void write_int64(int64_t) { size_ += 8; }
  void write_uint16(uint16_t) { size_ += 2; }
  void write_uint32(uint32_t) { size_ += 4; }
  void write_float64(double) { size_ += 8; }
  void write_bool(bool) { size_ += 1; }
  void write_varint(int32_t v);
  void write_varlong(int64_t v);
  void write_unsigned_varint(uint32_t v) { size_ += unsigned_varint_size(v); }
  void write_uuid(const Uuid&) { size_ += 16; }

  void write_string(std::string_view s);
  void write_nullable_string(const std::optional<std::string>& s);
  void write_compact_string(std::string_view s);
  void write_compact_nullable_string(const std::optional<std::string>& s);

  void write_bytes(std::span<const uint8_t> b);
  void write_nullable_bytes(const std::optional<std::span<const uint8_t>>& b);
  void write_compact_bytes(std::span<const uint8_t> b);
  void write_compact_nullable_bytes(const std::optional<std::span<const uint8_t>>& b);

  void write_raw(std::span<const uint8_t> b) { size_ += b.size(); }
  void write_records(std::span<const uint8_t> b, bool flexible);

  static size_t unsigned_varint_size(uint32_t v);
  static size_t unsigned_varlong_size(uint64_t v);

 private:
  size_t size_ = 0;
};

}  // namespace samsa::protocol
