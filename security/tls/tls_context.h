#pragma once
// The TLS side of one SSL or SASL_SSL listener: an OpenSSL server context built from the
// listener's ssl.* settings (each resolved through listener.name.<l>.<key> overrides by the
// caller's lookup), and its reload.
//
// A connection takes the current context when it is accepted and keeps it (through the
// shared_ptr) for its life, so a reload changes what new connections get and never disturbs open
// ones. A reload that fails keeps the old context and logs why.
#include <asio/ssl.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "security/tls/principal_mapper.h"

namespace samsa::security::tls {

enum class ClientAuth { kNone, kRequested, kRequired };

// A bad setting, file or password: `key` is the config key to blame (as the override's own name
// when the listener overrides it).
class TlsConfigError : public std::runtime_error {
 public:
  TlsConfigError(std::string key, const std::string& message)
      : std::runtime_error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

struct TlsContext {
  std::shared_ptr<asio::ssl::context> ssl;
  ClientAuth client_auth = ClientAuth::kNone;
  std::shared_ptr<const PrincipalMapper> principal_mapper;
  int64_t certificate_not_after = 0;  // unix seconds, of the broker's own (leaf) certificate
  std::string certificate_serial;     // hex, for logs
};

class TlsContextProvider {
 public:
  // The listener's value of a broker key (override first), nullopt when unset.
  using Lookup = std::function<std::optional<std::string>(std::string_view key)>;

  // The name to blame for a key in messages (listener.name.<l>.<key> when overridden).
  using KeyName = std::function<std::string(std::string_view key)>;

  // Builds the first context; throws TlsConfigError.
  TlsContextProvider(std::string listener, Lookup lookup, KeyName key_name = {});

  std::shared_ptr<const TlsContext> current() const;
  const std::string& listener() const { return listener_; }
  // Builds a new context from the settings and files as they are now. False (and the old
  // context kept, the reason logged) when that fails.
  bool reload(const char* why);
  // Reloads when a keystore or truststore file's mtime or size changed since the last build
  // (or the last failed attempt, so a bad file is reported once, not on every poll).
  void reload_if_changed();

 private:
  struct FileStamp {
    std::string path;
    int64_t mtime_ns = -1;
    int64_t size = -1;
    bool operator==(const FileStamp&) const = default;
  };
  std::shared_ptr<const TlsContext> build() const;
  std::vector<FileStamp> stamps() const;

  std::string listener_;
  Lookup lookup_;
  KeyName key_name_;
  mutable std::mutex mutex_;
  std::shared_ptr<const TlsContext> current_;
  std::vector<FileStamp> stamps_;
};

}  // namespace samsa::security::tls
