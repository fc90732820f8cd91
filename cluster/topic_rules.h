#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_image.h"

namespace samsa::cluster {

inline constexpr size_t kMaxTopicNameLength = 249;
inline constexpr int32_t kMaxPartitionsPerTopic = 100'000;

// Kafka's topic name rules. Returns an error message, or nullopt if the name is legal.
std::optional<std::string> validate_topic_name(std::string_view name);

// True when the names are equal once '.' and '_' are treated as the same character (Kafka's
// metric-name collision rule).
bool topic_names_collide(std::string_view a, std::string_view b);

// Name of an existing topic in `image` that collides with `name` but is not equal to it.
std::optional<std::string> find_colliding_topic(const MetadataImage& image, std::string_view name);

struct Placement {
  int16_t error = 0;
  std::string message;
  std::vector<std::vector<int32_t>> replicas;  // one list per new partition
};

// Round-robin placement over the unfenced brokers, starting at `start_offset` (callers pass a
// random value, as Kafka does). Places partitions [first_partition, first_partition + count).
Placement place_replicas(const MetadataImage& image, int32_t first_partition, int32_t count,
                         int16_t replication_factor, uint32_t start_offset);

// A random version-4 UUID that is neither all-zero nor Kafka's reserved METADATA_TOPIC_ID (1).
Uuid random_uuid();

// A random Kafka-style cluster id (22 url-safe base64 characters).
std::string random_cluster_id();

}  // namespace samsa::cluster
