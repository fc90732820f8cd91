#include "protocol/records/crc32c.h"

#include <array>
#include <cstring>

namespace samsa::records {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// Slicing-by-8 tables: the fallback is used for recovery scans of whole segments on CPUs without
// SSE4.2, so a byte-at-a-time loop would be needlessly slow.
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};
constexpr Tables kTables{};

#if defined(__x86_64__) || defined(__i386__)
constexpr bool kX86 = true;
#else
constexpr bool kX86 = false;
#endif

}  // namespace

namespace detail {

uint32_t crc32c_table(const uint8_t* p, size_t len, uint32_t seed) {
  uint32_t crc = ~seed;
  const auto& t = kTables.t;
  while (len >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    // Little-endian host assumed (x86/arm64), as every supported target is.
    lo ^= crc;
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const uint8_t* p, size_t len,
                                                        uint32_t seed) {
  uint64_t crc = ~seed;
  while (len >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    crc = __builtin_ia32_crc32di(crc, v);
    p += 8;
    len -= 8;
  }
  uint32_t c = static_cast<uint32_t>(crc);
  while (len--) c = __builtin_ia32_crc32qi(c, *p++);
  return ~c;
}
bool cpu_has_sse42() {
  return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t crc32c_sse42(const uint8_t* p, size_t len, uint32_t seed) {
  return crc32c_table(p, len, seed);
}
bool cpu_has_sse42() {
  return false;
}
#endif

}  // namespace detail

uint32_t crc32c(const uint8_t* data, size_t len, uint32_t seed) {
  static const bool hw = kX86 && detail::cpu_has_sse42();
  return hw ? detail::crc32c_sse42(data, len, seed) : detail::crc32c_table(data, len, seed);
}

}  // namespace samsa::records
