#include "admin-http/json_stream.h"

namespace samsa::admin_http {

bool JsonStreamReader::fill() {
  if (eof_) return false;
  // Drop what was consumed so the buffer holds at most one value plus one read.
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  char chunk[16384];
  int n = read_(chunk, sizeof chunk);
  if (n < 0) read_error_ = true;
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buf_.append(chunk, static_cast<size_t>(n));
  return true;
}

JsonStreamReader::Status JsonStreamReader::next(std::string& out) {
  // Skip whitespace between values.
  for (;;) {
    while (pos_ < buf_.size() &&
           (buf_[pos_] == ' ' || buf_[pos_] == '\n' || buf_[pos_] == '\r' || buf_[pos_] == '\t')) {
      ++pos_;
    }
    if (pos_ < buf_.size()) break;
    if (!fill()) return read_error_ ? Status::kReadError : Status::kEnd;
  }
  if (buf_[pos_] != '{' && buf_[pos_] != '[') return Status::kMalformed;
  // Scan to the matching close, tracking strings so braces inside them do not count.
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  size_t i = pos_;
  for (;;) {
    for (; i < buf_.size(); ++i) {
      const char c = buf_[i];
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          out.assign(buf_, pos_, i + 1 - pos_);
          pos_ = i + 1;
          return Status::kValue;
        }
      }
      if (i + 1 - pos_ > max_) return Status::kTooLarge;
    }
    const size_t start = pos_;
    if (!fill()) return read_error_ ? Status::kReadError : Status::kMalformed;
    i -= start;  // fill() moved the unconsumed bytes to the front
  }
}

}  // namespace samsa::admin_http
