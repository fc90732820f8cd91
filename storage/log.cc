#include "storage/log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "protocol/records/record_builder.h"
#include "storage/batch_filter.h"
#include "storage/log_cleaner.h"

namespace samsa::storage {
namespace fs = std::filesystem;
using records::BatchHeader;

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_segment_log(const fs::path& p, int64_t* base) {
  if (p.extension() != ".log") return false;
  std::string stem = p.stem().string();
  if (stem.size() != 20) return false;
  for (char c : stem)
    if (c < '0' || c > '9') return false;
  *base = std::stoll(stem);
  return true;
}

// Splits appended bytes into batch headers; anything but whole v2 batches is a caller bug.
std::vector<BatchHeader> split_batches(std::span<const uint8_t> data) {
  std::vector<BatchHeader> out;
  size_t pos = 0;
  while (pos < data.size()) {
    auto h = records::parse_header(data.subspan(pos));
    if (!h || h->magic != records::kMagicV2 ||
        h->length < static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead) ||
        static_cast<uint64_t>(h->total_size()) > data.size() - pos)
      throw StorageError("append: data is not a sequence of complete v2 record batches");
    out.push_back(*h);
    pos += static_cast<size_t>(h->total_size());
  }
  if (out.empty()) throw StorageError("append: no record batch");
  return out;
}

}  // namespace

Log::Log(TopicPartition tp, fs::path dir, LogConfig cfg, LogDirContext ctx)
    : tp_(std::move(tp)),
      name_(tp_.dir_name()),
      dir_(std::move(dir)),
      health_(ctx.health ? std::move(ctx.health)
                         : std::make_shared<LogDirHealth>(dir_.parent_path())),
      flusher_(ctx.flusher),
      cfg_(cfg),
      epochs_(dir_ / "leader-epoch-checkpoint"),
      last_flush_ms_(wall_ms()),
      producers_(dir_, cfg_.producer_id_expiration_ms),
      last_expiry_check_ms_(last_flush_ms_) {}

Log::~Log() = default;

std::shared_ptr<Log> Log::open(TopicPartition tp, fs::path dir, LogConfig cfg, bool clean_shutdown,
                               int64_t recovery_point, int64_t log_start_offset,
                               LogDirContext dir_context) {
  std::shared_ptr<Log> log(new Log(std::move(tp), dir, cfg, std::move(dir_context)));
  log->health_->check_online();
  fs::create_directories(dir);
  recover_cleaner_files(dir);
  std::vector<int64_t> bases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    std::string ext = p.extension().string();
    int64_t base;
    if (is_segment_log(p, &base)) {
      bases.push_back(base);
    } else if (ext == ".deleted" || ext == ".cleaned" || ext == ".swap" || ext == ".tmp") {
      fs::remove(p);  // leftovers of an interrupted operation
    }
  }
  std::sort(bases.begin(), bases.end());
  // Index files without a log are orphans.
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".index" || p.extension() == ".timeindex") {
      fs::path lp = p;
      lp.replace_extension(".log");
      if (!fs::exists(lp)) fs::remove(p);
    }
  }

  size_t first_to_recover = bases.size();
  if (!clean_shutdown) {
    first_to_recover = 0;
    for (size_t i = 0; i < bases.size(); ++i)
      if (bases[i] <= recovery_point) first_to_recover = i;
  }
  int64_t dropped = 0;
  int64_t expected = bases.empty() ? 0 : bases.front();
  bool cut = false;
  for (size_t i = 0; i < bases.size(); ++i) {
    if (cut || bases[i] < expected) {
      // Everything after a truncation point (or overlapping the previous segment) is unreachable.
      std::error_code ec;
      fs::path lp = dir / segment_file_name(bases[i], ".log");
      dropped += static_cast<int64_t>(fs::file_size(lp, ec));
      fs::remove(lp, ec);
      fs::remove(dir / segment_file_name(bases[i], ".index"), ec);
      fs::remove(dir / segment_file_name(bases[i], ".timeindex"), ec);
      cut = true;
      continue;
    }
    int64_t d = 0;
    auto seg = Segment::open(dir, bases[i], cfg, i >= first_to_recover, expected, &d);
    dropped += d;
    if (d > 0) cut = true;
    expected = seg->next_offset();
    log->segments_[bases[i]] = std::move(seg);
  }
  if (log->segments_.empty()) {
    int64_t base = std::max<int64_t>(log_start_offset, 0);
    log->segments_[base] = Segment::create(dir, base, cfg);
  } else {
    log->segments_.rbegin()->second->activate();
  }
  if (dropped > 0)
    spdlog::warn(
        "log {}: recovery dropped {} bytes of invalid or incomplete data; log end offset {}",
        log->tp_.dir_name(), dropped, log->segments_.rbegin()->second->next_offset());

  log->next_offset_ = log->segments_.rbegin()->second->next_offset();
  log->log_start_ = std::clamp(log_start_offset, log->segments_.begin()->first, log->next_offset_);
  log->recovery_point_ =
      clean_shutdown ? log->next_offset_ : std::min(recovery_point, log->next_offset_);
  log->epochs_.load();
  log->epochs_.truncate_from_end(log->next_offset_);
  log->rebuild_producer_state_locked(wall_ms());
  return log;
}

AppendInfo Log::append(std::span<uint8_t> data, int32_t leader_epoch) {
  std::lock_guard guard(append_mu_);
  if (closed_) throw StorageError("append to closed log " + tp_.dir_name());
  auto headers = split_batches(data);
  return assign_and_append_locked(data, headers, leader_epoch);
}

IdempotentAppendResult Log::append_idempotent(std::span<uint8_t> data, int32_t leader_epoch) {
  std::lock_guard guard(append_mu_);
  if (closed_) throw StorageError("append to closed log " + tp_.dir_name());
  auto headers = split_batches(data);
  IdempotentAppendResult out;
  const bool has_producer = std::any_of(headers.begin(), headers.end(),
                                        [](const BatchHeader& h) { return h.producer_id >= 0; });
  if (has_producer) {
    // Produce v3+ carries exactly one batch per partition; the rules below assume it.
    if (headers.size() != 1) {
      out.error = records::kErrInvalidRecord;
      out.message = "an idempotent append must be a single batch";
      return out;
    }
    auto check = producers_.check(headers.front());
    if (check.error != 0) {
      out.error = check.error;
      out.message = std::move(check.message);
      return out;
    }
    if (check.duplicate) {
      out.duplicate = true;
      out.info = AppendInfo{check.duplicate->first_offset, check.duplicate->last_offset, -1};
      return out;
    }
  }
  out.info = assign_and_append_locked(data, headers, leader_epoch);
  return out;
}

AppendInfo Log::assign_and_append_locked(std::span<uint8_t> data, std::vector<BatchHeader>& headers,
                                         int32_t leader_epoch) {
  int64_t off = next_offset_;
  size_t pos = 0;
  for (auto& h : headers) {
    records::assign_offsets(data.subspan(pos, static_cast<size_t>(h.total_size())), off,
                            leader_epoch);
    h.base_offset = off;
    h.partition_leader_epoch = leader_epoch;
    off = h.last_offset() + 1;
    pos += static_cast<size_t>(h.total_size());
  }
  auto info = append_locked(data, headers);
  for (const auto& h : headers) producers_.update(h);
  return info;
}

AppendInfo Log::append_as_follower(std::span<const uint8_t> data) {
  std::lock_guard guard(append_mu_);
  if (closed_) throw StorageError("append to closed log " + tp_.dir_name());
  auto headers = split_batches(data);
  int64_t expected = next_offset_;
  size_t pos = 0;
  for (const auto& h : headers) {
    std::string err =
        records::check_batch_integrity(data.subspan(pos, static_cast<size_t>(h.total_size())));
    if (!err.empty()) throw StorageError("replicated batch for " + tp_.dir_name() + ": " + err);
    if (h.base_offset < expected)
      throw StorageError("replicated batch offset " + std::to_string(h.base_offset) +
                         " is below the log end " + std::to_string(expected));
    expected = h.last_offset() + 1;
    pos += static_cast<size_t>(h.total_size());
  }
  auto active = segments_.rbegin()->second;
  if (active->empty() && segments_.size() == 1 &&
      headers.front().base_offset > active->base_offset()) {
    // A fresh replica starting at the leader's log start: re-base the empty log there.
    int64_t base = headers.front().base_offset;
    with_dir_io(*health_, "re-base of", name_, [&] {
      auto seg = Segment::create(dir_, base, cfg_);
      active->delete_files();
      std::unique_lock lk(mu_);
      segments_.clear();
      segments_[base] = seg;
      log_start_ = next_offset_ = recovery_point_ = base;
    });
  }
  auto info = append_locked(data, headers);
  for (const auto& h : headers) producers_.update(h);
  return info;
}

AppendInfo Log::append_locked(std::span<const uint8_t> data,
                              const std::vector<BatchHeader>& headers) {
  return with_dir_io(*health_, "append to", name_, [&] {
    const int64_t now = wall_ms();
    auto active = segments_.rbegin()->second;
    const int64_t last = headers.back().last_offset();
    if (!active->empty() &&
        (active->size() + static_cast<int64_t>(data.size()) > cfg_.segment_bytes ||
         active->index_full() || !active->fits_offset(last) ||
         active->size() + static_cast<int64_t>(data.size()) > INT32_MAX)) {
      roll_locked(headers.front().base_offset);
      active = segments_.rbegin()->second;
    }
    // File I/O first, memory last: the batches, their index entries and a new leader epoch's
    // checkpoint are all written before anything a reader, a later append or recovery relies on
    // changes. If one write fails, this throws with the log's memory as it was, and the dir goes
    // offline, so no later append can hand out these offsets again.
    auto pending = active->write_batches(data, headers, now);
    LeaderEpochCache::Entries assignments;
    for (const auto& h : headers) assignments.emplace_back(h.partition_leader_epoch, h.base_offset);
    auto epochs = epochs_.persist_assign(assignments);
    AppendInfo info{headers.front().base_offset, last, -1};
    int64_t messages = 0;
    for (const auto& h : headers) {
      info.max_timestamp = std::max(info.max_timestamp, h.max_timestamp);
      messages += h.last_offset_delta + 1;
    }
    {
      std::unique_lock lk(mu_);
      if (epochs) epochs_.install(std::move(*epochs));
      active->publish(std::move(pending));
      next_offset_ = last + 1;
    }
    maybe_flush_locked(now, messages);
    return info;
  });
}

void Log::rebuild_producer_state_locked(int64_t now_ms) {
  auto snapshot = producers_.load_snapshot(next_offset_, now_ms);
  const int64_t start = snapshot.value_or(segments_.begin()->first);
  int64_t replayed = 0;
  auto it = segments_.upper_bound(start);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) {
    const Segment& seg = *it->second;
    auto loc = seg.find(std::max(start, seg.base_offset()));
    if (!loc) continue;
    int64_t pos = loc->position;
    std::optional<BatchHeader> h = loc->header;
    // Batch headers carry producer id, epoch and base sequence: no need to read the records.
    while (h && h->length >= 0 && pos + h->total_size() <= seg.size()) {
      if (h->last_offset() >= start && h->producer_id >= 0) {
        producers_.update(*h);
        ++replayed;
      }
      pos += h->total_size();
      h = seg.header_at(pos);
    }
  }
  producers_.remove_expired(now_ms);
  if (snapshot || replayed > 0)
    spdlog::info(
        "event=producer_state_loaded log={} snapshot_offset={} batches_replayed={} producers={}",
        tp_.dir_name(), snapshot.value_or(-1), replayed, producers_.producers().size());
}

std::optional<ProducerEntry> Log::producer_entry(int64_t producer_id) const {
  std::lock_guard guard(append_mu_);
  return producers_.entry(producer_id);
}

size_t Log::producer_count() const {
  std::lock_guard guard(append_mu_);
  return producers_.producers().size();
}

void Log::remove_expired_producers(int64_t now_ms) {
  std::lock_guard guard(append_mu_);
  producers_.remove_expired(now_ms);
  last_expiry_check_ms_ = now_ms;
}

void Log::truncate_to(int64_t offset) {
  std::lock_guard guard(append_mu_);
  if (closed_ || offset >= next_offset_) return;
  with_dir_io(*health_, "truncation of", name_, [&] { truncate_files_locked(offset); });
}

void Log::truncate_files_locked(int64_t offset) {
  std::unique_lock lk(mu_);
  while (segments_.size() > 1 && segments_.rbegin()->first >= offset) {
    segments_.rbegin()->second->delete_files();
    segments_.erase(std::prev(segments_.end()));
  }
  auto active = segments_.rbegin()->second;
  active->truncate_to(offset);
  active->activate();
  next_offset_ = active->next_offset();
  log_start_ = std::min(log_start_, next_offset_);
  recovery_point_ = std::min(recovery_point_, next_offset_);
  epochs_.truncate_from_end(next_offset_);
  lk.unlock();
  rebuild_producer_state_locked(wall_ms());
}

int64_t Log::log_start_offset() const {
  std::shared_lock lk(mu_);
  return log_start_;
}

int64_t Log::log_end_offset() const {
  std::shared_lock lk(mu_);
  return next_offset_;
}

int64_t Log::recovery_point() const {
  std::shared_lock lk(mu_);
  return recovery_point_;
}

size_t Log::size_bytes() const {
  std::shared_lock lk(mu_);
  size_t total = 0;
  for (const auto& [base, seg] : segments_) total += static_cast<size_t>(seg->size());
  return total;
}

std::vector<std::shared_ptr<const Segment>> Log::sealed_segments() const {
  std::shared_lock lk(mu_);
  std::vector<std::shared_ptr<const Segment>> out;
  for (auto it = segments_.begin(); it != segments_.end() && std::next(it) != segments_.end(); ++it)
    out.push_back(it->second);
  return out;
}

bool Log::replace_segments(const std::vector<int64_t>& old_bases,
                           std::shared_ptr<Segment> swapped) {
  std::vector<fs::path> garbage;
  {
    std::lock_guard guard(append_mu_);
    bool present = !closed_ && !old_bases.empty() && old_bases.front() == swapped->base_offset();
    for (int64_t b : old_bases)
      present = present && segments_.count(b) && b != segments_.rbegin()->first;
    if (present) {
      with_dir_io(*health_, "cleaner swap in", name_, [&] {
        std::unique_lock lk(mu_);
        // Old files are renamed aside first: a .log.swap on disk then means "replace them". The
        // old segments keep their .log open, so a reader holding one reads its bytes to the end.
        for (int64_t b : old_bases) {
          auto files = segments_[b]->mark_deleted();
          garbage.insert(garbage.end(), files.begin(), files.end());
          segments_.erase(b);
        }
        swapped->rename_files("");
        segments_[swapped->base_offset()] = swapped;
        swapped.reset();
      });
    }
  }
  if (swapped) {
    swapped->delete_files();
    return false;
  }
  std::error_code ec;
  for (const auto& f : garbage) fs::remove(f, ec);
  return true;
}

std::optional<records::BatchHeader> Log::batch_header_at(int64_t offset) const {
  std::shared_lock lk(mu_);
  if (offset < log_start_ || offset >= next_offset_) return std::nullopt;
  for (auto it = segments_.upper_bound(offset); it != segments_.begin();) {
    --it;
    const Segment& seg = *it->second;
    if (auto loc = seg.find(std::max(offset, seg.base_offset()))) return loc->header;
    break;
  }
  // The offset falls in a gap left by compaction: the next batch holds the next record.
  for (auto it = segments_.upper_bound(offset); it != segments_.end(); ++it) {
    if (auto loc = it->second->find(it->second->base_offset())) return loc->header;
  }
  return std::nullopt;
}

size_t Log::segment_count() const {
  std::shared_lock lk(mu_);
  return segments_.size();
}

std::optional<std::pair<int32_t, int64_t>> Log::end_offset_for_epoch(int32_t epoch) const {
  std::shared_lock lk(mu_);
  return epochs_.end_offset_for(epoch, next_offset_);
}

std::optional<int32_t> Log::latest_epoch() const {
  std::shared_lock lk(mu_);
  return epochs_.latest_epoch();
}

}  // namespace samsa::storage
