#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <utility>
#include <vector>

#include "storage/flush_pool.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_dir_health.h"
#include "storage/producer_state.h"
#include "storage/segment.h"
#include "storage/types.h"

namespace samsa::storage {

// What one retention pass removed from a log.
struct RetentionResult {
  size_t segments_deleted = 0;
  int64_t bytes_deleted = 0;
  int64_t log_start_offset = 0;  // after the pass
  // Files renamed *.deleted; the caller removes them after file.delete.delay.ms.
  std::vector<std::filesystem::path> files;
};

// What a log shares with the other logs of its log dir.
struct LogDirContext {
  // The dir's sticky failure state; null gives the log a private one (tests, tools).
  std::shared_ptr<LogDirHealth> health;
  // Where roll and flush.ms / flush.messages fsyncs and producer snapshots run; null runs them
  // inline (on the appending thread, under the append lock) as before. The log keeps only a weak
  // reference: the caller owns the pool (LogManager does) and destroys it after its logs.
  std::shared_ptr<FlushPool> flusher;
};

// One partition's log. Every write or fsync goes through its dir's LogDirHealth: the first failure
// takes the dir offline and every later write, flush or append then throws LogDirOfflineError
// (KAFKA_STORAGE_ERROR) without touching the files. Within an append, files are written first and
// memory changed last, so a failed append leaves no trace a later one (or recovery) could misread.
// Appends are serialised by an internal mutex; reads run concurrently with
// appends (the data write happens outside the reader lock; only publishing the new end takes it).
class Log : public std::enable_shared_from_this<Log> {
 public:
  // Opens or creates the log in `dir`. Without `clean_shutdown`, every batch from the segment
  // holding `recovery_point` onwards is re-validated and the log truncated at the first bad one
  // (one log line reports the bytes dropped).
  static std::shared_ptr<Log> open(TopicPartition tp, std::filesystem::path dir, LogConfig cfg,
                                   bool clean_shutdown, int64_t recovery_point,
                                   int64_t log_start_offset, LogDirContext dir_context = {});
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends one or more complete v2 batches (already validated), assigning offsets from the log end
  // and stamping `leader_epoch`. Throws StorageError if the bytes are not whole batches.
  AppendInfo append(std::span<uint8_t> batch, int32_t leader_epoch);
  // Client path for one validated batch: the idempotence check (epoch fence, sequence order,
  // duplicate of one of the producer's last five batches) and the append happen under the same
  // lock, so two retries of one batch cannot both be appended. Batches without a producer id are
  // appended as by append().
  IdempotentAppendResult append_idempotent(std::span<uint8_t> batch, int32_t leader_epoch);
  // Replica path: batches keep their offsets and epochs; each must be intact and start at or after
  // the log end.
  AppendInfo append_as_follower(std::span<const uint8_t> batches);
  // Removes everything at or after `offset` (the batch containing it goes entirely).
  void truncate_to(int64_t offset);

  // Whole batches from the one containing `offset`, stopping before max_offset (exclusive) and once
  // max_bytes is reached; with min_one_batch the first batch is returned even if larger.
  // Reads them into memory (one pread per segment, no zero-fill).
  FetchSlice read(int64_t offset, int32_t max_bytes, int64_t max_offset, bool min_one_batch) const;
  // The same batches as file regions, without reading them: the lock is held only for the index
  // look-ups and a snapshot of segment sizes; batch headers are walked after it is released.
  FileSlice locate(int64_t offset, int32_t max_bytes, int64_t max_offset, bool min_one_batch) const;
  // Reads located regions into memory. A region found shorter than located (the log was
  // truncated meanwhile) ends the data at its last whole batch.
  static FetchSlice read_regions(const FileSlice& slice);
  // read_regions for regions of this log. read(), locate() and this take the dir offline when a
  // read fails (as Kafka's LocalLog.read does) and throw LogDirOfflineError.
  FetchSlice read_located(const FileSlice& slice) const;

  int64_t log_start_offset() const;
  int64_t log_end_offset() const;
  // First offset whose timestamp >= ts, and that timestamp. Exact per record for uncompressed
  // batches; for compressed ones, the batch's base offset and max timestamp.
  std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts) const;
  // ListOffsets MAX_TIMESTAMP (-3): (offset, timestamp) of the record with the largest timestamp.
  std::optional<std::pair<int64_t, int64_t>> max_timestamp_offset() const;
  // The header of the batch holding `offset` (index look-up plus one header read, no record
  // bytes); nullopt outside the log.
  std::optional<records::BatchHeader> batch_header_at(int64_t offset) const;
  // OffsetsForLeaderEpoch.
  std::optional<std::pair<int32_t, int64_t>> end_offset_for_epoch(int32_t epoch) const;
  std::optional<int32_t> latest_epoch() const;

  // Flushes everything now (inline, even with a flush pool).
  void flush();
  // Rolls the active segment if segment.ms has passed, and applies flush.ms.
  void roll_if_due(int64_t now_ms);
  // Waits for this log's background flushes, then flushes and trims the active segment's indexes;
  // the log must not be appended to afterwards. On an offline dir it only waits and closes.
  void close();
  // Whether this log's dir is offline (its partitions answer KAFKA_STORAGE_ERROR).
  bool dir_offline() const { return health_->offline(); }
  const LogDirHealth& dir_health() const { return *health_; }
  // Runs the log cleaner's file I/O for this log through its dir's health check: refused on an
  // offline dir, and a failure takes the dir offline (LogDirOfflineError).
  template <class F>
  decltype(auto) cleaner_io(F&& io) {
    return with_dir_io(*health_, "clean", name_, std::forward<F>(io));
  }

  // Idempotent-producer state (copies, taken under the append lock).
  std::optional<ProducerEntry> producer_entry(int64_t producer_id) const;
  size_t producer_count() const;
  // Forgets producers idle for producer.id.expiration.ms; roll_if_due also does this periodically.
  void remove_expired_producers(int64_t now_ms);
  // Writes <log end>.snapshot now (also done on roll and close).
  void take_producer_snapshot();

  // Deletes whole non-active segments oldest-first while one of these holds: the segment lies
  // entirely below the log start offset, its largest timestamp is older than retention.ms, or the
  // log without it is still at least retention.bytes. Only segments wholly below `max_offset`
  // (the high watermark) qualify. Files are renamed, not removed: see RetentionResult.
  RetentionResult apply_retention(int64_t now_ms, int64_t max_offset);
  // DeleteRecords: moves the log start offset up to `offset` (never down, never past the log end).
  // Returns the log start offset afterwards.
  int64_t advance_log_start(int64_t offset);
  // Takes new topic configs; segments created from now on use them.
  void update_config(const LogConfig& cfg);

  size_t size_bytes() const;
  size_t segment_count() const;

  // For the log cleaner: every segment but the active one, oldest first. Sealed segments are
  // immutable, so they can be read without the log's locks.
  std::vector<std::shared_ptr<const Segment>> sealed_segments() const;
  // Swaps `swapped` (opened by Segment::open_staged with the ".swap" files, indexes built) in for
  // the consecutive sealed segments `old_bases`; under the locks only files are renamed, the old
  // ones are unlinked after. Returns false, removing the swap files, if those segments are no
  // longer all there (retention deleted some meanwhile). A crash in between is completed on open.
  bool replace_segments(const std::vector<int64_t>& old_bases, std::shared_ptr<Segment> swapped);
  int64_t recovery_point() const;
  const TopicPartition& tp() const { return tp_; }
  const std::filesystem::path& dir() const { return dir_; }
  LogConfig config() const;

 private:
  Log(TopicPartition tp, std::filesystem::path dir, LogConfig cfg, LogDirContext ctx);
  FileSlice locate_unchecked(int64_t offset, int32_t max_bytes, int64_t max_offset,
                             bool min_one_batch) const;
  AppendInfo append_locked(std::span<const uint8_t> data,
                           const std::vector<records::BatchHeader>& headers);
  void roll_locked(int64_t new_base);
  void maybe_flush_locked(int64_t now_ms, int64_t appended_messages);
  void flush_locked();
  // Fsyncs every segment holding offsets in [recovery point, upto) and then moves the recovery
  // point to `upto`: it never passes data that is not on disk. Any thread; takes flush_mu_ and mu_.
  void flush_upto(int64_t upto);
  // Runs `io` on the flush pool (or inline without one) through the dir's health check.
  void run_flush_job(const char* what, std::function<void()> io);
  void wait_for_flush_jobs();
  void truncate_files_locked(int64_t offset);
  AppendInfo assign_and_append_locked(std::span<uint8_t> data,
                                      std::vector<records::BatchHeader>& headers,
                                      int32_t leader_epoch);
  void write_producer_snapshot_locked(int64_t offset);
  // Loads the newest usable snapshot at or below the log end and replays the batches after it.
  void rebuild_producer_state_locked(int64_t now_ms);

  const TopicPartition tp_;
  const std::string name_;  // tp_.dir_name(), for messages
  const std::filesystem::path dir_;
  std::shared_ptr<LogDirHealth> health_;
  // Not owned: a job holds its Log, and a pool destroyed by its own thread (as the last owner's
  // ~Log there would do) could not join it. The LogManager owns the pool and outlives its logs.
  std::weak_ptr<FlushPool> flusher_;
  std::mutex flush_mu_;  // serialises flush_upto; taken before mu_, never under it
  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  int pending_jobs_ = 0;          // guarded by jobs_mu_
  bool flush_scheduled_ = false;  // a flush.ms / flush.messages job is queued; jobs_mu_
  LogConfig cfg_;                 // written under both locks; read under either

  mutable std::mutex append_mu_;  // serialises writers (append, truncate, roll, flush)
  mutable std::shared_mutex mu_;  // guards the fields below against readers
  std::map<int64_t, std::shared_ptr<Segment>> segments_;
  int64_t log_start_ = 0;
  int64_t next_offset_ = 0;
  int64_t recovery_point_ = 0;
  LeaderEpochCache epochs_;
  int64_t unflushed_messages_ = 0;
  int64_t last_flush_ms_ = 0;
  bool closed_ = false;
  ProducerStateManager producers_;  // guarded by append_mu_
  int64_t last_expiry_check_ms_ = 0;
};

}  // namespace samsa::storage
