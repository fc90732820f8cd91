#include "cluster/image_builder.h"

#include <spdlog/spdlog.h>

namespace samsa::cluster {

void ImageBuilder::apply(const MetadataRecord& record) {
  std::visit([this](const auto& r) { apply_record(r); }, record);
}

std::shared_ptr<const MetadataImage> ImageBuilder::build(int64_t offset) {
  image_.offset_ = offset;
  owned_.clear();
  owned_acls_.reset();
  return std::make_shared<const MetadataImage>(image_);
}

TopicState* ImageBuilder::mutable_topic(const Uuid& id) {
  if (auto it = owned_.find(id); it != owned_.end()) return it->second.get();
  auto it = image_.topics_by_id_.find(id);
  if (it == image_.topics_by_id_.end()) return nullptr;
  auto copy = std::make_shared<TopicState>(*it->second);
  it->second = copy;
  image_.topics_[copy->name] = copy;
  owned_.emplace(id, copy);
  return copy.get();
}

void ImageBuilder::apply_record(const ClusterIdRecord& r) {
  image_.cluster_id_ = r.cluster_id;
}

void ImageBuilder::apply_record(const FeatureLevelRecord& r) {
  if (r.level == 0) {
    image_.features_.erase(r.name);
  } else {
    image_.features_[r.name] = r.level;
  }
}

void ImageBuilder::apply_record(const LeaderChangeRecord& r) {
  image_.controller_id_ = r.leader_id;
  image_.controller_epoch_ = r.term;
}

void ImageBuilder::apply_record(const RegisterBrokerRecord& r) {
  image_.brokers_[r.broker.id] = r.broker;
}

void ImageBuilder::apply_record(const BrokerFenceRecord& r) {
  auto it = image_.brokers_.find(r.broker_id);
  if (it == image_.brokers_.end()) {
    ++ignored_;
    return;
  }
  it->second.fenced = r.fenced;
}

void ImageBuilder::apply_record(const TopicRecord& r) {
  if (image_.topics_by_id_.count(r.id) != 0 || image_.topics_.count(r.name) != 0) {
    ++ignored_;
    return;
  }
  auto t = std::make_shared<TopicState>();
  t->name = r.name;
  t->id = r.id;
  t->internal = r.internal;
  image_.topics_.emplace(r.name, t);
  image_.topics_by_id_.emplace(r.id, t);
  owned_.emplace(r.id, t);
}

void ImageBuilder::apply_record(const PartitionRecord& r) {
  TopicState* t = mutable_topic(r.topic_id);
  const auto p = r.state.partition;
  // Partitions are dense: a record may replace one or append the next, never leave a gap.
  if (t == nullptr || p < 0 || static_cast<size_t>(p) > t->partitions.size()) {
    ++ignored_;
    return;
  }
  if (static_cast<size_t>(p) == t->partitions.size()) {
    t->partitions.push_back(r.state);
  } else {
    t->partitions[p] = r.state;
  }
}

void ImageBuilder::apply_record(const PartitionChangeRecord& r) {
  TopicState* t = mutable_topic(r.topic_id);
  if (t == nullptr || r.partition < 0 || static_cast<size_t>(r.partition) >= t->partitions.size()) {
    ++ignored_;
    return;
  }
  PartitionState& p = t->partitions[r.partition];
  if (r.leader && *r.leader != p.leader) {
    p.leader = *r.leader;
    ++p.leader_epoch;
  }
  if (r.isr) p.isr = *r.isr;
  if (r.replicas) p.replicas = *r.replicas;
  ++p.partition_epoch;
}

void ImageBuilder::apply_record(const RemoveTopicRecord& r) {
  auto it = image_.topics_by_id_.find(r.topic_id);
  if (it == image_.topics_by_id_.end()) {
    ++ignored_;
    return;
  }
  image_.topics_.erase(it->second->name);
  image_.topics_by_id_.erase(it);
  owned_.erase(r.topic_id);
}

void ImageBuilder::apply_record(const ConfigRecord& r) {
  std::map<std::string, std::string>* configs = nullptr;
  if (r.resource_type == kResourceTopic) {
    auto it = image_.topics_.find(r.resource_name);
    if (it == image_.topics_.end()) {
      ++ignored_;
      return;
    }
    configs = &mutable_topic(it->second->id)->configs;
  } else {
    configs = &image_.resource_configs_[{r.resource_type, r.resource_name}];
  }
  if (r.value) {
    (*configs)[r.key] = *r.value;
  } else {
    configs->erase(r.key);
    if (configs->empty() && r.resource_type != kResourceTopic) {
      image_.resource_configs_.erase({r.resource_type, r.resource_name});
    }
  }
}

void ImageBuilder::apply_record(const ProducerIdsRecord& r) {
  const int64_t end = r.first_id + r.count;
  if (r.count <= 0 || end < r.first_id) {
    ++ignored_;
    return;
  }
  if (end > image_.next_producer_id_) image_.next_producer_id_ = end;
}

AclMap& ImageBuilder::mutable_acls() {
  if (!owned_acls_) {
    owned_acls_ = std::make_shared<AclMap>(*image_.acls_);
    image_.acls_ = owned_acls_;
  }
  return *owned_acls_;
}

void ImageBuilder::apply_record(const AccessControlEntryRecord& r) {
  if (image_.acls_->count(r.entry.id) != 0) {
    ++ignored_;
    return;
  }
  mutable_acls().emplace(r.entry.id, r.entry);
}

void ImageBuilder::apply_record(const RemoveAccessControlEntryRecord& r) {
  if (image_.acls_->count(r.id) == 0) {
    ++ignored_;
    return;
  }
  mutable_acls().erase(r.id);
}

void ImageBuilder::apply_record(const UserScramCredentialRecord& r) {
  image_.scram_credentials_[r.name][r.mechanism] = r.credential;
}

void ImageBuilder::apply_record(const RemoveUserScramCredentialRecord& r) {
  auto it = image_.scram_credentials_.find(r.name);
  if (it == image_.scram_credentials_.end() || it->second.erase(r.mechanism) == 0) {
    ++ignored_;
    return;
  }
  if (it->second.empty()) image_.scram_credentials_.erase(it);
}

}  // namespace samsa::cluster
