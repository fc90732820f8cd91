#pragma once
// The CredentialStore SASL mechanisms and HTTP Basic use: the SCRAM credentials of the latest
// published MetadataImage. A metadata publisher subscriber calls update() with each image; network
// threads call scram() concurrently. The credential map is swapped whole through an atomic
// shared_ptr, so a lookup never blocks and never sees half an update.
#include <atomic>
#include <memory>

#include "cluster/metadata_image.h"
#include "cluster/published.h"
#include "security/sasl/credential_store.h"

namespace samsa::security {

class ImageCredentialStore final : public CredentialStore {
 public:
  ImageCredentialStore() = default;
  explicit ImageCredentialStore(const cluster::MetadataImage& image) { update(image); }

  // Copies the image's credentials if they changed (callers: one publisher thread).
  void update(const cluster::MetadataImage& image);

  std::optional<ScramCredential> scram(std::string_view user,
                                       ScramMechanism mechanism) const override;

 private:
  cluster::Published<cluster::ScramCredentialMap> credentials_{
      std::make_shared<const cluster::ScramCredentialMap>()};
};

}  // namespace samsa::security
