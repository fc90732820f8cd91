#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "storage/types.h"

namespace samsa::storage {

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset();

 private:
  int fd_ = -1;
};

Fd open_file(const std::filesystem::path& p, int flags, int mode = 0644);
int64_t file_size(int fd);
// Full-length pread; returns the bytes read (short only at end of file).
size_t pread_full(int fd, uint8_t* buf, size_t len, int64_t pos);
void pwrite_full(int fd, const uint8_t* buf, size_t len, int64_t pos);
void truncate_fd(int fd, int64_t size);
void sync_fd(int fd);
// A second descriptor for the same open file (so another thread can fsync it after the owner
// closed its own); an invalid Fd for an invalid fd.
Fd dup_fd(int fd);
// rename(2) and fsync of a directory; both throw StorageIoError on failure (errors are never
// ignored: a lost rename or directory entry is lost data after a crash).
void rename_file(const std::filesystem::path& from, const std::filesystem::path& to);
void sync_dir(const std::filesystem::path& dir);

// Reads a small text file, refusing anything over max_bytes. nullopt if it does not exist.
std::optional<std::string> read_small_file(const std::filesystem::path& p, size_t max_bytes);
// Writes via a temp file, fsync and rename, so readers see the old or the new content.
void write_file_atomic(const std::filesystem::path& p, const std::string& content);

// Kafka's offset checkpoint format: "0\n<count>\n<topic> <partition> <offset>\n...". Reading
// throws StorageError for a malformed file (bad header, fewer or more entries than the count, a
// negative offset, trailing junk): a damaged checkpoint is never read as offset 0.
std::map<TopicPartition, int64_t> read_offset_checkpoint(const std::filesystem::path& p);
void write_offset_checkpoint(const std::filesystem::path& p,
                             const std::map<TopicPartition, int64_t>& offsets);

// Kafka prints UUIDs as URL-safe base64 without padding (22 characters).
std::string uuid_to_base64(const Uuid16& id);
std::optional<Uuid16> uuid_from_base64(const std::string& s);
Uuid16 random_uuid();

// "<topic>-<n>" -> TopicPartition; nullopt for anything else (including "-delete" dirs).
std::optional<TopicPartition> parse_partition_dir(const std::string& name);
std::string segment_file_name(int64_t base_offset, const char* suffix);

}  // namespace samsa::storage
