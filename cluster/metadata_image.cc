#include "cluster/metadata_image.h"

#include "protocol/base64url.h"

namespace samsa::cluster {

std::optional<std::pair<std::string, int32_t>> BrokerRegistration::address_for(
    std::string_view listener) const {
  if (endpoints.empty()) return std::pair{host, port};
  for (const auto& e : endpoints) {
    if (e.listener == listener) return std::pair{e.host, e.port};
  }
  return std::nullopt;
}

const BrokerRegistration* MetadataImage::broker(int32_t id) const {
  auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

const TopicState* MetadataImage::topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

const TopicState* MetadataImage::topic_by_id(const Uuid& id) const {
  auto it = topics_by_id_.find(id);
  return it == topics_by_id_.end() ? nullptr : it->second.get();
}

const ScramCredentialData* MetadataImage::scram_credential(std::string_view user,
                                                           int8_t mechanism) const {
  auto it = scram_credentials_.find(user);
  if (it == scram_credentials_.end()) return nullptr;
  auto m = it->second.find(mechanism);
  return m == it->second.end() ? nullptr : &m->second;
}

std::string uuid_to_string(const Uuid& id) {
  return protocol::base64url_encode(id);
}

}  // namespace samsa::cluster
