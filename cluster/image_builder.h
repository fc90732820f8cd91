#pragma once

#include <map>
#include <memory>

#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"

namespace samsa::cluster {

// Applies records to a copy of an image. Applying never fails: a record that refers to something
// missing is ignored (and counted), because the controller validated it before proposing and every
// replica must reach the same state from the same log.
class ImageBuilder {
 public:
  explicit ImageBuilder(const MetadataImage& base) : image_(base) {}
  ImageBuilder() = default;

  void apply(const MetadataRecord& record);
  void apply_all(const std::vector<MetadataRecord>& records) {
    for (const auto& r : records) apply(r);
  }
  size_t ignored() const { return ignored_; }
  std::shared_ptr<const MetadataImage> build(int64_t offset);

 private:
  TopicState* mutable_topic(const Uuid& id);
  void apply_record(const ClusterIdRecord& r);
  void apply_record(const FeatureLevelRecord& r);
  void apply_record(const LeaderChangeRecord& r);
  void apply_record(const RegisterBrokerRecord& r);
  void apply_record(const BrokerFenceRecord& r);
  void apply_record(const TopicRecord& r);
  void apply_record(const PartitionRecord& r);
  void apply_record(const PartitionChangeRecord& r);
  void apply_record(const RemoveTopicRecord& r);
  void apply_record(const ConfigRecord& r);
  void apply_record(const ProducerIdsRecord& r);
  void apply_record(const AccessControlEntryRecord& r);
  void apply_record(const RemoveAccessControlEntryRecord& r);
  AclMap& mutable_acls();
  void apply_record(const UserScramCredentialRecord& r);
  void apply_record(const RemoveUserScramCredentialRecord& r);

  MetadataImage image_;
  // Topics copied in this batch: safe to mutate because no reader has seen them yet.
  std::map<Uuid, std::shared_ptr<TopicState>> owned_;
  // The ACL map copied in this batch (copy-on-write, like topics).
  std::shared_ptr<AclMap> owned_acls_;
  size_t ignored_ = 0;
};

}  // namespace samsa::cluster
