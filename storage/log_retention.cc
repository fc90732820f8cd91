// Retention and log-start movement for Log (kept apart from log.cc, which holds the append/read
// paths).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "storage/log.h"

namespace samsa::storage {
namespace fs = std::filesystem;

namespace {

// A segment whose records carry no timestamps is aged by its file's modification time, as Kafka
// does.
int64_t largest_timestamp(const Segment& seg) {
  if (seg.max_timestamp() >= 0) return seg.max_timestamp();
  std::error_code ec;
  auto mtime = fs::last_write_time(seg.log_path(), ec);
  if (ec) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::file_clock::to_sys(mtime).time_since_epoch())
      .count();
}

}  // namespace

RetentionResult Log::apply_retention(int64_t now_ms, int64_t max_offset) {
  std::lock_guard guard(append_mu_);
  RetentionResult out;
  if (closed_ || health_->offline()) return out;
  int64_t total = 0;
  for (const auto& [base, seg] : segments_) total += seg->size();
  int64_t excess =
      cfg_.delete_enabled && cfg_.retention_bytes >= 0 ? total - cfg_.retention_bytes : 0;

  // Writers are excluded by append_mu_, so segments_ may be walked without mu_.
  std::vector<int64_t> victims;
  for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
    const Segment& seg = *it->second;
    const int64_t next_base = std::next(it)->first;
    if (next_base > max_offset) break;  // never delete what consumers cannot read yet
    const bool below_start = next_base <= log_start_;
    bool expired = false;
    // A compact-only log (__consumer_offsets, for one) loses segments only below its log start.
    if (cfg_.delete_enabled && cfg_.retention_ms >= 0) {
      int64_t ts = largest_timestamp(seg);
      expired = ts >= 0 && now_ms - ts > cfg_.retention_ms;
    }
    const bool over_size = excess > 0 && excess - seg.size() >= 0;
    if (!below_start && !expired && !over_size) break;
    excess -= seg.size();
    victims.push_back(it->first);
  }
  if (victims.empty()) {
    out.log_start_offset = log_start_;
    return out;
  }

  std::vector<std::shared_ptr<Segment>> removed;
  {
    std::unique_lock lk(mu_);
    for (int64_t base : victims) {
      auto it = segments_.find(base);
      removed.push_back(it->second);
      segments_.erase(it);
    }
    log_start_ = std::max(log_start_, segments_.begin()->first);
    recovery_point_ = std::max(recovery_point_, segments_.begin()->first);
    out.log_start_offset = log_start_;
  }
  // Readers holding mu_ cannot be using a removed segment any more; a rename is cheap enough to do
  // under the append lock, the unlinking happens later on another thread.
  // The renames keep each .log open: the log cleaner may still be reading a removed segment
  // without the log's locks, and it keeps reading that segment's bytes (never another file's).
  with_dir_io(*health_, "retention rename in", name_, [&] {
    for (auto& seg : removed) {
      out.bytes_deleted += seg->size();
      auto files = seg->mark_deleted();
      out.files.insert(out.files.end(), files.begin(), files.end());
    }
  });
  out.segments_deleted = removed.size();
  producers_.delete_snapshots_below(segments_.begin()->first);
  spdlog::info(
      "event=segments_deleted log={} segments={} bytes={} log_start_offset={} retention_ms={} "
      "retention_bytes={}",
      tp_.dir_name(), out.segments_deleted, out.bytes_deleted, out.log_start_offset,
      cfg_.retention_ms, cfg_.retention_bytes);
  return out;
}

int64_t Log::advance_log_start(int64_t offset) {
  std::lock_guard guard(append_mu_);
  std::unique_lock lk(mu_);
  if (!closed_) log_start_ = std::clamp(offset, log_start_, next_offset_);
  return log_start_;
}

void Log::update_config(const LogConfig& cfg) {
  std::lock_guard guard(append_mu_);
  if (cfg == cfg_) return;
  std::unique_lock lk(mu_);
  cfg_ = cfg;
  producers_.set_expiration_ms(cfg.producer_id_expiration_ms);
}

LogConfig Log::config() const {
  std::lock_guard guard(append_mu_);
  return cfg_;
}

}  // namespace samsa::storage
