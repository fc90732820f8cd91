#pragma once

// The validated broker configuration. Build it once at startup from the properties file plus
// command-line overrides; a bad value throws ConfigError naming the key, which stops the broker.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_def.h"
#include "config/listeners.h"
#include "config/properties.h"

namespace samsa::config {

// What a reload (SIGHUP) re-read from the config file for the keys that can change at runtime
// (per-broker and cluster-wide ones): the values that replace the startup file's, and the keys the
// file no longer sets. It stays in the static layer: dynamic configs still take precedence.
struct StaticReload {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> removed;
};

class BrokerConfig {
 public:
  // Validates every known key (throws ConfigError for the first bad one) and the rules that span
  // keys (listener names, node.id vs broker.id, quorum membership); unknown keys are collected.
  static BrokerConfig from_properties(const std::map<std::string, std::string>& props);

  const std::vector<std::string>& unknown_keys() const { return unknown_; }

  // Typed access. Throws std::logic_error for a name not in the table, a type mismatch, or a key
  // with no value (no default and not set; check has_value first). get_long also reads INT keys;
  // get_list also splits STRING keys on commas.
  bool get_bool(std::string_view name) const;
  int32_t get_int(std::string_view name) const;
  int64_t get_long(std::string_view name) const;
  double get_double(std::string_view name) const;
  std::string get_string(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;

  bool is_set(std::string_view name) const;     // explicitly given by the user
  bool has_value(std::string_view name) const;  // set or defaulted
  // Canonical string as DescribeConfigs reports it; nullopt when the key has no value.
  std::optional<std::string> value_string(std::string_view name) const;

  // The effective broker default for a topic config key: the first of its synonyms that has a
  // value (set or defaulted), converted from hours/minutes to ms; else the topic key's own default.
  std::string topic_default(std::string_view topic_key) const;
  // Every topic key with its effective value for a topic with these overrides. Throws ConfigError
  // for an unknown key or a bad value.
  std::map<std::string, std::string> topic_config(
      const std::map<std::string, std::string>& overrides) const;

  // Takes `fresh`'s values of every runtime-changeable key that differs from this config's
  // startup values (a later reload replaces an earlier one). Returns the read-only keys whose
  // value changed: they keep their startup value until a restart. Thread-safe with reloaded().
  std::vector<std::string> reload_from(const BrokerConfig& fresh);
  // The last reload; null before the first. EffectiveConfig reads it.
  std::shared_ptr<const StaticReload> reloaded() const;

  // Resolved views of the composite settings.
  int32_t node_id() const { return get_int("node.id"); }
  std::vector<Listener> listeners() const { return listeners_; }
  std::vector<Listener> advertised_listeners() const { return advertised_; }
  std::vector<QuorumVoter> quorum_voters() const { return voters_; }  // default filled in
  std::vector<std::string> log_dirs() const;
  std::string metadata_log_dir() const;
  std::vector<AdminListener> admin_listeners() const;
  std::map<std::string, std::string> metrics_constant_labels() const;

  // Kafka's per-listener settings, `listener.name.<listener>.<key>`: the canonical value of `key`
  // for `listener` (its override if set, else the broker-wide value; nullopt when neither has one).
  // `key` is a broker key (ssl.keystore.location, sasl.enabled.mechanisms, ...) or a
  // mechanism-scoped SASL key such as `plain.sasl.jaas.config` / `scram-sha-256.sasl.jaas.config`,
  // which exists only as an override.
  std::optional<std::string> listener_value_string(std::string_view listener,
                                                   std::string_view key) const;
  // Whether `listener` overrides `key`.
  bool listener_overrides(std::string_view listener, std::string_view key) const;

 private:
  struct Entry {
    const ConfigDef* def = nullptr;
    std::optional<Value> value;
    bool set = false;
  };
  const Entry& entry(std::string_view name) const;
  const Value& value_of(std::string_view name) const;
  void validate_cross_key_rules();
  void collect_listener_overrides(const std::map<std::string, std::string>& props);

  std::map<std::string, Entry, std::less<>> values_;
  std::vector<std::string> unknown_;
  // upper-cased listener name -> key -> canonical value
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>>
      listener_overrides_;
  std::vector<Listener> listeners_;
  std::vector<Listener> advertised_;
  std::vector<QuorumVoter> voters_;
  struct ReloadSlot {
    mutable std::mutex mutex;
    std::shared_ptr<const StaticReload> current;
  };
  std::shared_ptr<ReloadSlot> reload_ = std::make_shared<ReloadSlot>();
};

// Validates a topic config override (CreateTopics configs, AlterConfigs): nullopt if acceptable,
// else a message naming the key and the accepted values.
std::optional<std::string> validate_topic_config(std::string_view key, std::string_view value);

// docs/configuration.md: every broker and topic key with type, default, valid values, update mode,
// importance and description.
std::string render_markdown_reference();

// A fresh random cluster id in Kafka's format (16 random bytes, URL-safe base64, no padding).
std::string generate_cluster_id();

}  // namespace samsa::config
