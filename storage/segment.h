#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/records/record_batch.h"
#include "storage/file_util.h"
#include "storage/types.h"

namespace samsa::storage {

// One log segment: <base>.log plus its sparse .index (relative offset -> position of the batch
// whose last offset it is) and .timeindex (max timestamp so far -> relative offset). Index entries
// are held in memory; the files mirror them. Not thread-safe: the owning Log serialises writers and
// excludes readers while in-memory state changes.
class Segment {
 public:
  struct OffsetEntry {
    int32_t rel;
    int32_t pos;
  };
  struct TimeEntry {
    int64_t ts;
    int32_t rel;
  };
  struct Located {
    int64_t position;
    records::BatchHeader header;
  };

  // A new, empty active segment.
  static std::shared_ptr<Segment> create(const std::filesystem::path& dir, int64_t base,
                                         const LogConfig& cfg);
  // Opens an existing segment. With `recover`, every batch is re-validated (CRC, header sanity,
  // offsets >= expected_first) and the file is truncated at the first bad one; otherwise indexes
  // are loaded and rebuilt only if missing or inconsistent. `dropped` receives truncated bytes.
  static std::shared_ptr<Segment> open(const std::filesystem::path& dir, int64_t base,
                                       const LogConfig& cfg, bool recover, int64_t expected_first,
                                       int64_t* dropped);

  // For the log cleaner: opens the complete file <base>.log<suffix> it wrote, indexes it from the
  // batch headers and writes <base>.index<suffix> and <base>.timeindex<suffix>. This runs before
  // the log's locks are taken, so a swap only has to rename files under them.
  static std::shared_ptr<Segment> open_staged(const std::filesystem::path& dir, int64_t base,
                                              const LogConfig& cfg, const std::string& suffix);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  int64_t base_offset() const { return base_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t next_offset() const { return next_offset_; }
  int64_t max_timestamp() const { return max_ts_; }
  int64_t max_timestamp_offset() const { return max_ts_offset_; }
  int64_t first_append_ms() const { return first_append_ms_; }
  bool index_full() const;
  // Whether `last_offset` can still be expressed as a 32-bit relative offset here.
  bool fits_offset(int64_t last_offset) const { return last_offset - base_ <= INT32_MAX; }

  // An append whose bytes and index entries are on file but not yet visible in memory.
  struct PendingAppend {
    int64_t size, next_offset, max_ts, max_ts_offset, bytes_since_index, first_append_ms;
    std::vector<OffsetEntry> offsets;  // index entries the append adds
    std::vector<TimeEntry> times;
  };
  // File I/O first, memory last: writes `data` (the whole batches `headers`) after the visible end
  // and the index entries they add, changing nothing in memory. If it throws, what it wrote lies
  // beyond size() and the indexes' visible entries, where nothing reads it and recovery drops it.
  // Only the owning Log's writer calls this (readers may run meanwhile).
  PendingAppend write_batches(std::span<const uint8_t> data,
                              const std::vector<records::BatchHeader>& headers, int64_t now_ms);
  // Makes a written append visible; memory only. Called with readers excluded.
  void publish(PendingAppend&& p);

  // The first batch whose last offset >= offset, or nullopt if there is none in this segment.
  std::optional<Located> find(int64_t offset) const;
  // The batch header at `position`, if a whole header fits before size().
  std::optional<records::BatchHeader> header_at(int64_t position) const;
  // The offset from which to scan for timestamp `ts`: all batches before it have timestamps < ts.
  int64_t time_lookup_start(int64_t ts) const;
  size_t read(uint8_t* buf, size_t len, int64_t position) const;
  // The .log descriptor, for reads bounded by a size snapshot taken under the log's lock. It stays
  // open until the Segment is destroyed (deleting or renaming the files does not close it), so a
  // reader holding a shared_ptr never reads a closed or reused descriptor.
  int log_fd() const { return log_fd_.get(); }

  // Drops every batch whose last offset >= offset (the batch containing it goes entirely); returns
  // the bytes removed.
  int64_t truncate_to(int64_t offset);
  // fdatasync of the .log and, while active, the index files.
  void flush();
  // fdatasync of the .log alone. Safe from any thread: the .log's descriptor is opened at
  // construction and closed only by ~Segment (renames and deletion keep it open, so a reader or a
  // background flush holding the segment never sees the descriptor closed or reused).
  void sync_log() const;
  // Descriptors of a sealed segment's index files, for a background fsync.
  struct SealedIndexFiles {
    Fd index, time;
  };
  // The segment is no longer active: final time index entry, index files trimmed and closed. No
  // fsync: the returned duplicates let the caller sync the index files off the locks.
  SealedIndexFiles seal();
  // Opens the index files for appending (preallocated to segment.index.bytes).
  void activate();
  // Removes the files (the .log's descriptor stays open until ~Segment, so concurrent readers
  // still read this segment's bytes); no more appends afterwards.
  void delete_files();
  // Renames the files to <name>.deleted (retention, cleaner swap) without closing the .log: a
  // reader that still holds the segment (the log cleaner reads sealed segments without the log's
  // locks) keeps reading this file's bytes. Returns the new paths for the caller to remove later.
  // Throws StorageIoError if a rename fails. No more appends afterwards.
  std::vector<std::filesystem::path> mark_deleted();
  // Renames the three files to end in `suffix` ("" for the live names); open fds stay valid. The
  // .log goes last: recovery treats <base>.log.swap as the commit point of a cleaner swap.
  void rename_files(const std::string& suffix);
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  Segment(const std::filesystem::path& dir, int64_t base, const LogConfig& cfg);
  void index_batch(const records::BatchHeader& h, int64_t position);
  PendingAppend begin_pending() const;
  // Adds `h` (written at `position`) to `p`: Kafka's index.interval.bytes rule.
  void plan_batch(const records::BatchHeader& h, int64_t position, PendingAppend& p) const;
  void apply_index(PendingAppend& p);
  bool index_full(size_t offsets, size_t times) const;
  int64_t recover(int64_t expected_first);
  // Loads the index files; false (with a log line if they existed) when they must be rebuilt.
  bool load_indexes();
  bool load_indexes_checked();
  // Indexes a file of whole batches written by this process (no CRC pass): throws StorageError
  // if it is anything else.
  void index_from_headers();
  void write_index_files_exact();
  void write_entries_to_files(const std::vector<OffsetEntry>& offsets, size_t first_offset,
                              const std::vector<TimeEntry>& times, size_t first_time);
  void reset_state();

  int64_t base_;
  LogConfig cfg_;
  std::filesystem::path log_path_, index_path_, time_path_;
  Fd log_fd_, index_fd_, time_fd_;  // index fds are open only while active
  int64_t size_ = 0;
  int64_t next_offset_;
  int64_t max_ts_ = -1;
  int64_t max_ts_offset_ = -1;
  int64_t bytes_since_index_ = 0;
  int64_t first_append_ms_ = -1;
  std::vector<OffsetEntry> offset_index_;
  std::vector<TimeEntry> time_index_;
};

}  // namespace samsa::storage
