#pragma once
// Idempotent-producer state of one partition: per producer id its epoch and the sequence/offset
// ranges of its last five batches, as Kafka's ProducerStateManager keeps them. The owning Log
// serialises every call (its append mutex), so this class has no lock of its own.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/records/record_batch.h"

namespace samsa::storage {

// Kafka's NUM_BATCHES_TO_RETAIN: a producer has at most five requests in flight per partition, so
// any retry it can send is one of these.
inline constexpr size_t kProducerBatchesRetained = 5;
// Snapshots kept per partition; older ones only help a truncation far back, which replay covers.
inline constexpr size_t kProducerSnapshotsRetained = 2;

struct ProducerBatch {
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  bool operator==(const ProducerBatch&) const = default;
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<ProducerBatch> batches;  // oldest first
  int64_t last_timestamp = -1;        // max timestamp of its last batch, for expiry
  int32_t coordinator_epoch = -1;     // transactions only; kept for the snapshot format
  int64_t current_txn_first_offset = -1;
  bool operator==(const ProducerEntry&) const = default;
};

using ProducerMap = std::map<int64_t, ProducerEntry>;

struct ProducerCheck {
  int16_t error = 0;  // 0, OUT_OF_ORDER_SEQUENCE_NUMBER (45) or INVALID_PRODUCER_EPOCH (47)
  std::string message;
  // Set when the batch repeats one already in the log: answer with these offsets, append nothing.
  std::optional<ProducerBatch> duplicate;
};

// Last sequence of a batch: base + lastOffsetDelta, wrapping past INT32_MAX to 0 as Kafka does.
int32_t batch_last_sequence(const records::BatchHeader& h);

class ProducerStateManager {
 public:
  ProducerStateManager(std::filesystem::path dir, int64_t expiration_ms);

  // Kafka's rules for a client batch (producer_id >= 0) before it is appended.
  ProducerCheck check(const records::BatchHeader& h) const;
  // Records a batch that is now in the log (offsets assigned). No checks: also used for replay.
  void update(const records::BatchHeader& h);
  // producer.id.expiration.ms can change at runtime (Kafka: cluster-wide dynamic).
  void set_expiration_ms(int64_t ms) { expiration_ms_ = ms; }
  // Drops producers idle for producer.id.expiration.ms (by their last batch timestamp).
  void remove_expired(int64_t now_ms);
  void clear() { producers_.clear(); }

  // Writes <dir>/<offset>.snapshot (Kafka's format) atomically and keeps only the newest
  // kProducerSnapshotsRetained snapshots.
  void write_snapshot(int64_t offset);
  // write_snapshot in two halves, so a roll can encode under the log's append lock (memory only)
  // and leave the write, its fsyncs and the pruning to a background flush: the file half touches
  // no in-memory state and may run on any thread.
  std::vector<uint8_t> snapshot_bytes() const { return encode_snapshot(producers_); }
  void write_snapshot_file(int64_t offset, const std::vector<uint8_t>& bytes) const;
  // Replaces the state with the newest readable snapshot at or below `log_end` (newer or corrupt
  // snapshots are deleted). Returns the snapshot's offset, from which the caller replays the log,
  // or nullopt when there is none (replay everything).
  std::optional<int64_t> load_snapshot(int64_t log_end, int64_t now_ms);
  std::vector<int64_t> snapshot_offsets() const;
  // Removes snapshots below `offset` (they describe segments retention has deleted).
  void delete_snapshots_below(int64_t offset);

  const ProducerMap& producers() const { return producers_; }
  std::optional<ProducerEntry> entry(int64_t producer_id) const;

  // The snapshot codec, exposed for tests. decode returns nullopt for anything malformed.
  static std::vector<uint8_t> encode_snapshot(const ProducerMap& producers);
  static std::optional<ProducerMap> decode_snapshot(std::span<const uint8_t> data);

 private:
  bool expired(const ProducerEntry& e, int64_t now_ms) const;

  std::filesystem::path dir_;
  int64_t expiration_ms_;
  ProducerMap producers_;
};

}  // namespace samsa::storage
