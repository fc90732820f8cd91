// Input: two bytes giving the length of a fuzzed .index, then that .index, then a fuzzed
// .timeindex. They sit next to a fixed, valid .log of many small batches, and Segment::open runs
// without recovery, as for segments below the recovery point after a clean shutdown. Whatever the
// index files hold, the opened segment must locate every batch correctly (a corrupt index is
// rebuilt or refused, never trusted into a wrong answer), keep time look-ups inside the segment and
// report the log's true largest timestamp.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_util.h"
#include "protocol/records/record_builder.h"
#include "storage/file_util.h"
#include "storage/segment.h"
#include "storage/types.h"

using namespace samsa;

namespace {

constexpr int64_t kBase = 500;
constexpr int64_t kFirstTimestamp = 1'700'000'000'000;

struct LogFile {
  std::vector<uint8_t> bytes;
  std::vector<records::BatchHeader> headers;
  std::vector<int64_t> positions;
};

// 60 batches of 1-3 records; timestamps rise except for a dip, as producers' clocks do.
const LogFile& valid_log() {
  static const LogFile log = [] {
    LogFile f;
    int64_t offset = kBase;
    for (int b = 0; b < 60; ++b) {
      std::vector<records::Record> recs(1 + b % 3);
      for (size_t i = 0; i < recs.size(); ++i) {
        recs[i].key = "key" + std::to_string(b);
        recs[i].value = std::string(30 + b, 'v');
        recs[i].timestamp_delta = static_cast<int64_t>(i);
      }
      records::BuildOptions opts;
      opts.base_offset = offset;
      const int64_t ts = kFirstTimestamp + b * 10 - (b == 30 ? 200 : 0);
      auto batch = records::build_batch(recs, ts, opts);
      f.positions.push_back(static_cast<int64_t>(f.bytes.size()));
      f.headers.push_back(*records::parse_header(batch));
      f.bytes.insert(f.bytes.end(), batch.begin(), batch.end());
      offset += static_cast<int64_t>(recs.size());
    }
    return f;
  }();
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t index_len = std::min<size_t>((size_t{data[0]} << 8) | data[1], size - 2);
  std::span<const uint8_t> index(data + 2, index_len);
  std::span<const uint8_t> timeindex(data + 2 + index_len, size - 2 - index_len);

  const auto& log = valid_log();
  const auto& dir = fuzz::scratch_dir();
  fuzz::write_file(dir / storage::segment_file_name(kBase, ".log"), log.bytes);
  fuzz::write_file(dir / storage::segment_file_name(kBase, ".index"), index);
  fuzz::write_file(dir / storage::segment_file_name(kBase, ".timeindex"), timeindex);

  storage::LogConfig cfg;
  cfg.index_interval_bytes = 256;
  int64_t dropped = 0;
  std::shared_ptr<storage::Segment> seg;
  try {
    seg = storage::Segment::open(dir, kBase, cfg, /*recover=*/false, kBase, &dropped);
  } catch (const storage::StorageError&) {
    return 0;  // refusing a corrupt index is allowed
  }
  if (dropped != 0 || seg->size() != static_cast<int64_t>(log.bytes.size()))
    fuzz::fail("opening without recovery changed a valid log");
  if (seg->next_offset() != log.headers.back().last_offset() + 1)
    fuzz::fail("next offset " + std::to_string(seg->next_offset()) + " is wrong");
  for (size_t i = 0; i < log.headers.size(); ++i) {
    const auto& h = log.headers[i];
    for (int64_t off : {h.base_offset, h.last_offset()}) {
      auto loc = seg->find(off);
      if (!loc || loc->position != log.positions[i] || loc->header.base_offset != h.base_offset)
        fuzz::fail("find(" + std::to_string(off) + ") misses its batch");
    }
  }
  if (seg->find(log.headers.back().last_offset() + 1)) fuzz::fail("find past the end succeeded");
  // The index files are trusted only as far as a cheap check against the log can confirm them
  // (a full check would be recovery). What such a check can and must guarantee: look-ups stay
  // inside the segment, and the segment's largest timestamp (which retention.ms compares) is the
  // log's, not a number read from a damaged file.
  int64_t true_max_ts = -1;
  for (const auto& h : log.headers) true_max_ts = std::max(true_max_ts, h.max_timestamp);
  if (seg->max_timestamp() != true_max_ts)
    fuzz::fail("max timestamp " + std::to_string(seg->max_timestamp()) + " but the log's is " +
               std::to_string(true_max_ts));
  if (seg->max_timestamp_offset() < kBase || seg->max_timestamp_offset() >= seg->next_offset())
    fuzz::fail("max timestamp offset " + std::to_string(seg->max_timestamp_offset()) +
               " outside the segment");
  for (size_t i = 0; i < log.headers.size(); i += 7) {
    const int64_t start = seg->time_lookup_start(log.headers[i].max_timestamp);
    if (start < kBase || start > seg->next_offset())
      fuzz::fail("time look-up starts at " + std::to_string(start) + ", outside the segment [" +
                 std::to_string(kBase) + ", " + std::to_string(seg->next_offset()) + ")");
  }
  return 0;
}
