#include "security/sasl/image_credential_store.h"

namespace samsa::security {

void ImageCredentialStore::update(const cluster::MetadataImage& image) {
  const auto current = credentials_.load();
  if (*current == image.scram_credentials()) return;  // most images change something else
  credentials_.store(
      std::make_shared<const cluster::ScramCredentialMap>(image.scram_credentials()));
}

std::optional<ScramCredential> ImageCredentialStore::scram(std::string_view user,
                                                           ScramMechanism mechanism) const {
  if (mechanism == ScramMechanism::kUnknown) return std::nullopt;
  const auto credentials = credentials_.load();
  auto it = credentials->find(user);
  if (it == credentials->end()) return std::nullopt;
  auto m = it->second.find(static_cast<int8_t>(mechanism));
  if (m == it->second.end()) return std::nullopt;
  const auto& d = m->second;
  return ScramCredential{d.salt, d.stored_key, d.server_key, d.iterations};
}

}  // namespace samsa::security
