#include "storage/leader_epoch_cache.h"

#include <spdlog/spdlog.h>

#include <sstream>

#include "storage/file_util.h"

namespace samsa::storage {

void LeaderEpochCache::load() {
  entries_.clear();
  std::optional<std::string> text;
  try {
    text = read_small_file(file_, 1 << 20);
  } catch (const StorageError& e) {
    spdlog::warn("ignoring leader epoch checkpoint: {}", e.what());
    return;
  }
  if (!text) return;
  std::istringstream in(*text);
  int version = -1;
  int64_t count = -1;
  if (!(in >> version >> count) || version != 0 || count < 0) {
    spdlog::warn("ignoring malformed leader epoch checkpoint {}", file_.string());
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    int32_t epoch;
    int64_t start;
    if (!(in >> epoch >> start)) break;
    if (!entries_.empty() && (epoch <= entries_.back().first || start < entries_.back().second))
      break;  // entries must be increasing; keep the consistent prefix
    entries_.emplace_back(epoch, start);
  }
}

void LeaderEpochCache::assign(int32_t epoch, int64_t start_offset) {
  if (auto next = persist_assign({{epoch, start_offset}})) install(std::move(*next));
}

std::optional<LeaderEpochCache::Entries> LeaderEpochCache::persist_assign(
    const Entries& assignments) const {
  std::optional<Entries> next;
  for (const auto& [epoch, start] : assignments) {
    const Entries& cur = next ? *next : entries_;
    if (epoch < 0 || (!cur.empty() && epoch <= cur.back().first)) continue;
    if (!next) next = entries_;
    next->emplace_back(epoch, start);
  }
  if (next) persist(*next);
  return next;
}

void LeaderEpochCache::truncate_from_end(int64_t end_offset) {
  Entries next = entries_;
  while (!next.empty() && next.back().second >= end_offset) next.pop_back();
  if (next.size() == entries_.size()) return;
  persist(next);
  entries_ = std::move(next);
}

std::optional<int32_t> LeaderEpochCache::latest_epoch() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back().first;
}

std::optional<std::pair<int32_t, int64_t>> LeaderEpochCache::end_offset_for(int32_t epoch,
                                                                            int64_t log_end) const {
  for (size_t i = entries_.size(); i-- > 0;) {
    if (entries_[i].first <= epoch) {
      int64_t end = i + 1 < entries_.size() ? entries_[i + 1].second : log_end;
      return std::make_pair(entries_[i].first, end);
    }
  }
  return std::nullopt;
}

void LeaderEpochCache::persist(const Entries& entries) const {
  std::string s = "0\n" + std::to_string(entries.size()) + "\n";
  for (const auto& [e, o] : entries) s += std::to_string(e) + " " + std::to_string(o) + "\n";
  write_file_atomic(file_, s);
}

}  // namespace samsa::storage
