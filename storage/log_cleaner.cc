#include "storage/log_cleaner.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>

#include "protocol/records/batch_conversion.h"
#include "storage/batch_filter.h"
#include "storage/log_manager.h"

namespace samsa::storage {
namespace fs = std::filesystem;
using records::BatchHeader;

namespace {

// Per-entry cost charged against log.cleaner.dedupe.buffer.size besides the key bytes: the hash
// node, the string and the offset.
constexpr size_t kMapEntryOverhead = 64;
constexpr size_t kReadChunk = 1 << 20;

// Bound on a batch's decompressed records: the produce path accepted it under a similar limit.
size_t max_plain(const BatchHeader& h) {
  return std::max<size_t>(records::kMinDecompressedLimit,
                          static_cast<size_t>(h.total_size()) * records::kMaxDecompressionRatio);
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Iterates the whole batches of a sealed segment, reading it in chunks.
class BatchScanner {
 public:
  explicit BatchScanner(const Segment& seg) : seg_(seg) {}
  // The next batch, or false at the end (or at a damaged batch, which ends the scan).
  bool next(BatchHeader* h, std::span<const uint8_t>* batch) {
    if (pos_ + records::kBatchHeaderSize > static_cast<size_t>(seg_.size())) return false;
    if (buf_pos_ + records::kBatchHeaderSize > buf_.size() && !fill(records::kBatchHeaderSize))
      return false;
    auto hdr = records::parse_header(std::span<const uint8_t>(buf_).subspan(buf_pos_));
    if (!hdr ||
        hdr->length < static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead) ||
        pos_ + static_cast<size_t>(hdr->total_size()) > static_cast<size_t>(seg_.size()))
      return false;
    const auto total = static_cast<size_t>(hdr->total_size());
    if (buf_pos_ + total > buf_.size() && !fill(total)) return false;
    *h = *hdr;
    *batch = std::span<const uint8_t>(buf_).subspan(buf_pos_, total);
    buf_pos_ += total;
    pos_ += total;
    return true;
  }
  int64_t bytes_read() const { return read_; }

 private:
  // Makes at least `need` bytes from pos_ available in the buffer (need <= segment size).
  bool fill(size_t need) {
    const size_t want = std::max(need, kReadChunk);
    const size_t len =
        std::min<size_t>(want, static_cast<size_t>(seg_.size()) - static_cast<size_t>(pos_));
    buf_.resize(len);
    size_t got = seg_.read(buf_.data(), len, static_cast<int64_t>(pos_));
    buf_.resize(got);
    buf_pos_ = 0;
    read_ += static_cast<int64_t>(got);
    return got >= need;
  }

  const Segment& seg_;
  std::vector<uint8_t> buf_;
  size_t buf_pos_ = 0;
  size_t pos_ = 0;
  int64_t read_ = 0;
};

// Whether `h` is one of the batches its producer's dedupe state still refers to: emptied by
// cleaning, it stays as a header so a restart rebuilds the same state (Kafka keeps the last).
bool producer_needs_batch(const Log& log, const BatchHeader& h,
                          std::unordered_map<int64_t, std::optional<ProducerEntry>>* cache) {
  if (h.producer_id < 0) return false;
  auto it = cache->find(h.producer_id);
  if (it == cache->end())
    it = cache->emplace(h.producer_id, log.producer_entry(h.producer_id)).first;
  if (!it->second) return false;
  for (const auto& b : it->second->batches)
    if (b.last_offset == h.last_offset()) return true;
  return false;
}

}  // namespace

CleanableRange cleanable_range(const Log& log, int64_t checkpoint, const CompactionPolicy& p,
                               int64_t now_ms) {
  CleanableRange r;
  const int64_t start = log.log_start_offset();
  r.first_dirty = (checkpoint < start || checkpoint > log.log_end_offset()) ? start : checkpoint;
  auto segs = log.sealed_segments();
  r.first_uncleanable = segs.empty() ? start : segs.back()->next_offset();
  for (const auto& s : segs) {
    // min.compaction.lag.ms: a segment holding any record younger than the lag is not cleanable.
    if (s->max_timestamp() > now_ms - p.min_compaction_lag_ms) {
      r.first_uncleanable = s->base_offset();
      break;
    }
  }
  r.first_dirty = std::min(r.first_dirty, std::max(r.first_uncleanable, start));
  for (const auto& s : segs) {
    if (s->base_offset() >= r.first_uncleanable) break;
    if (s->next_offset() <= r.first_dirty) {
      r.clean_bytes += s->size();
      continue;
    }
    r.dirty_bytes += s->size();
    if (!r.forced && p.max_compaction_lag_ms < INT64_MAX) {
      if (auto h = s->header_at(0);
          h && h->max_timestamp >= 0 && h->max_timestamp <= now_ms - p.max_compaction_lag_ms)
        r.forced = true;
    }
  }
  return r;
}

namespace {

std::optional<CleanStats> clean_log_files(Log& log, int64_t checkpoint, const CleanOptions& opts) {
  auto range = cleanable_range(log, checkpoint, opts.policy, opts.now_ms);
  if (range.dirty_bytes == 0) return std::nullopt;
  auto segs = log.sealed_segments();
  CleanStats st;
  st.first_dirty = range.first_dirty;

  // 1. Offset map over the dirty section: key -> offset of its latest record.
  std::unordered_map<std::string, int64_t> latest;
  size_t map_bytes = 0;
  int64_t end = range.first_dirty;
  bool full = false;
  std::vector<FilterRecord> recs;
  std::vector<uint8_t> scratch;  // decompressed records of the current batch
  for (const auto& s : segs) {
    if (full || s->base_offset() >= range.first_uncleanable) break;
    if (s->next_offset() <= range.first_dirty) continue;
    BatchScanner scan(*s);
    BatchHeader h;
    std::span<const uint8_t> batch;
    while (scan.next(&h, &batch)) {
      if (h.last_offset() < range.first_dirty) continue;
      // A batch that cannot be decoded is kept whole, so its keys must not supersede anything.
      if (!h.is_control() && load_batch_records(batch, h, max_plain(h), &scratch, &recs).empty()) {
        size_t need = 0;
        for (const auto& r : recs)
          if (r.key && !latest.count(std::string(*r.key)))
            need += r.key->size() + kMapEntryOverhead;
        if (map_bytes + need > opts.dedupe_buffer_bytes) {
          full = true;  // the rest waits for the next pass
          break;
        }
        map_bytes += need;
        for (const auto& r : recs)
          if (r.key) latest[std::string(*r.key)] = r.offset;
      }
      end = h.last_offset() + 1;
    }
    st.bytes_read += scan.bytes_read();
    if (opts.throttle) opts.throttle(st.bytes_read);
  }
  if (end <= range.first_dirty) {
    if (full)
      spdlog::warn("log {}: a batch's keys exceed log.cleaner.dedupe.buffer.size",
                   log.tp().dir_name());
    return std::nullopt;
  }
  st.end_offset = end;

  // 2. Groups of consecutive segments before `end`, each at most segment.bytes, cleaned into one.
  std::vector<std::vector<std::shared_ptr<const Segment>>> groups;
  int64_t group_bytes = 0;
  for (const auto& s : segs) {
    if (s->base_offset() >= end) break;
    if (groups.empty() || group_bytes + s->size() > log.config().segment_bytes ||
        s->next_offset() - groups.back().front()->base_offset() > INT32_MAX) {
      groups.emplace_back();
      group_bytes = 0;
    }
    groups.back().push_back(s);
    group_bytes += s->size();
  }

  std::unordered_map<int64_t, std::optional<ProducerEntry>> producers;
  std::vector<uint8_t> out;
  std::vector<FilterRecord> keep;
  for (const auto& group : groups) {
    const int64_t base = group.front()->base_offset();
    const fs::path cleaned = log.dir() / segment_file_name(base, ".log.cleaned");
    Fd fd = open_file(cleaned, O_RDWR | O_CREAT | O_TRUNC);
    int64_t written = 0;
    auto drain = [&] {
      pwrite_full(fd.get(), out.data(), out.size(), written);
      written += static_cast<int64_t>(out.size());
      out.clear();
    };
    for (const auto& s : group) {
      BatchScanner scan(*s);
      BatchHeader h;
      std::span<const uint8_t> batch;
      while (scan.next(&h, &batch)) {
        if (h.is_control() ||
            !load_batch_records(batch, h, max_plain(h), &scratch, &recs).empty()) {
          out.insert(out.end(), batch.begin(), batch.end());
          continue;
        }
        st.records_read += static_cast<int64_t>(recs.size());
        keep.clear();
        const auto horizon = delete_horizon_of(h);
        bool has_tombstone = false;
        for (const auto& r : recs) {
          if (r.key) {
            auto it = latest.find(std::string(*r.key));
            if (it != latest.end() && it->second > r.offset) continue;  // superseded
          }
          if (!r.value && horizon && opts.now_ms >= *horizon) continue;  // tombstone expired
          has_tombstone = has_tombstone || !r.value;
          keep.push_back(r);
        }
        st.records_kept += static_cast<int64_t>(keep.size());
        // Tombstones get their horizon the first time they are cleaned (Kafka 3.x).
        std::optional<int64_t> new_horizon = horizon;
        if (has_tombstone && !horizon) new_horizon = opts.now_ms + opts.policy.delete_retention_ms;
        if (keep.size() == recs.size() && new_horizon == horizon) {
          out.insert(out.end(), batch.begin(), batch.end());
        } else if (!keep.empty() || producer_needs_batch(log, h, &producers)) {
          encode_filtered_batch(h, keep, has_tombstone ? new_horizon : std::nullopt, &out);
        }
        if (out.size() >= kReadChunk) drain();
      }
      st.bytes_read += scan.bytes_read();
      if (opts.throttle) opts.throttle(st.bytes_read);
    }
    drain();
    sync_fd(fd.get());
    fd.reset();
    // Indexes are built here, outside the log's locks; the swap itself only renames files.
    auto swapped = Segment::open_staged(log.dir(), base, log.config(), ".cleaned");
    swapped->rename_files(".swap");
    sync_dir(log.dir());
    st.bytes_written += written;
    ++st.segments;
    if (opts.leave_swap) return st;
    std::vector<int64_t> bases;
    for (const auto& s : group) bases.push_back(s->base_offset());
    if (!log.replace_segments(bases, std::move(swapped))) return std::nullopt;
  }
  return st;
}

}  // namespace

std::optional<CleanStats> clean_log(Log& log, int64_t checkpoint, const CleanOptions& opts) {
  return log.cleaner_io([&] { return clean_log_files(log, checkpoint, opts); });
}

void recover_cleaner_files(const fs::path& dir) {
  std::vector<fs::path> swaps;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".cleaned") {
      fs::remove(p, ec);  // the clean never finished; the old segments are intact
    } else if (p.extension() == ".swap" && p.stem().extension() == ".log") {
      swaps.push_back(p);
    }
  }
  for (const auto& swap : swaps) {
    const std::string stem = swap.stem().stem().string();
    if (stem.size() != 20 || !std::all_of(stem.begin(), stem.end(), ::isdigit)) continue;
    const int64_t base = std::stoll(stem);
    // The swap is complete (it was fsynced before the rename); it replaces every segment whose
    // base lies within its offsets. Old segments past its last batch held only removable data.
    int64_t last = base;
    {
      Fd fd = open_file(swap, O_RDONLY);
      const int64_t size = file_size(fd.get());
      int64_t pos = 0;
      uint8_t hdr[records::kBatchHeaderSize];
      while (pos + static_cast<int64_t>(sizeof hdr) <= size &&
             pread_full(fd.get(), hdr, sizeof hdr, pos) == sizeof hdr) {
        auto h = records::parse_header(std::span<const uint8_t>(hdr, sizeof hdr));
        if (!h || h->length <= 0) break;
        last = std::max(last, h->last_offset());
        pos += h->total_size();
      }
    }
    for (const auto& entry : fs::directory_iterator(dir)) {
      const fs::path& p = entry.path();
      if (p.extension() != ".log") continue;
      std::string s = p.stem().string();
      if (s.size() != 20 || !std::all_of(s.begin(), s.end(), ::isdigit)) continue;
      const int64_t b = std::stoll(s);
      if (b < base || b > last) continue;
      fs::remove(p, ec);
      fs::remove(dir / segment_file_name(b, ".index"), ec);
      fs::remove(dir / segment_file_name(b, ".timeindex"), ec);
    }
    // Indexes built with the swap are used when present; otherwise the segment is re-indexed.
    for (const char* ext : {".index", ".timeindex"}) {
      const fs::path staged = dir / segment_file_name(base, (std::string(ext) + ".swap").c_str());
      if (fs::exists(staged, ec)) fs::rename(staged, dir / segment_file_name(base, ext), ec);
    }
    fs::rename(swap, dir / segment_file_name(base, ".log"));
    spdlog::info("event=cleaner_swap_completed dir={} base={}", dir.string(), base);
  }
}

LogCleaner::LogCleaner(LogManager& logs, CleanerConfig cfg, PolicyFn policy_for)
    : logs_(logs), policy_for_(std::move(policy_for)), cfg_(cfg) {
  for (const auto& d : logs_.log_dirs()) {
    std::map<TopicPartition, int64_t> cp;
    try {
      cp = read_offset_checkpoint(d / kCleanerCheckpoint);
    } catch (const std::exception& e) {
      spdlog::warn("ignoring {}: {}", (d / kCleanerCheckpoint).string(), e.what());
    }
    for (const auto& [tp, off] : cp) {
      checkpoints_[tp] = off;
      dir_of_[tp] = d;
    }
  }
}

LogCleaner::~LogCleaner() {
  stop();
}

void LogCleaner::spawn_locked(size_t id) {
  if (workers_.size() <= id) workers_.resize(id + 1);
  workers_[id].running = true;
  workers_[id].thread = std::thread([this, id] { run(id); });
}

void LogCleaner::start() {
  std::lock_guard lk(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  for (int i = 0; i < cfg_.threads; ++i) spawn_locked(static_cast<size_t>(i));
}

void LogCleaner::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    started_ = false;
    for (auto& w : workers_)
      if (w.thread.joinable()) threads.push_back(std::move(w.thread));
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
  std::lock_guard lk(mu_);
  workers_.clear();
}

void LogCleaner::reconfigure(const CleanerConfig& cfg) {
  std::vector<std::thread> finished;
  {
    std::lock_guard lk(mu_);
    if (cfg == cfg_) return;
    cfg_ = cfg;
    // Threads whose loop has returned (shrunk earlier) are joined; free slots below the new
    // count get a fresh thread. A surplus thread still cleaning keeps its slot until it exits.
    for (auto& w : workers_)
      if (!w.running && w.thread.joinable()) finished.push_back(std::move(w.thread));
    if (started_ && !stopping_) {
      for (size_t id = 0; id < static_cast<size_t>(std::max(0, cfg.threads)); ++id)
        if (id >= workers_.size() || !workers_[id].running) spawn_locked(id);
    }
  }
  cv_.notify_all();
  for (auto& t : finished) t.join();
  spdlog::info(
      "event=cleaner_reconfigured threads={} dedupe_buffer_bytes={} io_max_bytes_per_second={} "
      "backoff_ms={}",
      cfg.threads, cfg.dedupe_buffer_bytes, cfg.io_max_bytes_per_second, cfg.backoff_ms);
}

CleanerConfig LogCleaner::config() const {
  std::lock_guard lk(mu_);
  return cfg_;
}

int LogCleaner::running_threads() const {
  std::lock_guard lk(mu_);
  int n = 0;
  for (const auto& w : workers_) n += w.running ? 1 : 0;
  return n;
}

int64_t LogCleaner::checkpoint_of(const TopicPartition& tp) const {
  std::lock_guard lk(mu_);
  auto it = checkpoints_.find(tp);
  return it == checkpoints_.end() ? 0 : it->second;
}

void LogCleaner::run(size_t id) {
  std::unique_lock lk(mu_);
  while (!stopping_ && id < static_cast<size_t>(std::max(0, cfg_.threads))) {
    lk.unlock();
    bool cleaned = false;
    try {
      cleaned = clean_one(wall_ms());
    } catch (const std::exception& e) {
      spdlog::error("event=cleaner_failed error=\"{}\"", e.what());
    }
    lk.lock();
    // reconfigure() and stop() notify, so a shorter backoff or a stop takes effect at once.
    if (!cleaned) cv_.wait_for(lk, std::chrono::milliseconds(cfg_.backoff_ms));
  }
  workers_[id].running = false;
}

void LogCleaner::throttle(int64_t total_bytes, std::chrono::steady_clock::time_point started) {
  std::unique_lock lk(mu_);
  // The limit is re-read after every wake-up: a raised limit releases a throttled pass at once.
  while (!stopping_) {
    const double rate = cfg_.io_max_bytes_per_second;
    if (rate <= 0 || rate >= 1e300) return;
    // Bounded so a tiny rate cannot overflow the clock's duration type.
    const double due_s = std::min(static_cast<double>(total_bytes) / rate, 1e9);
    const auto due = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(due_s));
    if (std::chrono::steady_clock::now() >= due) return;
    cv_.wait_until(lk, due);
  }
}

bool LogCleaner::clean_one(int64_t now_ms) {
  struct Candidate {
    std::shared_ptr<Log> log;
    CompactionPolicy policy;
    int64_t checkpoint;
    double ratio;
  };
  std::optional<Candidate> best;
  for (const auto& tp : logs_.partitions()) {
    auto policy = policy_for_(tp);
    if (!policy) continue;
    auto log = logs_.get(tp);
    if (!log || log->dir_offline()) continue;
    int64_t cp;
    {
      std::lock_guard lk(mu_);
      if (in_progress_.count(tp)) continue;
      auto it = checkpoints_.find(tp);
      cp = it == checkpoints_.end() ? 0 : it->second;
    }
    auto range = cleanable_range(*log, cp, *policy, now_ms);
    if (!range.worth_cleaning(*policy)) continue;
    double ratio = range.forced ? 2.0 : range.dirty_ratio();
    if (!best || ratio > best->ratio) best = Candidate{log, *policy, cp, ratio};
  }
  if (!best) return false;
  const TopicPartition tp = best->log->tp();
  {
    std::lock_guard lk(mu_);
    if (stopping_ || !in_progress_.insert(tp).second) return false;
  }
  CleanOptions opts;
  opts.policy = best->policy;
  opts.now_ms = now_ms;
  const CleanerConfig cfg = config();
  opts.dedupe_buffer_bytes =
      cfg.dedupe_buffer_bytes / static_cast<size_t>(std::max(1, cfg.threads));
  const auto started = std::chrono::steady_clock::now();
  opts.throttle = [this, started](int64_t bytes) { throttle(bytes, started); };
  std::optional<CleanStats> st;
  try {
    st = clean_log(*best->log, best->checkpoint, opts);
  } catch (...) {
    std::lock_guard lk(mu_);
    in_progress_.erase(tp);
    throw;
  }
  const fs::path log_dir = best->log->dir().parent_path();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  {
    std::lock_guard lk(mu_);
    in_progress_.erase(tp);
    if (st) {
      checkpoints_[tp] = st->end_offset;
      dir_of_[tp] = log_dir;
      ++totals_.passes;
      totals_.bytes_read += st->bytes_read;
      totals_.bytes_written += st->bytes_written;
      totals_.records_read += st->records_read;
      totals_.records_kept += st->records_kept;
      totals_.last_pass_seconds = secs;
      totals_.last_recopy_percent =
          st->bytes_read > 0
              ? 100.0 * static_cast<double>(st->bytes_written) / static_cast<double>(st->bytes_read)
              : 0;
      totals_.last_pass_end_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    }
  }
  if (!st) return false;
  write_checkpoint(log_dir);
  spdlog::info(
      "event=log_cleaned log={} first_dirty={} end={} segments={} bytes_read={} bytes_written={} "
      "records_read={} records_kept={} seconds={:.3f}",
      tp.dir_name(), st->first_dirty, st->end_offset, st->segments, st->bytes_read,
      st->bytes_written, st->records_read, st->records_kept, secs);
  return true;
}

CleanerTotals LogCleaner::totals() const {
  std::lock_guard lk(mu_);
  return totals_;
}

void LogCleaner::write_checkpoint(const fs::path& log_dir) {
  std::map<TopicPartition, int64_t> cp;
  {
    std::lock_guard lk(mu_);
    for (const auto& [tp, off] : checkpoints_) {
      auto d = dir_of_.find(tp);
      if (d != dir_of_.end() && d->second == log_dir && logs_.get(tp)) cp[tp] = off;
    }
  }
  write_offset_checkpoint(log_dir / kCleanerCheckpoint, cp);
}

}  // namespace samsa::storage
