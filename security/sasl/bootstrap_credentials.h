#pragma once
// The first SCRAM credentials of a cluster, given before its first start as Kafka's
// `kafka-storage format --add-scram` takes them:
//   SCRAM-SHA-256=[name=admin,password=secret]
//   SCRAM-SHA-512=[name=admin,iterations=8192,salt="c2FsdA==",password="a,b"]
//   SCRAM-SHA-256=[name=admin,iterations=4096,salt="c2FsdA==",saltedpassword="base64..."]
// salt and saltedpassword are base64; values may be double-quoted (then they may hold , and ]).
// They become UserScramCredentialRecords in the entry that formats the metadata log; the password
// itself is never written anywhere.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"
#include "security/sasl/scram_formatter.h"

namespace samsa::security {

struct BootstrapCredential {
  ScramMechanism mechanism = ScramMechanism::kUnknown;
  std::string name;
  std::optional<std::string> password;
  std::optional<Bytes> salted_password;
  std::optional<Bytes> salt;
  int32_t iterations = kScramMinIterations;
};

// Throws std::invalid_argument with a message naming the problem (never echoing the password).
BootstrapCredential parse_bootstrap_credential(std::string_view spec);
// One spec per line; blank lines and lines starting with # are skipped. Throws
// std::invalid_argument (bad line, with its number) or std::runtime_error (unreadable file).
std::vector<BootstrapCredential> read_bootstrap_credentials(const std::filesystem::path& file);

// Derives the record (random salt unless one was given).
cluster::UserScramCredentialRecord bootstrap_record(const BootstrapCredential& credential);
// Whether `image` already holds exactly this credential (same iterations, same salt if one was
// given, and the password or salted password derives its StoredKey).
bool bootstrap_applied(const cluster::MetadataImage& image, const BootstrapCredential& credential);

}  // namespace samsa::security
