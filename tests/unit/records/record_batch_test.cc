#include "protocol/records/record_batch.h"

#include <gtest/gtest.h>

#include "protocol/records/batch_conversion.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_builder.h"
#include "protocol/records/record_timestamps.h"

namespace samsa::records {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::vector<Record> sample_records() {
  Record a;
  a.key = "k1";
  a.value = "v1";
  Record b;
  b.value = std::string(300, 'x');  // multi-byte varint length
  b.timestamp_delta = 5;
  b.headers = {{"h", std::string("hv")}, {"null", std::nullopt}};
  Record c;  // null key and value
  c.timestamp_delta = 2;
  return {a, b, c};
}

ValidateOptions opts() {
  ValidateOptions o;
  o.now_ms = kNow;
  o.produce_version = 9;
  o.timestamp_before_max_ms = 24 * 3600 * 1000LL;
  return o;
}

void refresh_crc(std::vector<uint8_t>& b) {
  write_be32(b.data() + kCrcOffset, static_cast<int32_t>(compute_batch_crc(b)));
}

TEST(RecordBatch, BuildParseRoundTrip) {
  auto recs = sample_records();
  auto batch = build_batch(recs, kNow);
  auto h = parse_header(batch);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->magic, 2);
  EXPECT_EQ(h->total_size(), static_cast<int64_t>(batch.size()));
  EXPECT_EQ(h->records_count, 3);
  EXPECT_EQ(h->last_offset_delta, 2);
  EXPECT_EQ(h->max_timestamp, kNow + 5);
  EXPECT_EQ(h->crc, compute_batch_crc(batch));
  auto parsed = parse_records(batch);
  ASSERT_EQ(parsed.size(), 3u);
  for (int i = 0; i < 3; ++i) recs[i].offset_delta = i;
  EXPECT_EQ(parsed, recs);
  EXPECT_TRUE(check_batch_integrity(batch).empty());
}

TEST(RecordBatch, ValidBatchPasses) {
  auto batch = build_batch(sample_records(), kNow);
  auto r = validate_client_batch(batch, opts());
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.records_count, 3);
  EXPECT_EQ(r.max_timestamp, kNow + 5);
}

TEST(RecordBatch, SizeAndLengthErrors) {
  auto batch = build_batch(sample_records(), kNow);
  std::vector<uint8_t> small(batch.begin(), batch.begin() + 60);
  EXPECT_EQ(validate_client_batch(small, opts()).error_code, kErrCorruptMessage);

  auto truncated = batch;
  truncated.pop_back();
  EXPECT_EQ(validate_client_batch(truncated, opts()).error_code, kErrCorruptMessage);

  auto bad_len = batch;
  write_be32(bad_len.data() + kLengthOffset, 10);
  EXPECT_EQ(validate_client_batch(bad_len, opts()).error_code, kErrCorruptMessage);

  auto two = batch;
  two.insert(two.end(), batch.begin(), batch.end());
  EXPECT_EQ(validate_client_batch(two, opts()).error_code, kErrInvalidRecord);
}

TEST(RecordBatch, MagicAndCompressionErrors) {
  auto batch = build_batch(sample_records(), kNow);
  auto m1 = batch;
  m1[kMagicOffset] = 1;
  EXPECT_EQ(validate_client_batch(m1, opts()).error_code, kErrInvalidRecord);

  auto zstd = batch;
  write_be16(zstd.data() + kAttributesOffset, static_cast<int16_t>(Compression::kZstd));
  refresh_crc(zstd);
  auto o = opts();
  o.produce_version = 6;
  EXPECT_EQ(validate_client_batch(zstd, o).error_code, kErrUnsupportedCompressionType);
  o.produce_version = 7;
  EXPECT_TRUE(validate_client_batch(zstd, o).ok());  // body not inspected without decompression

  auto unknown = batch;
  write_be16(unknown.data() + kAttributesOffset, 6);
  refresh_crc(unknown);
  EXPECT_EQ(validate_client_batch(unknown, opts()).error_code, kErrCorruptMessage);
}

TEST(RecordBatch, OffsetSizeAndCrcErrors) {
  auto batch = build_batch(sample_records(), kNow);
  auto off = batch;
  write_be64(off.data(), 5);  // not covered by CRC
  EXPECT_EQ(validate_client_batch(off, opts()).error_code, kErrInvalidRecord);

  auto o = opts();
  o.max_message_bytes = static_cast<int64_t>(batch.size()) - 1;
  EXPECT_EQ(validate_client_batch(batch, o).error_code, kErrMessageTooLarge);
  o.max_message_bytes = static_cast<int64_t>(batch.size());
  EXPECT_TRUE(validate_client_batch(batch, o).ok());

  auto crc = batch;
  crc.back() ^= 0x01;
  EXPECT_EQ(validate_client_batch(crc, opts()).error_code, kErrCorruptMessage);
  EXPECT_FALSE(check_batch_integrity(crc).empty());
}

TEST(RecordBatch, CountAndProducerErrors) {
  auto batch = build_batch(sample_records(), kNow);
  auto delta = batch;
  write_be32(delta.data() + kLastOffsetDeltaOffset, 5);
  refresh_crc(delta);
  EXPECT_EQ(validate_client_batch(delta, opts()).error_code, kErrInvalidRecord);

  auto count = batch;  // header and delta agree, but the body holds 3 records
  write_be32(count.data() + kLastOffsetDeltaOffset, 3);
  write_be32(count.data() + kRecordsCountOffset, 4);
  refresh_crc(count);
  EXPECT_EQ(validate_client_batch(count, opts()).error_code, kErrInvalidRecord);

  auto empty = build_batch({}, kNow);
  EXPECT_EQ(validate_client_batch(empty, opts()).error_code, kErrInvalidRecord);

  BuildOptions ctl;
  ctl.attributes = kControlBit;
  EXPECT_EQ(validate_client_batch(build_batch(sample_records(), kNow, ctl), opts()).error_code,
            kErrInvalidRecord);

  BuildOptions idem;
  idem.producer_id = 42;
  idem.producer_epoch = 0;
  EXPECT_EQ(validate_client_batch(build_batch(sample_records(), kNow, idem), opts()).error_code,
            kErrInvalidRecord);
  idem.base_sequence = 0;
  EXPECT_TRUE(validate_client_batch(build_batch(sample_records(), kNow, idem), opts()).ok());
}

TEST(RecordBatch, MalformedRecordsRejected) {
  auto batch = build_batch(sample_records(), kNow);
  // First record's offsetDelta: length(1) attrs(1) tsDelta(1) -> byte 61+3.
  auto od = batch;
  od[kRecordsOffset + 3] = 2;  // zig-zag 1
  refresh_crc(od);
  auto r = validate_client_batch(od, opts());
  EXPECT_EQ(r.error_code, kErrInvalidRecord);
  EXPECT_NE(r.message.find("offset deltas"), std::string::npos) << r.message;
  EXPECT_THROW(parse_records(od), RecordError);

  auto len = batch;  // record length pointing past the batch
  len[kRecordsOffset] = 0x7E;
  refresh_crc(len);
  EXPECT_EQ(validate_client_batch(len, opts()).error_code, kErrInvalidRecord);

  auto varint = batch;  // a varint that never terminates
  for (size_t i = kRecordsOffset; i < varint.size(); ++i) varint[i] = 0xFF;
  refresh_crc(varint);
  EXPECT_EQ(validate_client_batch(varint, opts()).error_code, kErrInvalidRecord);
  EXPECT_THROW(parse_records(varint), RecordError);
}

TEST(RecordBatch, TimestampChecks) {
  auto o = opts();
  auto old_batch = build_batch(sample_records(), kNow - o.timestamp_before_max_ms - 1);
  EXPECT_EQ(validate_client_batch(old_batch, o).error_code, kErrInvalidTimestamp);
  // The last record is +5 ms: one record past the limit fails the batch.
  auto future = build_batch(sample_records(), kNow + o.timestamp_after_max_ms - 4);
  EXPECT_EQ(validate_client_batch(future, o).error_code, kErrInvalidTimestamp);
  auto edge = build_batch(sample_records(), kNow + o.timestamp_after_max_ms - 5);
  EXPECT_TRUE(validate_client_batch(edge, o).ok());
  o.log_append_time = true;
  EXPECT_TRUE(validate_client_batch(old_batch, o).ok());

  BuildOptions lat;
  lat.attributes = kTimestampTypeBit;
  EXPECT_EQ(validate_client_batch(build_batch(sample_records(), kNow, lat), opts()).error_code,
            kErrInvalidTimestamp);
}

TEST(RecordBatch, TimestampErrorNamesTheFirstBadRecordAsKafkaDoes) {
  auto o = opts();
  o.timestamp_after_max_ms = 3600 * 1000LL;
  // Record deltas are 0, 5, 2: only the second (index 1) is past now + after.max.ms.
  const int64_t base = kNow + o.timestamp_after_max_ms - 4;
  auto r = validate_client_batch(build_batch(sample_records(), base), o);
  EXPECT_EQ(r.error_code, kErrInvalidTimestamp);
  EXPECT_EQ(r.message, "One or more records have been rejected due to invalid timestamp");
  EXPECT_EQ(r.record_error_index, 1);
  EXPECT_EQ(r.record_error_message,
            "Timestamp " + std::to_string(base + 5) +
                " of message with offset 1 is out of range. The timestamp should be within [" +
                std::to_string(kNow - o.timestamp_before_max_ms) + ", " +
                std::to_string(kNow + o.timestamp_after_max_ms) + "]");
}

TEST(RecordBatch, RecordsWithoutTimestampAreNotRangeChecked) {
  // Kafka skips NO_TIMESTAMP (-1) records in validateTimestamp.
  Record r;
  r.value = "v";
  auto batch = build_batch({r, r}, kNoTimestamp);
  auto result = validate_client_batch(batch, opts());
  EXPECT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.max_timestamp, kNoTimestamp);
}

TEST(RecordBatch, LyingHeaderMaxTimestampIsRecomputedAndCanBeFixed) {
  // Review finding H6: a header claiming INT64_MAX would make its segment immune to retention.
  auto batch = build_batch(sample_records(), kNow);
  write_be64(batch.data() + kMaxTimestampOffset, INT64_MAX);
  refresh_crc(batch);
  auto r = validate_client_batch(batch, opts());
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.max_timestamp, kNow + 5);
  set_max_timestamp(batch, r.max_timestamp, TimestampType::kCreateTime);
  EXPECT_EQ(parse_header(batch)->max_timestamp, kNow + 5);
  EXPECT_TRUE(check_batch_integrity(batch).empty());  // CRC recomputed
}

TEST(RecordBatch, CompressedRecordsAreCheckedWhenDecompressed) {
  auto strict = opts();
  strict.timestamp_after_max_ms = 3600 * 1000LL;
  auto lax = opts();
  lax.timestamp_after_max_ms = INT64_MAX;
  // The second record is past the bound; the header is rewritten to hide it.
  auto gz = convert_batch(build_batch(sample_records(), kNow + strict.timestamp_after_max_ms - 4),
                          Compression::kGzip, kDefaultLevel, lax);
  ASSERT_TRUE(gz.ok()) << gz.message;
  set_max_timestamp(gz.batch, kNow, TimestampType::kCreateTime);
  // The header checks do not look inside (nor at the header's timestamps, as in Kafka)...
  EXPECT_TRUE(validate_client_batch(gz.batch, strict).ok());
  // ...decompressing does, record by record, and finds the true maximum.
  std::vector<uint8_t> plain;
  auto check = decompress_and_check(gz.batch, strict, plain);
  EXPECT_EQ(check.error_code, kErrInvalidTimestamp);
  EXPECT_EQ(check.record_error_index, 1);
  auto ok = decompress_and_check(gz.batch, lax, plain);
  EXPECT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.max_timestamp, kNow + strict.timestamp_after_max_ms + 1);
}

TEST(RecordBatch, AssignOffsetsAndLogAppendTime) {
  auto batch = build_batch(sample_records(), kNow);
  uint32_t crc = compute_batch_crc(batch);
  assign_offsets(batch, 1234, 7);
  auto h = parse_header(batch);
  EXPECT_EQ(h->base_offset, 1234);
  EXPECT_EQ(h->partition_leader_epoch, 7);
  EXPECT_EQ(h->last_offset(), 1236);
  EXPECT_EQ(h->crc, crc);
  EXPECT_TRUE(check_batch_integrity(batch).empty());

  set_log_append_time(batch, kNow + 99);
  h = parse_header(batch);
  EXPECT_EQ(h->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(h->max_timestamp, kNow + 99);
  EXPECT_NE(h->crc, crc);
  EXPECT_TRUE(check_batch_integrity(batch).empty());
}

}  // namespace
}  // namespace samsa::records
