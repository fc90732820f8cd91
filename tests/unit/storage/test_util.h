#pragma once

#include <unistd.h>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "protocol/records/record_builder.h"
#include "storage/types.h"

namespace samsa::storage::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "samsa-storage-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A batch of `n` records, each `value_size` bytes, timestamps ts, ts+1, ...
inline std::vector<uint8_t> make_batch(int n, int64_t ts, size_t value_size = 40) {
  std::vector<records::Record> recs(n);
  for (int i = 0; i < n; ++i) {
    recs[i].key = "k" + std::to_string(i);
    recs[i].value = std::string(value_size, static_cast<char>('a' + i % 26));
    recs[i].timestamp_delta = i;
  }
  return records::build_batch(recs, ts);
}

// Base offsets of the whole batches in `data`; fails the caller's expectations if any is partial.
inline std::vector<records::BatchHeader> headers_of(std::span<const uint8_t> data) {
  std::vector<records::BatchHeader> out;
  size_t pos = 0;
  while (pos < data.size()) {
    auto h = records::parse_header(data.subspan(pos));
    if (!h || pos + h->total_size() > data.size()) return {};
    out.push_back(*h);
    pos += h->total_size();
  }
  return out;
}

// Segments that roll every couple of kilobytes, with an index entry every few batches.
inline LogConfig small_segments() {
  LogConfig c;
  c.segment_bytes = 2000;
  c.index_interval_bytes = 300;
  c.segment_index_bytes = 4096;
  return c;
}

}  // namespace samsa::storage::test
