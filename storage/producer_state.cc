#include "storage/producer_state.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>

#include "protocol/records/crc32c.h"
#include "storage/file_util.h"
#include "storage/types.h"

namespace samsa::storage {
namespace fs = std::filesystem;
using records::BatchHeader;

namespace {

constexpr int16_t kErrOutOfOrderSequence = 45;
constexpr int16_t kErrInvalidProducerEpoch = 47;

// Snapshot layout (Kafka's ProducerSnapshot v1, non-flexible): version int16, crc uint32 (CRC-32C
// of everything after it), entry count int32, then fixed-size entries.
constexpr int16_t kSnapshotVersion = 1;
constexpr size_t kCrcOffset = 2;
constexpr size_t kEntriesOffset = 6;
constexpr size_t kSnapshotHeader = 10;
constexpr size_t kSnapshotEntrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
// A partition with a million live producers is far beyond anything sane; refuse bigger files
// rather than allocate whatever a damaged file claims.
constexpr size_t kMaxSnapshotBytes = kSnapshotHeader + kSnapshotEntrySize * (1u << 20);
constexpr char kSnapshotSuffix[] = ".snapshot";

int32_t decrement_sequence(int32_t seq, int32_t by) {
  if (seq < by) return INT32_MAX - (by - seq) + 1;
  return seq - by;
}

bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return next_seq == last_seq + 1 || (next_seq == 0 && last_seq == INT32_MAX);
}

std::optional<int64_t> snapshot_offset_of(const fs::path& p) {
  if (p.extension() != kSnapshotSuffix) return std::nullopt;
  std::string stem = p.stem().string();
  if (stem.size() != 20) return std::nullopt;
  for (char c : stem)
    if (c < '0' || c > '9') return std::nullopt;
  return std::stoll(stem);
}

}  // namespace

int32_t batch_last_sequence(const BatchHeader& h) {
  if (h.base_sequence > INT32_MAX - h.last_offset_delta)
    return h.last_offset_delta - (INT32_MAX - h.base_sequence) - 1;
  return h.base_sequence + h.last_offset_delta;
}

ProducerStateManager::ProducerStateManager(fs::path dir, int64_t expiration_ms)
    : dir_(std::move(dir)), expiration_ms_(expiration_ms) {}

ProducerCheck ProducerStateManager::check(const BatchHeader& h) const {
  ProducerCheck out;
  if (h.producer_id < 0) return out;
  auto it = producers_.find(h.producer_id);
  // An unknown producer (new, expired, or its batches all deleted) may start at any sequence, as
  // in Kafka 2.5+; UNKNOWN_PRODUCER_ID is no longer the answer.
  if (it == producers_.end()) return out;
  const ProducerEntry& e = it->second;
  const int32_t first = h.base_sequence;
  const int32_t last = batch_last_sequence(h);
  if (h.producer_epoch < e.epoch) {
    out.error = kErrInvalidProducerEpoch;
    out.message = "producer " + std::to_string(h.producer_id) + " epoch " +
                  std::to_string(h.producer_epoch) + " is older than the current epoch " +
                  std::to_string(e.epoch);
    return out;
  }
  if (h.producer_epoch == e.epoch) {
    for (const auto& b : e.batches) {
      if (b.first_seq == first && b.last_seq == last) {
        out.duplicate = b;
        return out;
      }
    }
    const int32_t current_last = e.batches.empty() ? -1 : e.batches.back().last_seq;
    if (e.epoch != -1 && !in_sequence(current_last, first)) {
      out.error = kErrOutOfOrderSequence;
      out.message = "producer " + std::to_string(h.producer_id) + " sent sequence " +
                    std::to_string(first) + " after " + std::to_string(current_last);
    }
    return out;
  }
  // A newer epoch restarts the sequence.
  if (first != 0 && e.epoch != -1) {
    out.error = kErrOutOfOrderSequence;
    out.message = "producer " + std::to_string(h.producer_id) + " new epoch " +
                  std::to_string(h.producer_epoch) + " must start at sequence 0, not " +
                  std::to_string(first);
  }
  return out;
}

void ProducerStateManager::update(const BatchHeader& h) {
  if (h.producer_id < 0 || h.is_control()) return;
  ProducerEntry& e = producers_[h.producer_id];
  if (h.producer_epoch != e.epoch) {
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back(
      ProducerBatch{h.base_sequence, batch_last_sequence(h), h.base_offset, h.last_offset()});
  while (e.batches.size() > kProducerBatchesRetained) e.batches.pop_front();
  e.last_timestamp = h.max_timestamp;
}

bool ProducerStateManager::expired(const ProducerEntry& e, int64_t now_ms) const {
  return e.current_txn_first_offset < 0 && now_ms - e.last_timestamp >= expiration_ms_;
}

void ProducerStateManager::remove_expired(int64_t now_ms) {
  std::erase_if(producers_, [&](const auto& kv) { return expired(kv.second, now_ms); });
}

std::optional<ProducerEntry> ProducerStateManager::entry(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  if (it == producers_.end()) return std::nullopt;
  return it->second;
}

std::vector<uint8_t> ProducerStateManager::encode_snapshot(const ProducerMap& producers) {
  std::vector<uint8_t> out(kSnapshotHeader + kSnapshotEntrySize * producers.size());
  uint8_t* p = out.data();
  records::write_be16(p, kSnapshotVersion);
  records::write_be32(p + kEntriesOffset, static_cast<int32_t>(producers.size()));
  p += kSnapshotHeader;
  for (const auto& [id, e] : producers) {
    // The format keeps only the last batch; the others are lost across a restart, as in Kafka.
    int32_t last_seq = -1;
    int64_t last_offset = -1;
    int32_t offset_delta = 0;
    if (!e.batches.empty()) {
      const auto& b = e.batches.back();
      last_seq = b.last_seq;
      last_offset = b.last_offset;
      offset_delta = static_cast<int32_t>(b.last_offset - b.first_offset);
    }
    records::write_be64(p, id);
    records::write_be16(p + 8, e.epoch);
    records::write_be32(p + 10, last_seq);
    records::write_be64(p + 14, last_offset);
    records::write_be32(p + 22, offset_delta);
    records::write_be64(p + 26, e.last_timestamp);
    records::write_be32(p + 34, e.coordinator_epoch);
    records::write_be64(p + 38, e.current_txn_first_offset);
    p += kSnapshotEntrySize;
  }
  uint32_t crc = records::crc32c(out.data() + kEntriesOffset, out.size() - kEntriesOffset);
  records::write_be32(out.data() + kCrcOffset, static_cast<int32_t>(crc));
  return out;
}

std::optional<ProducerMap> ProducerStateManager::decode_snapshot(std::span<const uint8_t> data) {
  if (data.size() < kSnapshotHeader) return std::nullopt;
  if (records::read_be16(data.data()) != kSnapshotVersion) return std::nullopt;
  auto stored = static_cast<uint32_t>(records::read_be32(data.data() + kCrcOffset));
  if (stored != records::crc32c(data.data() + kEntriesOffset, data.size() - kEntriesOffset))
    return std::nullopt;
  const int32_t count = records::read_be32(data.data() + kEntriesOffset);
  if (count < 0 ||
      static_cast<uint64_t>(count) * kSnapshotEntrySize != data.size() - kSnapshotHeader)
    return std::nullopt;
  ProducerMap out;
  const uint8_t* p = data.data() + kSnapshotHeader;
  for (int32_t i = 0; i < count; ++i, p += kSnapshotEntrySize) {
    const int64_t id = records::read_be64(p);
    ProducerEntry e;
    e.epoch = records::read_be16(p + 8);
    const int32_t last_seq = records::read_be32(p + 10);
    const int64_t last_offset = records::read_be64(p + 14);
    const int32_t offset_delta = records::read_be32(p + 22);
    e.last_timestamp = records::read_be64(p + 26);
    e.coordinator_epoch = records::read_be32(p + 34);
    e.current_txn_first_offset = records::read_be64(p + 38);
    if (id < 0 || offset_delta < 0) return std::nullopt;
    if (last_seq >= 0 && last_offset >= 0) {
      if (offset_delta > last_offset) return std::nullopt;
      e.batches.push_back(ProducerBatch{decrement_sequence(last_seq, offset_delta), last_seq,
                                        last_offset - offset_delta, last_offset});
    }
    if (!out.emplace(id, std::move(e)).second) return std::nullopt;
  }
  return out;
}

std::vector<int64_t> ProducerStateManager::snapshot_offsets() const {
  std::vector<int64_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (auto off = snapshot_offset_of(entry.path())) out.push_back(*off);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ProducerStateManager::delete_snapshots_below(int64_t offset) {
  std::error_code ec;
  for (int64_t o : snapshot_offsets())
    if (o < offset) fs::remove(dir_ / segment_file_name(o, kSnapshotSuffix), ec);
}

void ProducerStateManager::write_snapshot(int64_t offset) {
  write_snapshot_file(offset, snapshot_bytes());
}

void ProducerStateManager::write_snapshot_file(int64_t offset,
                                               const std::vector<uint8_t>& bytes) const {
  write_file_atomic(dir_ / segment_file_name(offset, kSnapshotSuffix),
                    std::string(bytes.begin(), bytes.end()));
  auto offsets = snapshot_offsets();
  std::error_code ec;
  for (size_t i = 0; i + kProducerSnapshotsRetained < offsets.size(); ++i)
    fs::remove(dir_ / segment_file_name(offsets[i], kSnapshotSuffix), ec);
}

std::optional<int64_t> ProducerStateManager::load_snapshot(int64_t log_end, int64_t now_ms) {
  producers_.clear();
  auto offsets = snapshot_offsets();
  std::error_code ec;
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    fs::path p = dir_ / segment_file_name(*it, kSnapshotSuffix);
    if (*it > log_end) {
      // Taken before the log lost its tail (recovery or truncation): it describes batches that
      // are gone.
      fs::remove(p, ec);
      continue;
    }
    std::optional<ProducerMap> decoded;
    try {
      auto text = read_small_file(p, kMaxSnapshotBytes);
      if (text) {
        decoded = decode_snapshot(
            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text->data()), text->size()));
      }
    } catch (const StorageError& e) {
      spdlog::warn("event=producer_snapshot_unreadable path={} error=\"{}\"", p.string(), e.what());
    }
    if (!decoded) {
      spdlog::warn("event=producer_snapshot_corrupt path={} action=deleted", p.string());
      fs::remove(p, ec);
      continue;
    }
    producers_ = std::move(*decoded);
    remove_expired(now_ms);
    return *it;
  }
  return std::nullopt;
}

}  // namespace samsa::storage
