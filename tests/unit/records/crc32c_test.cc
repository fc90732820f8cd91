#include "protocol/records/crc32c.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace samsa::records {
namespace {

const uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

struct Vector {
  std::string input;
  uint32_t crc;
};

// Known CRC-32C values (RFC 3720 B.4 and the common check value).
std::vector<Vector> vectors() {
  return {
      {"123456789", 0xE3069283u},
      {"", 0x00000000u},
      {"a", 0xC1D04330u},
      {std::string(32, '\0'), 0x8A9136AAu},
      {std::string(32, '\xff'), 0x62A8AB43u},
  };
}

TEST(Crc32c, TablePathKnownVectors) {
  for (const auto& v : vectors())
    EXPECT_EQ(detail::crc32c_table(bytes(v.input), v.input.size(), 0), v.crc) << v.input.size();
}

TEST(Crc32c, HardwarePathKnownVectors) {
  if (!detail::cpu_has_sse42()) GTEST_SKIP() << "CPU has no SSE4.2";
  for (const auto& v : vectors())
    EXPECT_EQ(detail::crc32c_sse42(bytes(v.input), v.input.size(), 0), v.crc) << v.input.size();
}

TEST(Crc32c, DispatchAndChainingAgreeWithTable) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 31 + 7));
  uint32_t whole = crc32c(bytes(data), data.size());
  EXPECT_EQ(whole, detail::crc32c_table(bytes(data), data.size(), 0));
  // Chaining over odd-sized chunks must equal one pass.
  for (size_t split : {1u, 7u, 8u, 13u, 999u}) {
    uint32_t a = crc32c(bytes(data), split);
    EXPECT_EQ(crc32c(bytes(data) + split, data.size() - split, a), whole);
    uint32_t t = detail::crc32c_table(bytes(data), split, 0);
    EXPECT_EQ(detail::crc32c_table(bytes(data) + split, data.size() - split, t), whole);
  }
}

}  // namespace
}  // namespace samsa::records
