// Primitive types shared by the Kafka wire codecs.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace samsa::protocol {

using Uuid = std::array<uint8_t, 16>;
using Bytes = std::vector<uint8_t>;

// Thrown for any malformed input: underflow, bad lengths or counts, bad varints, unknown versions.
// Decoding never throws anything else for hostile bytes (std::bad_alloc aside, which the bounds
// checks are there to prevent).
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when a value cannot be represented on the wire (e.g. a string longer than an int16
// length).
struct EncodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Used as kFirstFlexibleVersion for messages that have no flexible version, so that the natural
// test `version >= kFirstFlexibleVersion` stays correct.
inline constexpr int16_t kNoFlexibleVersion = INT16_MAX;

}  // namespace samsa::protocol
