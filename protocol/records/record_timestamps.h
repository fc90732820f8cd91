#pragma once
// Kafka's per-record timestamp rule (LogValidator.validateTimestamp), shared by the uncompressed
// and the decompressing validation paths: with CreateTime, every record whose timestamp is not -1
// ("none") must lie within [now - message.timestamp.before.max.ms, now +
// message.timestamp.after.max.ms]. Also tracks the records' true maximum, which is what the
// batch header's maxTimestamp must say once the batch is accepted.
#include <cstdint>
#include <string>

#include "protocol/records/record_batch.h"
#include "protocol/records/record_builder.h"

namespace samsa::records {

inline constexpr int64_t kNoTimestamp = -1;
inline constexpr const char* kInvalidTimestampMessage =
    "One or more records have been rejected due to invalid timestamp";

class RecordTimestamps {
 public:
  RecordTimestamps(const BatchHeader& header, const ValidateOptions& opts)
      : header_(header), opts_(opts) {}

  // Returns false for a record out of range; the first one is remembered for the error.
  bool add(const RecordView& record, int32_t batch_index) {
    const int64_t ts = header_.base_timestamp + record.timestamp_delta;
    if (ts > max_) max_ = ts;
    if (opts_.log_append_time || ts == kNoTimestamp || in_range(ts)) return true;
    if (bad_index_ < 0) {
      bad_index_ = batch_index;
      bad_message_ = "Timestamp " + std::to_string(ts) + " of message with offset " +
                     std::to_string(header_.base_offset + record.offset_delta) +
                     " is out of range. The timestamp should be within [" +
                     bound(-static_cast<__int128>(opts_.timestamp_before_max_ms)) + ", " +
                     bound(opts_.timestamp_after_max_ms) + "]";
    }
    return false;
  }

  int64_t max_timestamp() const { return max_; }
  bool failed() const { return bad_index_ >= 0; }
  int32_t bad_index() const { return bad_index_; }
  const std::string& bad_message() const { return bad_message_; }

 private:
  bool in_range(int64_t ts) const {
    // 128-bit: the defaults include INT64_MAX ("no limit"), which would overflow.
    const __int128 t = ts, now = opts_.now_ms;
    return t >= now - opts_.timestamp_before_max_ms && t <= now + opts_.timestamp_after_max_ms;
  }
  // now + delta, clamped to int64 for the message (Kafka's long arithmetic would wrap instead).
  std::string bound(__int128 delta) const {
    __int128 v = static_cast<__int128>(opts_.now_ms) + delta;
    if (v > INT64_MAX) v = INT64_MAX;
    if (v < INT64_MIN) v = INT64_MIN;
    return std::to_string(static_cast<int64_t>(v));
  }

  const BatchHeader& header_;
  const ValidateOptions& opts_;
  int64_t max_ = kNoTimestamp;
  int32_t bad_index_ = -1;
  std::string bad_message_;
};

}  // namespace samsa::records
