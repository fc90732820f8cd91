// Rolls, flushes and producer snapshots for Log (kept apart from log.cc, which holds the append
// and read paths). With a FlushPool, a roll's fsyncs and snapshot and the flush.ms /
// flush.messages flushes run there, as Kafka's scheduleOnce("flush-log"): the appending thread
// only creates the new segment and trims the old one's indexes (page-cache writes, no fsync).
#include <spdlog/spdlog.h>

#include <chrono>

#include "storage/log.h"

namespace samsa::storage {

namespace {

// Kafka's producer.id.expiration.check.interval.ms default is 10 minutes; a minute keeps memory
// tighter at the cost of one map walk per partition.
constexpr int64_t kProducerExpiryCheckIntervalMs = 60 * 1000;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Log::run_flush_job(const char* what, std::function<void()> io) {
  auto pool = flusher_.lock();
  if (!pool) {
    with_dir_io(*health_, what, name_, io);
    return;
  }
  {
    std::lock_guard lk(jobs_mu_);
    ++pending_jobs_;
  }
  pool->submit([self = shared_from_this(), what, io = std::move(io)] {
    try {
      with_dir_io(*self->health_, what, self->name_, io);
    } catch (const LogDirOfflineError&) {
      // Logged once by the dir's health; the dir's partitions now answer KAFKA_STORAGE_ERROR.
    }
    std::lock_guard lk(self->jobs_mu_);
    if (--self->pending_jobs_ == 0) self->jobs_cv_.notify_all();
  });
}

void Log::wait_for_flush_jobs() {
  std::unique_lock lk(jobs_mu_);
  jobs_cv_.wait(lk, [&] { return pending_jobs_ == 0; });
}

void Log::flush_upto(int64_t upto) {
  std::lock_guard flushing(flush_mu_);
  std::vector<std::shared_ptr<Segment>> dirty;
  {
    std::shared_lock lk(mu_);
    if (upto <= recovery_point_) return;
    for (const auto& [base, seg] : segments_)
      if (base < upto && seg->next_offset() > recovery_point_) dirty.push_back(seg);
  }
  // Outside mu_: appends and reads go on while the disk works. Every byte below `upto` was
  // written before it was published, so syncing the files now covers it.
  for (const auto& seg : dirty) seg->sync_log();
  std::unique_lock lk(mu_);
  // A truncation meanwhile may have moved the end below `upto`.
  recovery_point_ = std::max(recovery_point_, std::min(upto, next_offset_));
}

void Log::roll_locked(int64_t new_base) {
  auto old = segments_.rbegin()->second;
  auto seg = Segment::create(dir_, new_base, cfg_);
  auto sealed = std::make_shared<Segment::SealedIndexFiles>();
  {
    std::unique_lock lk(mu_);
    *sealed = old->seal();
    segments_[new_base] = std::move(seg);
  }
  // As Kafka does on roll: the old segment is flushed and a producer snapshot taken at the new
  // base, so a restart after a crash replays only what follows. The recovery point moves only
  // once both are on disk.
  auto snapshot = std::make_shared<std::vector<uint8_t>>(producers_.snapshot_bytes());
  run_flush_job("flush after roll of", [this, sealed, snapshot, new_base] {
    sync_fd(sealed->index.get());
    sync_fd(sealed->time.get());
    sealed->index.reset();
    sealed->time.reset();
    producers_.write_snapshot_file(new_base, *snapshot);
    flush_upto(new_base);
  });
}

void Log::write_producer_snapshot_locked(int64_t offset) {
  with_dir_io(*health_, "producer snapshot of", name_, [&] { producers_.write_snapshot(offset); });
}

void Log::take_producer_snapshot() {
  std::lock_guard guard(append_mu_);
  if (!closed_) write_producer_snapshot_locked(next_offset_);
}

void Log::maybe_flush_locked(int64_t now_ms, int64_t appended_messages) {
  unflushed_messages_ += appended_messages;
  if (unflushed_messages_ < cfg_.flush_messages &&
      (unflushed_messages_ == 0 || now_ms - last_flush_ms_ < cfg_.flush_ms))
    return;
  unflushed_messages_ = 0;
  last_flush_ms_ = now_ms;
  if (!flusher_.expired()) {
    {
      std::lock_guard lk(jobs_mu_);
      if (flush_scheduled_) return;  // the queued job will cover these appends too
      flush_scheduled_ = true;
    }
    run_flush_job("flush of", [this] {
      {
        std::lock_guard lk(jobs_mu_);
        flush_scheduled_ = false;
      }
      flush_upto(log_end_offset());
    });
    return;
  }
  flush_locked();
}

void Log::flush_locked() {
  with_dir_io(*health_, "flush of", name_, [&] {
    segments_.rbegin()->second->flush();  // the active segment's index files too
    flush_upto(next_offset_);
    unflushed_messages_ = 0;
    last_flush_ms_ = wall_ms();
  });
}

void Log::flush() {
  std::lock_guard guard(append_mu_);
  if (!closed_) flush_locked();
}

void Log::roll_if_due(int64_t now_ms) {
  std::lock_guard guard(append_mu_);
  if (closed_ || health_->offline()) return;
  auto active = segments_.rbegin()->second;
  if (!active->empty() && active->first_append_ms() >= 0 &&
      now_ms - active->first_append_ms() >= cfg_.segment_ms) {
    with_dir_io(*health_, "roll of", name_, [&] { roll_locked(next_offset_); });
  }
  maybe_flush_locked(now_ms, 0);
  if (now_ms - last_expiry_check_ms_ >= kProducerExpiryCheckIntervalMs) {
    producers_.remove_expired(now_ms);
    last_expiry_check_ms_ = now_ms;
  }
}

void Log::close() {
  std::lock_guard guard(append_mu_);
  if (closed_) return;
  wait_for_flush_jobs();
  closed_ = true;
  if (health_->offline()) return;  // nothing more may be written there; recovery will run
  flush_locked();
  write_producer_snapshot_locked(next_offset_);
  with_dir_io(*health_, "close of", name_, [&] {
    Segment::SealedIndexFiles sealed;
    {
      std::unique_lock lk(mu_);
      sealed = segments_.rbegin()->second->seal();
    }
    sync_fd(sealed.index.get());
    sync_fd(sealed.time.get());
  });
}

}  // namespace samsa::storage
