// The read side of Log: locating fetched batches and timestamp look-ups. Each takes the log's
// shared lock only to look up indexes and snapshot segment sizes; reading and decoding the bytes
// happen after it is released (sealed segments never change, and the active one only grows past
// the snapshot), so appends never wait behind a read's disk I/O.
#include <algorithm>
#include <vector>

#include "storage/batch_filter.h"
#include "storage/log.h"

namespace samsa::storage {
using records::BatchHeader;

namespace {

constexpr int32_t kMinBatchLength =
    static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead);

// Reads the batch headers of one segment file in order, through a small window: walking many
// small batches costs one pread per window rather than one per batch. Positions are bounded by
// `end`, a size snapshot taken under the log's lock, so no Segment state is touched here.
class HeaderCursor {
 public:
  HeaderCursor(int fd, int64_t end) : fd_(fd), end_(end) {}

  // The header at `pos`, if a whole one lies before the end.
  std::optional<BatchHeader> at(int64_t pos) {
    constexpr auto kHeader = static_cast<int64_t>(records::kBatchHeaderSize);
    if (pos + kHeader > end_) return std::nullopt;
    if (pos < window_pos_ || pos + kHeader > window_pos_ + window_len_) {
      const auto want = static_cast<size_t>(std::min<int64_t>(sizeof window_, end_ - pos));
      window_len_ = static_cast<int64_t>(pread_full(fd_, window_, want, pos));
      window_pos_ = pos;
      if (window_len_ < kHeader) return std::nullopt;
    }
    return records::parse_header(
        std::span<const uint8_t>(window_ + (pos - window_pos_), records::kBatchHeaderSize));
  }

 private:
  int fd_;
  int64_t end_;
  int64_t window_pos_ = 0;
  int64_t window_len_ = 0;
  uint8_t window_[8192];
};

// Length of the longest prefix of `data` made of whole batches.
size_t whole_batches_prefix(std::span<const uint8_t> data) {
  size_t pos = 0;
  while (pos + records::kBatchHeaderSize <= data.size()) {
    auto h = records::parse_header(data.subspan(pos));
    if (!h || h->length < kMinBatchLength ||
        static_cast<uint64_t>(h->total_size()) > data.size() - pos)
      break;
    pos += static_cast<size_t>(h->total_size());
  }
  return pos;
}

// Where a timestamp scan starts, taken under the log's lock; the scan itself (header reads and
// decoding an uncompressed batch) runs after it is released, bounded by the size snapshot.
struct TimestampScan {
  std::shared_ptr<const Segment> segment;
  int64_t position;
  int64_t end;
  BatchHeader first;
  int64_t from;
};

std::optional<std::pair<int64_t, int64_t>> scan_for_timestamp(const TimestampScan& s, int64_t ts,
                                                              bool exact_max) {
  const int fd = s.segment->log_fd();
  HeaderCursor headers(fd, s.end);
  int64_t pos = s.position;
  std::optional<BatchHeader> h = s.first;
  while (h && h->length >= kMinBatchLength && h->total_size() <= s.end - pos) {
    if (h->max_timestamp >= ts) {
      if (h->compression() != records::Compression::kNone ||
          h->timestamp_type() == records::TimestampType::kLogAppendTime)
        return std::make_pair(std::max(h->base_offset, exact_max ? h->base_offset : s.from),
                              h->max_timestamp);
      // Uncompressed: find the exact record. The batch is on disk and was validated, and its size
      // is bounded by the segment.
      std::vector<uint8_t> batch(static_cast<size_t>(h->total_size()));
      if (pread_full(fd, batch.data(), batch.size(), pos) != batch.size()) return std::nullopt;
      std::optional<std::pair<int64_t, int64_t>> found;
      // Offset deltas may have gaps here: the log cleaner keeps records' original offsets.
      std::vector<FilterRecord> recs;
      decode_batch_records(batch, *h, &recs);
      for (const auto& r : recs) {
        bool match = exact_max ? r.timestamp == ts : (r.timestamp >= ts && r.offset >= s.from);
        if (match) {
          found = std::make_pair(r.offset, r.timestamp);
          break;
        }
      }
      if (found) return found;
      if (exact_max) return std::make_pair(h->last_offset(), h->max_timestamp);
    }
    pos += h->total_size();
    h = headers.at(pos);
  }
  return std::nullopt;
}

}  // namespace

FileSlice Log::locate(int64_t offset, int32_t max_bytes, int64_t max_offset,
                      bool min_one_batch) const {
  return with_dir_io(*health_, "read", name_, [&] {
    return locate_unchecked(offset, max_bytes, max_offset, min_one_batch);
  });
}

FetchSlice Log::read_located(const FileSlice& slice) const {
  return with_dir_io(*health_, "read", name_, [&] { return read_regions(slice); });
}

FileSlice Log::locate_unchecked(int64_t offset, int32_t max_bytes, int64_t max_offset,
                                bool min_one_batch) const {
  FileSlice out;
  // Under the lock only the index look-ups and a snapshot of each segment's published size:
  // sealed segments never change and the active one only grows past the size snapshotted here, so
  // the header walk below and the caller's read or sendfile run without the lock.
  struct Start {
    std::shared_ptr<const Segment> segment;
    int64_t position;
    int64_t end;
    BatchHeader first;
  };
  std::vector<Start> starts;
  {
    std::shared_lock lk(mu_);
    if (offset < log_start_ || offset > next_offset_) {
      out.out_of_range = true;
      return out;
    }
    if (offset >= max_offset) return out;
    const int64_t wanted = std::max<int64_t>(max_bytes, 1);
    int64_t available = 0;
    auto it = segments_.upper_bound(offset);
    if (it != segments_.begin()) --it;
    for (; it != segments_.end() && available < wanted; ++it) {
      const Segment& seg = *it->second;
      if (seg.base_offset() >= max_offset) break;
      auto loc = seg.find(std::max(offset, seg.base_offset()));
      if (!loc) continue;
      starts.push_back(Start{it->second, loc->position, seg.size(), loc->header});
      available += seg.size() - loc->position;
    }
  }

  int64_t remaining = std::max<int32_t>(max_bytes, 0);
  bool first = true;
  for (const Start& s : starts) {
    HeaderCursor headers(s.segment->log_fd(), s.end);
    int64_t pos = s.position;
    // The first header came with the index look-up; the others are read as the walk goes.
    BatchHeader h = s.first;
    bool have_header = true;
    bool stop = false;
    while (pos + static_cast<int64_t>(records::kBatchHeaderSize) <= s.end) {
      if (!have_header) {
        auto next = headers.at(pos);
        if (!next) {
          stop = true;
          break;
        }
        h = *next;
      }
      // A damaged header stops the slice: serve only batches known to be whole.
      if (h.magic != records::kMagicV2 || h.length < kMinBatchLength ||
          h.total_size() > s.end - pos || h.base_offset >= max_offset) {
        stop = true;
        break;
      }
      // Kafka's rule: the first batch goes out whole even above the limit, so a consumer can
      // always make progress.
      if (h.total_size() > remaining && !(first && min_one_batch)) {
        stop = true;
        break;
      }
      pos += h.total_size();
      remaining -= h.total_size();
      first = false;
      have_header = false;
    }
    if (pos > s.position) {
      out.regions.push_back(FileRegion{s.segment, s.position, pos - s.position});
      out.size += pos - s.position;
    }
    if (stop || pos < s.end) break;  // size limit or max_offset reached
  }
  return out;
}

FetchSlice Log::read_regions(const FileSlice& slice) {
  FetchSlice out;
  out.out_of_range = slice.out_of_range;
  if (slice.size <= 0) return out;
  out.data = ByteBuffer(static_cast<size_t>(slice.size));
  size_t got = 0;
  bool short_read = false;
  for (const FileRegion& r : slice.regions) {
    const auto len = static_cast<size_t>(r.length);
    const size_t n = pread_full(r.segment->log_fd(), out.data.data() + got, len, r.position);
    got += n;
    if (n < len) {  // truncated since it was located (a follower's truncation, recovery)
      short_read = true;
      break;
    }
  }
  out.data.set_size(short_read ? whole_batches_prefix({out.data.data(), got}) : got);
  return out;
}

FetchSlice Log::read(int64_t offset, int32_t max_bytes, int64_t max_offset,
                     bool min_one_batch) const {
  return read_located(locate(offset, max_bytes, max_offset, min_one_batch));
}

std::optional<std::pair<int64_t, int64_t>> Log::offset_for_timestamp(int64_t ts) const {
  // One segment at a time: the lock is taken to pick the next candidate and locate the scan start,
  // and released for the scan.
  int64_t next_base = INT64_MIN;
  for (;;) {
    std::optional<TimestampScan> scan;
    {
      std::shared_lock lk(mu_);
      for (auto it = segments_.lower_bound(next_base); it != segments_.end() && !scan; ++it) {
        const auto& seg = it->second;
        next_base = it->first + 1;
        if (seg->empty() || seg->max_timestamp() < ts || seg->next_offset() <= log_start_) continue;
        int64_t from = std::max(seg->time_lookup_start(ts), log_start_);
        if (auto loc = seg->find(from))
          scan = TimestampScan{seg, loc->position, seg->size(), loc->header, from};
      }
    }
    if (!scan) return std::nullopt;
    if (auto r = scan_for_timestamp(*scan, ts, false)) return r;
  }
}

std::optional<std::pair<int64_t, int64_t>> Log::max_timestamp_offset() const {
  std::optional<TimestampScan> scan;
  int64_t ts = -1;
  {
    std::shared_lock lk(mu_);
    std::shared_ptr<const Segment> best;
    for (const auto& [base, seg] : segments_)
      if (!seg->empty() && seg->max_timestamp() >= 0 &&
          (!best || seg->max_timestamp() > best->max_timestamp()))
        best = seg;
    if (!best) return std::nullopt;
    ts = best->max_timestamp();
    const int64_t from = best->max_timestamp_offset();
    if (auto loc = best->find(from))
      scan = TimestampScan{best, loc->position, best->size(), loc->header, from};
  }
  if (!scan) return std::nullopt;
  return scan_for_timestamp(*scan, ts, true);
}

}  // namespace samsa::storage
