#pragma once
// Splits a byte stream of concatenated JSON values ({"a":1}{"b":2}, optionally separated by
// whitespace) into one text per value without parsing it: Confluent's streaming produce sends
// records this way over a chunked request body. Each value is bounded before it is buffered.
#include <cstddef>
#include <functional>
#include <string>

namespace samsa::admin_http {

class JsonStreamReader {
 public:
  enum class Status { kValue, kEnd, kTooLarge, kMalformed, kReadError };

  // `read` as HttpExchange::read: bytes read, 0 at the end, <0 on error.
  JsonStreamReader(std::function<int(char*, size_t)> read, size_t max_value_bytes)
      : read_(std::move(read)), max_(max_value_bytes) {}

  // The next complete top-level object or array in `out`.
  Status next(std::string& out);

 private:
  bool fill();  // false at the end or on error (see read_error_)

  std::function<int(char*, size_t)> read_;
  size_t max_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool read_error_ = false;
};

}  // namespace samsa::admin_http
