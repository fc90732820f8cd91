#include "storage/segment.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "protocol/records/crc32c.h"

namespace samsa::storage {
namespace fs = std::filesystem;
using records::BatchHeader;

namespace {

constexpr size_t kOffsetEntrySize = 8;
constexpr size_t kTimeEntrySize = 12;
constexpr int32_t kMinBatchLength =
    static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead);
// Recovery checksums batches in chunks so a huge (or lying) length never drives allocation.
constexpr size_t kCrcChunk = 1 << 20;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void encode_offset(uint8_t* p, const Segment::OffsetEntry& e) {
  records::write_be32(p, e.rel);
  records::write_be32(p + 4, e.pos);
}
void encode_time(uint8_t* p, const Segment::TimeEntry& e) {
  records::write_be64(p, e.ts);
  records::write_be32(p + 8, e.rel);
}

}  // namespace

Segment::Segment(const fs::path& dir, int64_t base, const LogConfig& cfg)
    : base_(base),
      cfg_(cfg),
      log_path_(dir / segment_file_name(base, ".log")),
      index_path_(dir / segment_file_name(base, ".index")),
      time_path_(dir / segment_file_name(base, ".timeindex")),
      next_offset_(base) {}

Segment::~Segment() = default;

std::shared_ptr<Segment> Segment::create(const fs::path& dir, int64_t base, const LogConfig& cfg) {
  std::shared_ptr<Segment> s(new Segment(dir, base, cfg));
  s->log_fd_ = open_file(s->log_path_, O_RDWR | O_CREAT | O_TRUNC);
  s->activate();
  return s;
}

std::shared_ptr<Segment> Segment::open(const fs::path& dir, int64_t base, const LogConfig& cfg,
                                       bool recover, int64_t expected_first, int64_t* dropped) {
  std::shared_ptr<Segment> s(new Segment(dir, base, cfg));
  s->log_fd_ = open_file(s->log_path_, O_RDWR);
  s->size_ = file_size(s->log_fd_.get());
  *dropped = 0;
  if (recover || !s->load_indexes()) {
    *dropped = s->recover(std::max(base, expected_first));
    s->write_index_files_exact();
  }
  if (!s->empty()) s->first_append_ms_ = wall_ms();
  return s;
}

std::shared_ptr<Segment> Segment::open_staged(const fs::path& dir, int64_t base,
                                              const LogConfig& cfg, const std::string& suffix) {
  std::shared_ptr<Segment> s(new Segment(dir, base, cfg));
  s->log_path_ = dir / segment_file_name(base, (".log" + suffix).c_str());
  s->index_path_ = dir / segment_file_name(base, (".index" + suffix).c_str());
  s->time_path_ = dir / segment_file_name(base, (".timeindex" + suffix).c_str());
  s->log_fd_ = open_file(s->log_path_, O_RDWR);
  s->index_from_headers();
  s->write_index_files_exact();
  return s;
}

void Segment::rename_files(const std::string& suffix) {
  const fs::path dir = log_path_.parent_path();
  auto move = [&](fs::path& from, const char* ext) {
    fs::path to = dir / segment_file_name(base_, (ext + suffix).c_str());
    rename_file(from, to);
    from = std::move(to);
  };
  move(index_path_, ".index");
  move(time_path_, ".timeindex");
  move(log_path_, ".log");
}

void Segment::index_from_headers() {
  reset_state();
  size_ = file_size(log_fd_.get());
  int64_t pos = 0;
  while (pos < size_) {
    auto h = header_at(pos);
    if (!h || h->magic != records::kMagicV2 || h->length < kMinBatchLength ||
        h->total_size() > size_ - pos || h->base_offset < next_offset_ ||
        !fits_offset(h->last_offset()))
      throw StorageError(log_path_.string() + ": not a sequence of whole batches at " +
                         std::to_string(pos));
    index_batch(*h, pos);
    pos += h->total_size();
  }
}

bool Segment::index_full() const {
  return index_full(offset_index_.size(), time_index_.size());
}

bool Segment::index_full(size_t offsets, size_t times) const {
  size_t max_offsets = std::max<size_t>(1, cfg_.segment_index_bytes / kOffsetEntrySize);
  size_t max_times = std::max<size_t>(1, cfg_.segment_index_bytes / kTimeEntrySize);
  return offsets >= max_offsets || times >= max_times;
}

void Segment::reset_state() {
  size_ = 0;
  next_offset_ = base_;
  max_ts_ = -1;
  max_ts_offset_ = -1;
  bytes_since_index_ = 0;
  offset_index_.clear();
  time_index_.clear();
}

Segment::PendingAppend Segment::begin_pending() const {
  return PendingAppend{
      size_, next_offset_, max_ts_, max_ts_offset_, bytes_since_index_, first_append_ms_, {}, {}};
}

void Segment::plan_batch(const BatchHeader& h, int64_t position, PendingAppend& p) const {
  if (h.max_timestamp > p.max_ts) {
    p.max_ts = h.max_timestamp;
    p.max_ts_offset = h.last_offset();
  }
  // Kafka's rule: an entry once more than index.interval.bytes were appended since the last one.
  if (p.bytes_since_index > cfg_.index_interval_bytes &&
      !index_full(offset_index_.size() + p.offsets.size(), time_index_.size() + p.times.size())) {
    auto rel = static_cast<int32_t>(h.last_offset() - base_);
    const OffsetEntry* last_off = !p.offsets.empty()       ? &p.offsets.back()
                                  : !offset_index_.empty() ? &offset_index_.back()
                                                           : nullptr;
    if (last_off == nullptr || rel > last_off->rel)
      p.offsets.push_back({rel, static_cast<int32_t>(position)});
    const TimeEntry* last_time = !p.times.empty()       ? &p.times.back()
                                 : !time_index_.empty() ? &time_index_.back()
                                                        : nullptr;
    if (last_time == nullptr || p.max_ts > last_time->ts)
      p.times.push_back({p.max_ts, static_cast<int32_t>(p.max_ts_offset - base_)});
    p.bytes_since_index = 0;
  }
  p.bytes_since_index += h.total_size();
  p.next_offset = h.last_offset() + 1;
  p.size = position + h.total_size();
}

void Segment::apply_index(PendingAppend& p) {
  offset_index_.insert(offset_index_.end(), p.offsets.begin(), p.offsets.end());
  time_index_.insert(time_index_.end(), p.times.begin(), p.times.end());
  next_offset_ = p.next_offset;
  max_ts_ = p.max_ts;
  max_ts_offset_ = p.max_ts_offset;
  bytes_since_index_ = p.bytes_since_index;
}

void Segment::index_batch(const BatchHeader& h, int64_t position) {
  PendingAppend p = begin_pending();
  plan_batch(h, position, p);
  apply_index(p);
}

Segment::PendingAppend Segment::write_batches(std::span<const uint8_t> data,
                                              const std::vector<BatchHeader>& headers,
                                              int64_t now_ms) {
  PendingAppend p = begin_pending();
  int64_t pos = size_;
  pwrite_full(log_fd_.get(), data.data(), data.size(), pos);
  for (const auto& h : headers) {
    plan_batch(h, pos, p);
    pos += h.total_size();
  }
  if (p.first_append_ms < 0) p.first_append_ms = now_ms;
  write_entries_to_files(p.offsets, offset_index_.size(), p.times, time_index_.size());
  return p;
}

void Segment::publish(PendingAppend&& p) {
  apply_index(p);
  size_ = p.size;
  first_append_ms_ = p.first_append_ms;
}

void Segment::write_entries_to_files(const std::vector<OffsetEntry>& offsets, size_t first_offset,
                                     const std::vector<TimeEntry>& times, size_t first_time) {
  uint8_t buf[kTimeEntrySize];
  if (index_fd_.valid()) {
    for (size_t i = 0; i < offsets.size(); ++i) {
      encode_offset(buf, offsets[i]);
      pwrite_full(index_fd_.get(), buf, kOffsetEntrySize,
                  static_cast<int64_t>((first_offset + i) * kOffsetEntrySize));
    }
  }
  if (time_fd_.valid()) {
    for (size_t i = 0; i < times.size(); ++i) {
      encode_time(buf, times[i]);
      pwrite_full(time_fd_.get(), buf, kTimeEntrySize,
                  static_cast<int64_t>((first_time + i) * kTimeEntrySize));
    }
  }
}

std::optional<BatchHeader> Segment::header_at(int64_t position) const {
  if (position < 0 || position + static_cast<int64_t>(records::kBatchHeaderSize) > size_)
    return std::nullopt;
  uint8_t buf[records::kBatchHeaderSize];
  if (pread_full(log_fd_.get(), buf, sizeof buf, position) != sizeof buf) return std::nullopt;
  return records::parse_header(buf);
}

std::optional<Segment::Located> Segment::find(int64_t offset) const {
  if (offset >= next_offset_) return std::nullopt;
  const int64_t rel = offset - base_;
  auto entry = std::upper_bound(offset_index_.begin(), offset_index_.end(), rel,
                                [](int64_t r, const OffsetEntry& e) { return r < e.rel; });
  int64_t pos = 0;
  int64_t entry_last = -1;  // the last offset of the batch the index entry points at
  if (entry != offset_index_.begin()) {
    pos = std::prev(entry)->pos;
    entry_last = base_ + std::prev(entry)->rel;
  }
  bool from_index = pos != 0;
  bool at_entry = from_index;
  while (pos < size_) {
    auto h = header_at(pos);
    bool damaged = !h || h->magic != records::kMagicV2 || h->length < kMinBatchLength;
    // Only the last index entry is checked when a segment is opened; an entry pointing anywhere
    // but at the batch it names must not send the look-up past the batch it is after.
    if (!damaged && at_entry && h->last_offset() != entry_last) damaged = true;
    at_entry = false;
    if (damaged) {
      // A damaged index entry must not make us serve garbage: rescan from the start once.
      if (!from_index) return std::nullopt;
      from_index = false;
      pos = 0;
      continue;
    }
    if (h->last_offset() >= offset) return Located{pos, *h};
    pos += h->total_size();
  }
  return std::nullopt;
}

int64_t Segment::time_lookup_start(int64_t ts) const {
  auto it = std::lower_bound(time_index_.begin(), time_index_.end(), ts,
                             [](const TimeEntry& e, int64_t t) { return e.ts < t; });
  if (it == time_index_.begin()) return base_;
  // Every batch up to and including that entry's offset has timestamps below ts.
  return base_ + std::prev(it)->rel + 1;
}

size_t Segment::read(uint8_t* buf, size_t len, int64_t position) const {
  if (position >= size_) return 0;
  len = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(len), size_ - position));
  return pread_full(log_fd_.get(), buf, len, position);
}

int64_t Segment::recover(int64_t expected_first) {
  reset_state();
  const int64_t file_sz = file_size(log_fd_.get());
  int64_t pos = 0;
  int64_t expected = expected_first;
  std::vector<uint8_t> chunk;
  while (file_sz - pos >= static_cast<int64_t>(records::kBatchHeaderSize)) {
    uint8_t hb[records::kBatchHeaderSize];
    if (pread_full(log_fd_.get(), hb, sizeof hb, pos) != sizeof hb) break;
    auto h = *records::parse_header(hb);
    if (h.magic != records::kMagicV2 || h.length < kMinBatchLength ||
        h.total_size() > file_sz - pos || h.base_offset < expected || h.last_offset_delta < 0 ||
        !fits_offset(h.last_offset()))
      break;
    // CRC over attributes..end, read in bounded chunks.
    int64_t crc_pos = pos + static_cast<int64_t>(records::kAttributesOffset);
    int64_t end = pos + h.total_size();
    uint32_t crc = 0;
    bool io_ok = true;
    while (crc_pos < end) {
      size_t n = static_cast<size_t>(std::min<int64_t>(kCrcChunk, end - crc_pos));
      chunk.resize(n);
      if (pread_full(log_fd_.get(), chunk.data(), n, crc_pos) != n) {
        io_ok = false;
        break;
      }
      crc = records::crc32c(chunk.data(), n, crc);
      crc_pos += static_cast<int64_t>(n);
    }
    if (!io_ok || crc != h.crc) break;
    index_batch(h, pos);
    pos = end;
    expected = h.last_offset() + 1;
  }
  size_ = pos;
  int64_t dropped = file_sz - pos;
  if (dropped > 0) truncate_fd(log_fd_.get(), pos);
  return dropped;
}

bool Segment::load_indexes() {
  if (!load_indexes_checked()) {
    std::error_code ec;
    if (fs::exists(index_path_, ec))
      spdlog::warn(
          "event=index_rebuilt segment={}: index files missing or inconsistent with the log",
          log_path_.string());
    return false;
  }
  return true;
}

bool Segment::load_indexes_checked() {
  reset_state();
  const int64_t log_size = file_size(log_fd_.get());
  size_ = log_size;
  std::error_code ec;
  if (!fs::exists(index_path_, ec) || !fs::exists(time_path_, ec)) return false;
  // No more entries can be meaningful than batches that fit in the log.
  const int64_t max_entries = log_size / static_cast<int64_t>(records::kBatchHeaderSize) + 1;
  {
    Fd fd = open_file(index_path_, O_RDONLY);
    int64_t sz = file_size(fd.get());
    if (sz % static_cast<int64_t>(kOffsetEntrySize) != 0) return false;
    int64_t n = std::min<int64_t>(sz / static_cast<int64_t>(kOffsetEntrySize), max_entries);
    std::vector<uint8_t> buf(static_cast<size_t>(n) * kOffsetEntrySize);
    buf.resize(pread_full(fd.get(), buf.data(), buf.size(), 0));
    for (size_t i = 0; i + kOffsetEntrySize <= buf.size(); i += kOffsetEntrySize) {
      OffsetEntry e{records::read_be32(&buf[i]), records::read_be32(&buf[i + 4])};
      if (e.rel == 0 && e.pos == 0) break;  // preallocated, never written
      if (!offset_index_.empty() &&
          (e.rel <= offset_index_.back().rel || e.pos <= offset_index_.back().pos))
        break;
      if (e.rel < 0 || e.pos < 0 || e.pos >= log_size) return false;
      offset_index_.push_back(e);
    }
  }
  {
    Fd fd = open_file(time_path_, O_RDONLY);
    int64_t sz = file_size(fd.get());
    if (sz % static_cast<int64_t>(kTimeEntrySize) != 0) return false;
    int64_t n = std::min<int64_t>(sz / static_cast<int64_t>(kTimeEntrySize), max_entries);
    std::vector<uint8_t> buf(static_cast<size_t>(n) * kTimeEntrySize);
    buf.resize(pread_full(fd.get(), buf.data(), buf.size(), 0));
    for (size_t i = 0; i + kTimeEntrySize <= buf.size(); i += kTimeEntrySize) {
      TimeEntry e{records::read_be64(&buf[i]), records::read_be32(&buf[i + 8])};
      if (e.ts == 0 && e.rel == 0) break;
      if (!time_index_.empty() && (e.ts <= time_index_.back().ts || e.rel < time_index_.back().rel))
        break;
      if (e.rel < 0) return false;
      time_index_.push_back(e);
    }
  }
  // Verify the last offset entry against the log, then walk the tail after it to find the end.
  int64_t pos = 0;
  int64_t expected = base_;
  if (!offset_index_.empty()) {
    const auto& last = offset_index_.back();
    auto h = header_at(last.pos);
    if (!h || h->magic != records::kMagicV2 || h->last_offset() != base_ + last.rel) return false;
    pos = last.pos;
    expected = h->base_offset;
  }
  if (!time_index_.empty()) {
    max_ts_ = time_index_.back().ts;
    max_ts_offset_ = base_ + time_index_.back().rel;
  }
  while (pos < log_size) {
    auto h = header_at(pos);
    if (!h || h->magic != records::kMagicV2 || h->length < kMinBatchLength ||
        h->total_size() > log_size - pos || h->base_offset < expected || h->last_offset_delta < 0)
      return false;  // the tail is not what a clean shutdown leaves: recover instead
    if (h->max_timestamp > max_ts_) {
      max_ts_ = h->max_timestamp;
      max_ts_offset_ = h->last_offset();
    }
    next_offset_ = h->last_offset() + 1;
    expected = next_offset_;
    pos += h->total_size();
  }
  if (!time_index_.empty() && max_ts_offset_ >= next_offset_) return false;
  if (!time_index_.empty()) {
    // Retention and ListOffsets trust the time index, so its last entry (which bounds every
    // earlier one: entries grow in both fields) must name a batch of this segment whose max
    // timestamp it is; a damaged entry must not make the segment look newer than its records.
    const TimeEntry& last = time_index_.back();
    if (base_ + last.rel >= next_offset_) return false;
    auto loc = find(base_ + last.rel);
    if (!loc || loc->header.max_timestamp != last.ts) return false;
  }
  bytes_since_index_ = offset_index_.empty() ? log_size : log_size - offset_index_.back().pos;
  return true;
}

void Segment::write_index_files_exact() {
  index_fd_.reset();
  time_fd_.reset();
  std::vector<uint8_t> buf(offset_index_.size() * kOffsetEntrySize);
  for (size_t i = 0; i < offset_index_.size(); ++i)
    encode_offset(&buf[i * kOffsetEntrySize], offset_index_[i]);
  {
    Fd fd = open_file(index_path_, O_RDWR | O_CREAT | O_TRUNC);
    pwrite_full(fd.get(), buf.data(), buf.size(), 0);
  }
  buf.assign(time_index_.size() * kTimeEntrySize, 0);
  for (size_t i = 0; i < time_index_.size(); ++i)
    encode_time(&buf[i * kTimeEntrySize], time_index_[i]);
  Fd fd = open_file(time_path_, O_RDWR | O_CREAT | O_TRUNC);
  pwrite_full(fd.get(), buf.data(), buf.size(), 0);
}

void Segment::activate() {
  if (index_fd_.valid()) return;
  write_index_files_exact();
  index_fd_ = open_file(index_path_, O_RDWR);
  time_fd_ = open_file(time_path_, O_RDWR);
  // Preallocation as Kafka does; ftruncate makes a sparse file, so it costs no memory or disk.
  int64_t idx = cfg_.segment_index_bytes / kOffsetEntrySize * kOffsetEntrySize;
  int64_t tim = cfg_.segment_index_bytes / kTimeEntrySize * kTimeEntrySize;
  truncate_fd(index_fd_.get(), std::max<int64_t>(idx, offset_index_.size() * kOffsetEntrySize));
  truncate_fd(time_fd_.get(), std::max<int64_t>(tim, time_index_.size() * kTimeEntrySize));
}

Segment::SealedIndexFiles Segment::seal() {
  if (!index_fd_.valid()) return {};
  std::vector<TimeEntry> last;
  if (max_ts_ >= 0 && (time_index_.empty() || max_ts_ > time_index_.back().ts))
    last.push_back({max_ts_, static_cast<int32_t>(max_ts_offset_ - base_)});
  // Files first: the entry becomes visible only once it and the trims are written.
  write_entries_to_files({}, offset_index_.size(), last, time_index_.size());
  truncate_fd(index_fd_.get(), static_cast<int64_t>(offset_index_.size() * kOffsetEntrySize));
  truncate_fd(time_fd_.get(),
              static_cast<int64_t>((time_index_.size() + last.size()) * kTimeEntrySize));
  SealedIndexFiles out{dup_fd(index_fd_.get()), dup_fd(time_fd_.get())};
  time_index_.insert(time_index_.end(), last.begin(), last.end());
  index_fd_.reset();
  time_fd_.reset();
  return out;
}

void Segment::flush() {
  sync_fd(log_fd_.get());
  sync_fd(index_fd_.get());
  sync_fd(time_fd_.get());
}

void Segment::sync_log() const {
  sync_fd(log_fd_.get());
}

int64_t Segment::truncate_to(int64_t offset) {
  int64_t cut;
  if (offset <= base_) {
    cut = 0;
  } else {
    auto loc = find(offset);
    if (!loc) return 0;
    cut = loc->position;
  }
  int64_t removed = size_ - cut;
  bool active = index_fd_.valid();
  truncate_fd(log_fd_.get(), cut);
  recover(base_);  // rebuilds indexes and the max timestamp for what is left
  write_index_files_exact();
  if (active) activate();
  return removed;
}

void Segment::delete_files() {
  // Only the writer uses the index descriptors; the .log's stays open for readers (see sync_log).
  index_fd_.reset();
  time_fd_.reset();
  std::error_code ec;
  fs::remove(log_path_, ec);
  fs::remove(index_path_, ec);
  fs::remove(time_path_, ec);
}

std::vector<fs::path> Segment::mark_deleted() {
  index_fd_.reset();
  time_fd_.reset();
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::path* p : {&log_path_, &index_path_, &time_path_}) {
    if (p != &log_path_ && !fs::exists(*p, ec)) continue;  // an index never written
    fs::path target = *p;
    target += ".deleted";
    rename_file(*p, target);
    out.push_back(std::move(target));
  }
  return out;
}

}  // namespace samsa::storage
