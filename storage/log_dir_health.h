#pragma once
// A log dir's sticky failure state, in the role of Kafka's LogDirFailureChannel (or LevelDB's
// bg_error_): the first write or fsync that fails anywhere in the dir takes the whole dir offline
// until the broker restarts. After a failed write nobody knows which bytes reached the disk, so
// appending more (or flushing, or checkpointing) could hand out offsets twice or make recovery cut
// acknowledged data; refusing everything on that dir is the only safe answer. Other log dirs are
// unaffected.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>

#include "storage/types.h"

namespace samsa::storage {

class LogDirHealth {
 public:
  explicit LogDirHealth(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  bool offline() const { return offline_.load(std::memory_order_acquire); }
  // Sticky. The first call logs one error line naming the dir, what failed and why.
  void mark_offline(const std::string& what) noexcept;
  // What took the dir offline; empty while online.
  std::string error() const;
  // Throws LogDirOfflineError if the dir is offline.
  void check_online() const;

 private:
  const std::filesystem::path dir_;
  std::atomic<bool> offline_{false};
  mutable std::mutex mu_;
  std::string error_;
};

// A partition on an offline dir answers KAFKA_STORAGE_ERROR (56) with this message.
class LogDirOfflineError : public StorageError {
 public:
  using StorageError::StorageError;
};

// Runs `io` (file writes, fsyncs, renames) for `subject` (a partition) on `health`'s dir: refuses
// if the dir is already offline, and turns an I/O failure into the dir going offline plus
// LogDirOfflineError. Logic errors (a StorageError that is not a StorageIoError) pass through.
[[noreturn]] void fail_dir(LogDirHealth& health, const char* what, const std::string& subject,
                           const char* error);

template <class F>
decltype(auto) with_dir_io(LogDirHealth& health, const char* what, const std::string& subject,
                           F&& io) {
  health.check_online();
  try {
    return io();
  } catch (const StorageIoError& e) {
    fail_dir(health, what, subject, e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    fail_dir(health, what, subject, e.what());
  }
}

}  // namespace samsa::storage
