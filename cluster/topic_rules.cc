#include "cluster/topic_rules.h"

#include <fmt/format.h>

#include "cluster/errors.h"

namespace samsa::cluster {
namespace {

bool legal_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }()};
  return gen;
}

}  // namespace

std::optional<std::string> validate_topic_name(std::string_view name) {
  if (name.empty()) return "Topic name is illegal, it can't be empty";
  if (name == "." || name == "..") return "Topic name cannot be \".\" or \"..\"";
  if (name.size() > kMaxTopicNameLength) {
    return fmt::format(
        "Topic name is illegal, it can't be longer than {} characters, topic name: {}",
        kMaxTopicNameLength, name);
  }
  for (char c : name) {
    if (!legal_char(c)) {
      return fmt::format(
          "Topic name \"{}\" is illegal, it contains a character other than ASCII alphanumerics, "
          "'.', '_' and '-'",
          name);
    }
  }
  return std::nullopt;
}

bool topic_names_collide(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '.' ? '_' : a[i];
    char y = b[i] == '.' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string> find_colliding_topic(const MetadataImage& image, std::string_view name) {
  // Only names containing '.' or '_' can collide with a different name.
  if (name.find_first_of("._") == std::string_view::npos) return std::nullopt;
  for (const auto& [existing, t] : image.topics()) {
    if (existing != name && topic_names_collide(existing, name)) return existing;
  }
  return std::nullopt;
}

Placement place_replicas(const MetadataImage& image, int32_t first_partition, int32_t count,
                         int16_t replication_factor, uint32_t start_offset) {
  Placement out;
  std::vector<int32_t> brokers;
  for (const auto& [id, b] : image.brokers()) {
    if (!b.fenced) brokers.push_back(id);
  }
  if (replication_factor <= 0) {
    out.error = kInvalidReplicationFactor;
    out.message = "Replication factor must be larger than 0, or -1 to use the default value.";
    return out;
  }
  if (static_cast<size_t>(replication_factor) > brokers.size()) {
    out.error = kInvalidReplicationFactor;
    out.message = fmt::format("Replication factor: {} larger than available brokers: {}.",
                              replication_factor, brokers.size());
    return out;
  }
  const size_t n = brokers.size();
  out.replicas.reserve(count);
  for (int32_t i = 0; i < count; ++i) {
    const size_t p = static_cast<size_t>(first_partition) + i;
    std::vector<int32_t> r;
    r.reserve(replication_factor);
    for (int16_t k = 0; k < replication_factor; ++k)
      r.push_back(brokers[(start_offset + p + k) % n]);
    out.replicas.push_back(std::move(r));
  }
  return out;
}

Uuid random_uuid() {
  for (;;) {
    Uuid id;
    uint64_t hi = rng()();
    uint64_t lo = rng()();
    for (int i = 0; i < 8; ++i) {
      id[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      id[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    bool reserved = true;  // all zero or ...0001
    for (int i = 0; i < 15; ++i) reserved = reserved && id[i] == 0;
    if (!reserved) return id;
  }
}

std::string random_cluster_id() {
  return uuid_to_string(random_uuid());
}

}  // namespace samsa::cluster
