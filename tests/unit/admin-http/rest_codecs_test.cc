// The pieces of REST produce, browse and the group views that parse untrusted input: base64,
// UTF-8, RFC 3339, the key partitioner, the concatenated-JSON splitter and the consumer-protocol
// assignment decoder.
#include <gtest/gtest.h>

#include <cstring>

#include "admin-http/group_view.h"
#include "admin-http/json_stream.h"
#include "admin-http/record_producer.h"
#include "admin-http/text_codecs.h"
#include "protocol/types.h"

namespace samsa::admin_http {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << i;
    bytes += static_cast<char>(i * 37);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVsbG8"), "hello");  // padding is optional
}

TEST(Base64, RejectsInvalidText) {
  EXPECT_FALSE(base64_decode("a"));
  EXPECT_FALSE(base64_decode("aGVsbG8*"));
  EXPECT_FALSE(base64_decode("aGV sbG8="));
  EXPECT_FALSE(base64_decode("aGVsbG8=="));  // padded to a length that is not a multiple of 4
  EXPECT_FALSE(base64_decode("===="));
}

TEST(Utf8, AcceptsTextRejectsBinary) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff\x00\xfe"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Rfc3339, ParsesAndFormats) {
  EXPECT_EQ(parse_rfc3339_ms("2021-02-05T19:14:42Z"), 1612552482000);
  EXPECT_EQ(parse_rfc3339_ms("2021-02-05T19:14:42.123Z"), 1612552482123);
  EXPECT_EQ(parse_rfc3339_ms("2021-02-05T21:14:42.5+02:00"), 1612552482500);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(format_rfc3339_ms(1612552482123), "2021-02-05T19:14:42.123Z");
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  for (const char* bad :
       {"", "yesterday", "2021-02-05", "2021-02-05T19:14:42", "2021-13-05T19:14:42Z",
        "2021-02-05T19:14:42Zjunk", "2021-02-05T19:14:42."}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad)) << bad;
  }
}

TEST(Murmur2, MatchesKafkaUtils) {
  // Vectors from Apache Kafka's UtilsTest.testMurmur2.
  EXPECT_EQ(kafka_murmur2("21"), -973932308);
  EXPECT_EQ(kafka_murmur2("foobar"), -790332482);
  EXPECT_EQ(kafka_murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(kafka_murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(kafka_murmur2("abc"), 479470107);
}

// Serves `text` in pieces of `step` bytes, as a chunked body arrives.
struct Pieces {
  std::string text;
  size_t step;
  size_t pos = 0;
  int operator()(char* buf, size_t n) {
    size_t k = std::min({n, step, text.size() - pos});
    std::memcpy(buf, text.data() + pos, k);
    pos += k;
    return static_cast<int>(k);
  }
};

TEST(JsonStream, SplitsConcatenatedObjectsAcrossAnyBoundary) {
  const std::string text = R"( {"a":"}{\"x"} {"b":[1,{"c":2}]}
[1,2]{"d":"\\"})";
  for (size_t step = 1; step <= text.size(); ++step) {
    JsonStreamReader reader(Pieces{text, step}, 1024);
    std::string v;
    ASSERT_EQ(reader.next(v), JsonStreamReader::Status::kValue);
    EXPECT_EQ(v, R"({"a":"}{\"x"})");
    ASSERT_EQ(reader.next(v), JsonStreamReader::Status::kValue);
    EXPECT_EQ(v, R"({"b":[1,{"c":2}]})");
    ASSERT_EQ(reader.next(v), JsonStreamReader::Status::kValue);
    EXPECT_EQ(v, "[1,2]");
    ASSERT_EQ(reader.next(v), JsonStreamReader::Status::kValue);
    EXPECT_EQ(v, R"({"d":"\\"})");
    EXPECT_EQ(reader.next(v), JsonStreamReader::Status::kEnd);
  }
}

TEST(JsonStream, BoundsEachValueAndRejectsGarbage) {
  JsonStreamReader big(Pieces{"{\"v\":\"" + std::string(5000, 'x') + "\"}", 100}, 1000);
  std::string v;
  EXPECT_EQ(big.next(v), JsonStreamReader::Status::kTooLarge);
  JsonStreamReader garbage(Pieces{"{} 42", 3}, 1000);
  EXPECT_EQ(garbage.next(v), JsonStreamReader::Status::kValue);
  EXPECT_EQ(garbage.next(v), JsonStreamReader::Status::kMalformed);
  JsonStreamReader cut(Pieces{"{\"a\":1", 3}, 1000);
  EXPECT_EQ(cut.next(v), JsonStreamReader::Status::kMalformed);
}

protocol::Bytes assignment_bytes() {
  // version 1, [("t", [0, 2])], null user data
  return {0, 1, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff};
}

TEST(ConsumerAssignment, Decodes) {
  auto tps = decode_consumer_assignment(assignment_bytes());
  ASSERT_EQ(tps.size(), 2u);
  EXPECT_EQ(tps[0], (TopicPartitionKey{"t", 0}));
  EXPECT_EQ(tps[1], (TopicPartitionKey{"t", 2}));
  EXPECT_TRUE(decode_consumer_assignment({}).empty());
}

TEST(ConsumerAssignment, HostileBytesThrowWithoutAllocating) {
  auto bytes = assignment_bytes();
  bytes[5] = 0x7f;  // topic count far beyond the bytes present
  bytes[2] = 0x7f;
  EXPECT_THROW(decode_consumer_assignment(bytes), protocol::DecodeError);
  auto truncated = assignment_bytes();
  truncated.resize(15);
  EXPECT_THROW(decode_consumer_assignment(truncated), protocol::DecodeError);
}

}  // namespace
}  // namespace samsa::admin_http
