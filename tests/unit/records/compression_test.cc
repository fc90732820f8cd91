#include "protocol/records/compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "protocol/records/batch_conversion.h"
#include "protocol/records/record_builder.h"

namespace samsa::records {
namespace {

constexpr Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                   Compression::kLz4, Compression::kZstd};

std::vector<uint8_t> sample(size_t n) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(42);
  // Half text-like, half random, so blocks both shrink and don't.
  for (size_t i = 0; i < n; ++i) v[i] = i % 2 ? "samsa-kafka"[i % 11] : uint8_t(rng());
  return v;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsSizes) {
  // 0, tiny, and sizes that cross the 32 KiB xerial / 64 KiB lz4 block boundaries.
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{100}, size_t{32768}, size_t{70000}, size_t{300000}}) {
    auto in = sample(n);
    auto packed = compress(GetParam(), in);
    EXPECT_EQ(decompress(GetParam(), packed, n), in) << "size " << n;
  }
}

TEST_P(CodecTest, HonoursLevels) {
  auto in = sample(50000);
  for (int level : {1, 5}) {
    if (GetParam() == Compression::kSnappy || GetParam() == Compression::kNone) continue;
    EXPECT_EQ(decompress(GetParam(), compress(GetParam(), in, level), in.size()), in);
  }
}

TEST_P(CodecTest, RejectsOutputBeyondLimit) {
  auto in = sample(200000);
  auto packed = compress(GetParam(), in);
  EXPECT_THROW(decompress(GetParam(), packed, in.size() - 1), CompressionError);
  EXPECT_THROW(decompress(GetParam(), packed, 1000), CompressionError);
}

// kNone has no framing that could be corrupt.
class FramedCodecTest : public CodecTest {};

TEST_P(FramedCodecTest, RejectsCorruptAndTruncatedInput) {
  auto in = sample(20000);
  auto packed = compress(GetParam(), in);
  std::vector<uint8_t> truncated(packed.begin(), packed.begin() + packed.size() / 2);
  EXPECT_THROW(decompress(GetParam(), truncated, 1 << 20), CompressionError);
  std::vector<uint8_t> garbage(300, 0xAB);
  EXPECT_THROW(decompress(GetParam(), garbage, 1 << 20), CompressionError);
  EXPECT_THROW(decompress(GetParam(), {}, 1 << 20), CompressionError);
}

INSTANTIATE_TEST_SUITE_P(All, CodecTest, ::testing::ValuesIn(kCodecs),
                         [](const auto& info) { return std::string(codec_name(info.param)); });
INSTANTIATE_TEST_SUITE_P(All, FramedCodecTest,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd),
                         [](const auto& info) { return std::string(codec_name(info.param)); });

TEST(Compression, ZipBombIsRejectedWithoutBigAllocation) {
  // 256 MiB of zeros packs into a few hundred KiB; decompression must stop at the bound.
  std::vector<uint8_t> zeros(256u << 20, 0);
  for (Compression c : {Compression::kGzip, Compression::kLz4, Compression::kZstd}) {
    auto bomb = compress(c, zeros, 1);
    ASSERT_LT(bomb.size(), 2u << 20);
    EXPECT_THROW(decompress(c, bomb, 1u << 20), CompressionError) << codec_name(c);
  }
}

TEST(Compression, SnappyRawBlockClaimingHugeSizeIsRejectedBeforeAllocating) {
  // Varint preamble claiming ~2^32 bytes, followed by almost nothing.
  std::vector<uint8_t> raw = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};
  EXPECT_THROW(decompress(Compression::kSnappy, raw, 1 << 20), CompressionError);
}

TEST(Compression, SnappyWritesXerialAndReadsRawBlocks) {
  auto in = sample(1000);
  auto packed = compress(Compression::kSnappy, in);
  ASSERT_GE(packed.size(), 16u);
  EXPECT_EQ(packed[0], 0x82);
  EXPECT_EQ(std::string(packed.begin() + 1, packed.begin() + 7), "SNAPPY");
  // The raw block after the 16-byte header and 4-byte length decodes on its own.
  std::vector<uint8_t> raw(packed.begin() + 20, packed.end());
  EXPECT_EQ(decompress(Compression::kSnappy, raw, 1000), in);
}

TEST(Compression, TopicConfigNames) {
  EXPECT_EQ(codec_from_topic_config("uncompressed"), Compression::kNone);
  EXPECT_EQ(codec_from_topic_config("zstd"), Compression::kZstd);
  EXPECT_EQ(codec_from_topic_config("producer"), std::nullopt);
}

// ---- batch conversion ----------------------------------------------------------------------

std::vector<Record> some_records(int n) {
  std::vector<Record> v;
  for (int i = 0; i < n; ++i) {
    Record r;
    r.key = "k" + std::to_string(i);
    r.value = std::string(100, char('a' + i % 26));
    r.headers.push_back({"h", "v"});
    r.timestamp_delta = i;
    v.push_back(r);
  }
  return v;
}

ValidateOptions opts_now(int64_t now) {
  ValidateOptions o;
  o.now_ms = now;
  o.max_message_bytes = 1 << 20;
  o.produce_version = 9;
  return o;
}

TEST(BatchConversion, EveryCodecToEveryCodecKeepsRecords) {
  const int64_t now = 1700000000000;
  BuildOptions bo;
  bo.producer_id = 7;
  bo.producer_epoch = 1;
  bo.base_sequence = 3;
  auto plain = build_batch(some_records(10), now, bo);
  for (Compression from : kCodecs) {
    auto in = convert_batch(plain, from, kDefaultLevel, opts_now(now));
    ASSERT_TRUE(in.ok()) << in.message;
    EXPECT_TRUE(validate_client_batch(in.batch, opts_now(now)).ok());
    for (Compression to : kCodecs) {
      auto out = convert_batch(in.batch, to, kDefaultLevel, opts_now(now));
      ASSERT_TRUE(out.ok()) << out.message;
      EXPECT_EQ(check_batch_integrity(out.batch), "");
      auto h = *parse_header(out.batch);
      EXPECT_EQ(h.compression(), to);
      EXPECT_EQ(h.producer_id, 7);
      EXPECT_EQ(h.base_sequence, 3);
      EXPECT_EQ(h.records_count, 10);
      EXPECT_EQ(h.max_timestamp, now + 9);
      auto back = convert_batch(out.batch, Compression::kNone, kDefaultLevel, opts_now(now));
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(parse_records(back.batch), parse_records(plain));
    }
  }
}

// A compressed batch whose header is valid but whose compressed bytes are not.
std::vector<uint8_t> with_body(const std::vector<uint8_t>& batch, std::vector<uint8_t> body,
                               Compression c) {
  std::vector<uint8_t> out(kBatchHeaderSize + body.size());
  std::copy(batch.begin(), batch.begin() + kBatchHeaderSize, out.begin());
  std::copy(body.begin(), body.end(), out.begin() + kBatchHeaderSize);
  uint8_t* p = out.data();
  write_be16(p + kAttributesOffset, static_cast<int16_t>(c));
  write_be32(p + kLengthOffset, static_cast<int32_t>(out.size() - kLogOverhead));
  write_be32(p + kCrcOffset, static_cast<int32_t>(compute_batch_crc(out)));
  return out;
}

TEST(BatchConversion, CorruptCompressedDataIsCorruptMessage) {
  const int64_t now = 1700000000000;
  auto plain = build_batch(some_records(3), now);
  auto bad = with_body(plain, std::vector<uint8_t>(50, 0x11), Compression::kLz4);
  ASSERT_TRUE(validate_client_batch(bad, opts_now(now)).ok());  // header checks alone pass
  auto r = convert_batch(bad, Compression::kNone, kDefaultLevel, opts_now(now));
  EXPECT_EQ(r.error_code, kErrCorruptMessage);
}

TEST(BatchConversion, WrongRecordCountInsideCompressedDataIsInvalidRecord) {
  const int64_t now = 1700000000000;
  auto plain = build_batch(some_records(3), now);
  std::vector<uint8_t> section(plain.begin() + kRecordsOffset, plain.end());
  auto two = build_batch(some_records(2), now);
  std::vector<uint8_t> short_section(two.begin() + kRecordsOffset, two.end());
  // Header says 3 records, the compressed stream holds 2.
  auto bad = with_body(plain, compress(Compression::kGzip, short_section), Compression::kGzip);
  EXPECT_EQ(convert_batch(bad, Compression::kNone, kDefaultLevel, opts_now(now)).error_code,
            kErrInvalidRecord);
  auto good = with_body(plain, compress(Compression::kGzip, section), Compression::kGzip);
  EXPECT_TRUE(convert_batch(good, Compression::kNone, kDefaultLevel, opts_now(now)).ok());
}

TEST(BatchConversion, BombInsideABatchIsCorruptMessage) {
  const int64_t now = 1700000000000;
  auto plain = build_batch(some_records(1), now);
  std::vector<uint8_t> zeros(80u << 20, 0);
  auto bomb = with_body(plain, compress(Compression::kZstd, zeros), Compression::kZstd);
  auto o = opts_now(now);
  o.max_message_bytes = 1 << 20;  // limit: max(64 MiB, 16 MiB)
  EXPECT_EQ(convert_batch(bomb, Compression::kLz4, kDefaultLevel, o).error_code,
            kErrCorruptMessage);
}

TEST(BatchConversion, TimestampsInsideCompressedDataAreChecked) {
  const int64_t now = 1700000000000;
  auto recs = some_records(2);
  recs[1].timestamp_delta = 10LL * 24 * 3600 * 1000;  // 10 days ahead
  auto plain = build_batch(recs, now);
  auto gz =
      convert_batch(plain, Compression::kGzip, kDefaultLevel, opts_now(now + 11LL * 86400000));
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(convert_batch(gz.batch, Compression::kNone, kDefaultLevel, opts_now(now)).error_code,
            kErrInvalidTimestamp);
}

}  // namespace
}  // namespace samsa::records
