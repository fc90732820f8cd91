#pragma once

#include <cstddef>
#include <cstdint>

namespace samsa::records {

// CRC-32C (Castagnoli), as used by record batch v2. `seed` is a previous return value, so a
// checksum can be computed over several chunks: crc32c(b, nb, crc32c(a, na)) == crc32c(a+b, na+nb).
uint32_t crc32c(const uint8_t* data, size_t len, uint32_t seed = 0);

namespace detail {
// Exposed so tests can exercise both implementations regardless of the CPU.
uint32_t crc32c_table(const uint8_t* data, size_t len, uint32_t seed);
uint32_t crc32c_sse42(const uint8_t* data, size_t len, uint32_t seed);
bool cpu_has_sse42();
}  // namespace detail

}  // namespace samsa::records
