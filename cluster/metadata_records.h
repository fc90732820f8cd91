#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "cluster/metadata_image.h"

namespace samsa::cluster {

// Our own compact metadata record types. Each is encoded as
//   u8 type, u8 version, u32 body length, body
// and one raft entry holds an atomic batch of them (one controller request).

struct ClusterIdRecord {
  std::string cluster_id;
};
struct FeatureLevelRecord {
  std::string name;
  int16_t level = 0;
};
// Appended by a new raft leader before it acts as controller (KRaft's LeaderChangeMessage).
struct LeaderChangeRecord {
  int32_t leader_id = -1;
  int64_t term = 0;
};
struct RegisterBrokerRecord {
  BrokerRegistration broker;
};
struct BrokerFenceRecord {
  int32_t broker_id = -1;
  bool fenced = true;
};
struct TopicRecord {
  std::string name;
  Uuid id{};
  bool internal = false;
};
struct PartitionRecord {
  Uuid topic_id{};
  PartitionState state;
};
// A change of leader bumps leader_epoch; every change bumps partition_epoch.
struct PartitionChangeRecord {
  Uuid topic_id{};
  int32_t partition = 0;
  std::optional<int32_t> leader;
  std::optional<std::vector<int32_t>> isr;
  std::optional<std::vector<int32_t>> replicas;
};
struct RemoveTopicRecord {
  Uuid topic_id{};
};
// value == nullopt deletes the key. Topic configs (kResourceTopic) live in TopicState::configs.
struct ConfigRecord {
  int8_t resource_type = kResourceTopic;
  std::string resource_name;
  std::string key;
  std::optional<std::string> value;
};
struct ProducerIdsRecord {
  int32_t broker_id = -1;
  int64_t first_id = 0;
  int32_t count = 0;
};

// An ACL was created (KRaft's AccessControlEntryRecord); entry.id names it.
struct AccessControlEntryRecord {
  AclEntry entry;
};
struct RemoveAccessControlEntryRecord {
  Uuid id{};
};
// SCRAM credentials (Kafka's UserScramCredentialRecord / RemoveUserScramCredentialRecord):
// salted keys only, never a password. mechanism: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
struct UserScramCredentialRecord {
  std::string name;
  int8_t mechanism = 0;
  ScramCredentialData credential;
};
struct RemoveUserScramCredentialRecord {
  std::string name;
  int8_t mechanism = 0;
};

using MetadataRecord =
    std::variant<ClusterIdRecord, FeatureLevelRecord, LeaderChangeRecord, RegisterBrokerRecord,
                 BrokerFenceRecord, TopicRecord, PartitionRecord, PartitionChangeRecord,
                 RemoveTopicRecord, ConfigRecord, ProducerIdsRecord, AccessControlEntryRecord,
                 RemoveAccessControlEntryRecord, UserScramCredentialRecord,
                 RemoveUserScramCredentialRecord>;

// Decoding limits: anything larger is treated as corrupt.
inline constexpr size_t kMaxStringBytes = 1 << 20;
inline constexpr size_t kMaxReplicas = 1024;
// Advertised listeners per broker registration.
inline constexpr size_t kMaxEndpoints = 64;
inline constexpr size_t kMaxBatchRecords = 10'000'000;

std::string encode_batch(const std::vector<MetadataRecord>& records);
// Returns nullopt (and sets *error) on any truncation, unknown type/version or out-of-bounds size.
std::optional<std::vector<MetadataRecord>> decode_batch(std::span<const uint8_t> data,
                                                        std::string* error = nullptr);

// Snapshot = format byte, image offset, then the image expressed as one record batch.
std::string encode_snapshot(const MetadataImage& image);
std::shared_ptr<const MetadataImage> decode_snapshot(std::span<const uint8_t> data,
                                                     std::string* error = nullptr);
// The records that rebuild `image` from an empty image.
std::vector<MetadataRecord> image_to_records(const MetadataImage& image);

}  // namespace samsa::cluster
