// Batches captured from real clients (fixtures/capture.py): kafka-python writes xerial-framed
// snappy and LZ4 frames with a content size; librdkafka writes raw snappy blocks.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "protocol/records/batch_conversion.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_builder.h"

namespace samsa::records {
namespace {

std::vector<uint8_t> load_hex(const std::string& name) {
  std::ifstream f(std::string(SAMSA_RECORDS_FIXTURES) + "/" + name);
  std::string hex;
  f >> hex;
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

struct Fixture {
  const char* client;
  const char* codec;
  Compression compression;
};

class ClientFixture : public ::testing::TestWithParam<Fixture> {};

TEST_P(ClientFixture, DecodesToTheRecordsTheClientSent) {
  const auto& fx = GetParam();
  auto batch = load_hex(std::string(fx.client) + "_" + fx.codec + ".hex");
  ASSERT_GT(batch.size(), kBatchHeaderSize) << "missing fixture";
  ASSERT_EQ(check_batch_integrity(batch), "");
  auto h = *parse_header(batch);
  EXPECT_EQ(h.compression(), fx.compression);
  ValidateOptions o;
  o.now_ms = h.max_timestamp;
  auto plain = convert_batch(batch, Compression::kNone, kDefaultLevel, o);
  ASSERT_TRUE(plain.ok()) << plain.message;
  auto recs = parse_records(plain.batch);
  ASSERT_EQ(recs.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    std::string value;
    for (int r = 0; r < 8; ++r)
      value += std::string(fx.client) + "-" + fx.codec + "-" + std::to_string(i) + "-";
    EXPECT_EQ(recs[i].key, "k" + std::to_string(i));
    EXPECT_EQ(recs[i].value, value);
  }
  // Our own encoder's output for the same records decodes identically.
  auto again = convert_batch(plain.batch, fx.compression, kDefaultLevel, o);
  ASSERT_TRUE(again.ok());
  auto back = convert_batch(again.batch, Compression::kNone, kDefaultLevel, o);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(parse_records(back.batch), recs);
}

INSTANTIATE_TEST_SUITE_P(Clients, ClientFixture,
                         ::testing::Values(Fixture{"kafka-python", "gzip", Compression::kGzip},
                                           Fixture{"kafka-python", "snappy", Compression::kSnappy},
                                           Fixture{"kafka-python", "lz4", Compression::kLz4},
                                           Fixture{"kafka-python", "zstd", Compression::kZstd},
                                           Fixture{"librdkafka", "gzip", Compression::kGzip},
                                           Fixture{"librdkafka", "snappy", Compression::kSnappy},
                                           Fixture{"librdkafka", "lz4", Compression::kLz4},
                                           Fixture{"librdkafka", "zstd", Compression::kZstd}),
                         [](const auto& info) {
                           std::string n = std::string(info.param.client) + "_" + info.param.codec;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(ClientFixture, XerialAndRawSnappyAreBothRecognised) {
  auto xerial = load_hex("kafka-python_snappy.hex");
  auto raw = load_hex("librdkafka_snappy.hex");
  ASSERT_GT(xerial.size(), kBatchHeaderSize + 8);
  ASSERT_GT(raw.size(), kBatchHeaderSize + 8);
  EXPECT_EQ(xerial[kRecordsOffset], 0x82);
  EXPECT_NE(raw[kRecordsOffset], 0x82);
}

}  // namespace
}  // namespace samsa::records
