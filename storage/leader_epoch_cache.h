#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

namespace samsa::storage {

// Maps each leader epoch to the first offset written in it, persisted as Kafka's
// leader-epoch-checkpoint ("0\n<count>\n<epoch> <startOffset>\n..."). Not thread-safe: the Log
// guards it.
class LeaderEpochCache {
 public:
  explicit LeaderEpochCache(std::filesystem::path file) : file_(std::move(file)) {}

  // Loads the file (a corrupt file is treated as empty: the cache is an optimisation for
  // truncation decisions and is rebuilt as new epochs are appended).
  void load();
  using Entries = std::vector<std::pair<int32_t, int64_t>>;
  // Records that `epoch` starts at `start_offset` if it is newer than the latest; persists on
  // change (file first, then memory).
  void assign(int32_t epoch, int64_t start_offset);
  // The append path's two halves of assign: writes the checkpoint the entries would have after
  // assigning (nullopt, writing nothing, if nothing changes) without touching memory, so the
  // caller can do it before taking the readers' lock; install() then swaps them in.
  std::optional<Entries> persist_assign(const Entries& assignments) const;
  void install(Entries entries) { entries_ = std::move(entries); }
  // Drops entries starting at or after `end_offset` (after log truncation).
  void truncate_from_end(int64_t end_offset);

  std::optional<int32_t> latest_epoch() const;
  // OffsetsForLeaderEpoch: the largest epoch <= `epoch` and the offset where it ended (the start of
  // the next epoch, or log_end for the latest). nullopt if `epoch` predates every entry.
  std::optional<std::pair<int32_t, int64_t>> end_offset_for(int32_t epoch, int64_t log_end) const;
  const std::vector<std::pair<int32_t, int64_t>>& entries() const { return entries_; }

 private:
  void persist(const Entries& entries) const;

  std::filesystem::path file_;
  std::vector<std::pair<int32_t, int64_t>> entries_;
};

}  // namespace samsa::storage
