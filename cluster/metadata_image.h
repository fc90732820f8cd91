#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace samsa::cluster {

using Uuid = std::array<uint8_t, 16>;

// Kafka's ConfigResource types, used to key non-topic configs.
inline constexpr int8_t kResourceTopic = 2;
inline constexpr int8_t kResourceBroker = 4;

// One advertised listener of a broker, as KRaft's BrokerEndpoint.
struct BrokerEndpoint {
  std::string listener;  // upper-case listener name
  std::string host;
  int32_t port = 0;
  bool operator==(const BrokerEndpoint&) const = default;
};

struct BrokerRegistration {
  int32_t id = -1;
  // The first advertised listener (what registrations written before endpoints carried).
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  bool fenced = false;
  // Every advertised listener. Clients are told the address of the listener they asked on, as
  // Kafka does, so an SSL client is never sent to the PLAINTEXT port.
  std::vector<BrokerEndpoint> endpoints;
  bool operator==(const BrokerRegistration&) const = default;

  // The address to give a client connected to `listener`: that listener's endpoint; host/port
  // for registrations without endpoints; nullopt when the broker does not have the listener
  // (Kafka then leaves the broker out).
  std::optional<std::pair<std::string, int32_t>> address_for(std::string_view listener) const;
};

struct PartitionState {
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  bool operator==(const PartitionState&) const = default;
};

struct TopicState {
  std::string name;
  Uuid id{};
  std::vector<PartitionState> partitions;  // index = partition id
  std::map<std::string, std::string> configs;
  bool internal = false;
  bool operator==(const TopicState&) const = default;
};

using ResourceKey = std::pair<int8_t, std::string>;  // (resource type, resource name)

// One ACL as the metadata log stores it (KRaft's AccessControlEntryRecord). Plain wire codes
// (security/acl/acl.h names them): cluster/ stores ACLs, security/ decides with them.
struct AclEntry {
  Uuid id{};
  int8_t resource_type = 0;
  std::string resource_name;
  int8_t pattern_type = 0;
  std::string principal;
  std::string host;
  int8_t operation = 0;
  int8_t permission = 0;
  // Same ACL, whatever its id.
  bool same_binding(const AclEntry& o) const {
    return resource_type == o.resource_type && resource_name == o.resource_name &&
           pattern_type == o.pattern_type && principal == o.principal && host == o.host &&
           operation == o.operation && permission == o.permission;
  }
  bool operator==(const AclEntry&) const = default;
};
using AclMap = std::map<Uuid, AclEntry>;
// One user's salted SCRAM credential for one mechanism (Kafka's UserScramCredentialRecord without
// the keys). `mechanism` keys use the wire values of ScramMechanism: 1 SCRAM-SHA-256, 2 -512.
// Never a password: only what a SCRAM server needs to verify one.
struct ScramCredentialData {
  std::vector<uint8_t> salt;
  std::vector<uint8_t> stored_key;
  std::vector<uint8_t> server_key;
  int32_t iterations = 0;
  bool operator==(const ScramCredentialData&) const = default;
};
// user -> mechanism -> credential
using ScramCredentialMap =
    std::map<std::string, std::map<int8_t, ScramCredentialData>, std::less<>>;

// An immutable view of the cluster metadata after applying the metadata log up to offset().
// Shared as std::shared_ptr<const MetadataImage>; unchanged topics are shared between images.
class MetadataImage {
 public:
  MetadataImage() = default;

  int64_t offset() const { return offset_; }
  const std::string& cluster_id() const { return cluster_id_; }
  int32_t controller_id() const { return controller_id_; }
  // Raft term in which controller_id() became the controller.
  int64_t controller_epoch() const { return controller_epoch_; }
  int64_t next_producer_id() const { return next_producer_id_; }

  const std::map<int32_t, BrokerRegistration>& brokers() const { return brokers_; }
  const BrokerRegistration* broker(int32_t id) const;
  const TopicState* topic(std::string_view name) const;
  const TopicState* topic_by_id(const Uuid& id) const;
  const std::map<std::string, std::shared_ptr<const TopicState>, std::less<>>& topics() const {
    return topics_;
  }
  const std::map<Uuid, std::shared_ptr<const TopicState>>& topics_by_id() const {
    return topics_by_id_;
  }
  const std::map<std::string, int16_t>& features() const { return features_; }
  // Configs of non-topic resources (brokers, cluster default with an empty broker name).
  const std::map<ResourceKey, std::map<std::string, std::string>>& resource_configs() const {
    return resource_configs_;
  }
  // Every ACL by id. Shared between images until an ACL record changes it, so a consumer (the
  // authorizer) can tell from the pointer whether its index is still current.
  const AclMap& acls() const { return *acls_; }
  const std::shared_ptr<const AclMap>& acls_ptr() const { return acls_; }
  const ScramCredentialMap& scram_credentials() const { return scram_credentials_; }
  // nullptr when the user has no credential for that mechanism.
  const ScramCredentialData* scram_credential(std::string_view user, int8_t mechanism) const;

 private:
  friend class ImageBuilder;

  int64_t offset_ = 0;
  std::string cluster_id_;
  int32_t controller_id_ = -1;
  int64_t controller_epoch_ = 0;
  int64_t next_producer_id_ = 0;
  std::map<int32_t, BrokerRegistration> brokers_;
  std::map<std::string, std::shared_ptr<const TopicState>, std::less<>> topics_;
  std::map<Uuid, std::shared_ptr<const TopicState>> topics_by_id_;
  std::map<std::string, int16_t> features_;
  std::map<ResourceKey, std::map<std::string, std::string>> resource_configs_;
  std::shared_ptr<const AclMap> acls_ = std::make_shared<const AclMap>();
  ScramCredentialMap scram_credentials_;
};

std::string uuid_to_string(const Uuid& id);  // Kafka's form: url-safe base64 without padding

}  // namespace samsa::cluster
