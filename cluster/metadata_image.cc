#include "cluster/metadata_image.h"

namespace samsa::cluster {

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
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(22);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : id) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

}  // namespace samsa::cluster
