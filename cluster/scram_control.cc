#include "cluster/scram_control.h"

#include <map>

namespace samsa::cluster {
namespace {

constexpr const char* kDuplicateMessage =
    "A user credential cannot be altered twice in the same request";

std::optional<std::pair<int16_t, std::string>> check_name_and_mechanism(const std::string& name,
                                                                        int8_t mechanism) {
  if (name.empty()) return std::pair{kUnacceptableCredential, "Username must not be empty"};
  if (name.size() > kMaxScramUserBytes) {
    return std::pair{kUnacceptableCredential, "Username must not be longer than 1024 bytes"};
  }
  if (mechanism != 1 && mechanism != 2) {
    return std::pair{kUnsupportedSaslMechanism, "Unknown SCRAM mechanism"};
  }
  return std::nullopt;
}

}  // namespace

std::vector<MetadataRecord> build_scram_alteration(const MetadataImage& image,
                                                   const std::vector<ScramDeletion>& deletions,
                                                   const std::vector<ScramUpsertion>& upsertions,
                                                   std::vector<ScramAlterResult>& results) {
  results.clear();
  // Per user: the index of its result and, while it is still valid, the one change it asks for.
  std::map<std::string, size_t> index;
  std::vector<std::optional<MetadataRecord>> change;
  auto slot = [&](const std::string& name, bool& seen) -> size_t {
    auto [it, fresh] = index.try_emplace(name, results.size());
    seen = !fresh;
    if (fresh) {
      results.push_back({name, 0, std::nullopt});
      change.emplace_back();
    }
    return it->second;
  };
  auto fail = [&](size_t i, int16_t code, std::string message) {
    results[i].error_code = code;
    results[i].error_message = std::move(message);
    change[i].reset();
  };
  for (const auto& d : deletions) {
    bool seen = false;
    const size_t i = slot(d.name, seen);
    if (results[i].error_code != 0) continue;  // the first error for a user stands
    if (seen) {
      fail(i, kDuplicateResource, kDuplicateMessage);
      continue;
    }
    if (auto bad = check_name_and_mechanism(d.name, d.mechanism)) {
      fail(i, bad->first, bad->second);
      continue;
    }
    if (image.scram_credential(d.name, d.mechanism) == nullptr) {
      fail(i, kResourceNotFound, "Attempt to delete a user credential that does not exist");
      continue;
    }
    change[i] = RemoveUserScramCredentialRecord{d.name, d.mechanism};
  }
  for (const auto& u : upsertions) {
    bool seen = false;
    const size_t i = slot(u.name, seen);
    if (results[i].error_code != 0) continue;
    if (seen) {
      fail(i, kDuplicateResource, kDuplicateMessage);
      continue;
    }
    if (auto bad = check_name_and_mechanism(u.name, u.mechanism)) {
      fail(i, bad->first, bad->second);
      continue;
    }
    if (u.credential.iterations < kMinScramIterations) {
      fail(i, kUnacceptableCredential, "Too few iterations");
      continue;
    }
    if (u.credential.iterations > kMaxScramIterations) {
      fail(i, kUnacceptableCredential, "Too many iterations");
      continue;
    }
    if (u.credential.salt.size() > kMaxScramSaltBytes || u.credential.stored_key.empty() ||
        u.credential.server_key.empty()) {
      fail(i, kUnacceptableCredential, "Invalid salt or salted password");
      continue;
    }
    change[i] = UserScramCredentialRecord{u.name, u.mechanism, u.credential};
  }
  std::vector<MetadataRecord> records;
  for (auto& c : change) {
    if (c) records.push_back(std::move(*c));
  }
  return records;
}

}  // namespace samsa::cluster
