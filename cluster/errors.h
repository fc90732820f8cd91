#pragma once

#include <cstdint>

namespace samsa::cluster {

// Kafka error codes the controller answers with (values fixed by the Kafka protocol).
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kRequestTimedOut = 7;
inline constexpr int16_t kInvalidTopicException = 17;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidReplicationFactor = 38;
inline constexpr int16_t kInvalidReplicaAssignment = 39;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kNotController = 41;
inline constexpr int16_t kInvalidRequest = 42;
inline constexpr int16_t kUnknownTopicId = 100;

}  // namespace samsa::cluster
