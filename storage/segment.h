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

  // Writes bytes after the visible end; they become visible with commit().
  void write(std::span<const uint8_t> data, int64_t at);
  // Records a batch written at `position` (which must be size()).
  void commit(const records::BatchHeader& h, int64_t position, int64_t now_ms);

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
  void flush();
  // The segment is no longer active: final time index entry, index files trimmed and closed.
  void seal();
  // Opens the index files for appending (preallocated to segment.index.bytes).
  void activate();
  // Removes the files; the object must not be used afterwards.
  void delete_files();
  // Closes the files and renames them to <name>.deleted (retention); returns the new paths for the
  // caller to remove later. The object must not be used afterwards.
  std::vector<std::filesystem::path> mark_deleted();
  // Renames the three files to end in `suffix` ("" for the live names); open fds stay valid. The
  // .log goes last: recovery treats <base>.log.swap as the commit point of a cleaner swap.
  void rename_files(const std::string& suffix);
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  Segment(const std::filesystem::path& dir, int64_t base, const LogConfig& cfg);
  void index_batch(const records::BatchHeader& h, int64_t position);
  int64_t recover(int64_t expected_first);
  bool load_indexes();
  // Indexes a file of whole batches written by this process (no CRC pass): throws StorageError
  // if it is anything else.
  void index_from_headers();
  void write_index_files_exact();
  void append_entries_to_files(size_t old_offsets, size_t old_times);
  int64_t offset_index_position(int64_t offset) const;
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
