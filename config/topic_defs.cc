// The topic-level configuration table. Each topic key names the broker keys that supply its
// default (most specific first); BrokerConfig::topic_default resolves them.

#include <limits>

#include "config/config_def.h"

namespace samsa::config {

namespace {

const std::string kLongMax = std::to_string(std::numeric_limits<int64_t>::max());

ConfigDef def(std::string name, Type type, std::string dflt, Validator validator,
              Importance importance, std::vector<std::string> synonyms, std::string doc) {
  ConfigDef d;
  d.name = std::move(name);
  d.type = type;
  d.default_value = std::move(dflt);
  d.validator = std::move(validator);
  d.importance = importance;
  d.dynamic = DynamicScope::kPerTopic;
  d.doc = std::move(doc);
  d.synonyms = std::move(synonyms);
  d.is_topic_config = true;
  return d;
}

Validator throttled_replicas_validator() {
  return custom_validator("empty, * or comma-separated partition:broker pairs",
                          [](const Value& v) -> std::optional<std::string> {
                            const auto& items = std::get<std::vector<std::string>>(v);
                            if (items.size() == 1 && items[0] == "*") return std::nullopt;
                            for (const auto& item : items) {
                              size_t colon = item.find(':');
                              auto digits = [](std::string_view s) {
                                return !s.empty() && s.size() <= 10 &&
                                       s.find_first_not_of("0123456789") == std::string_view::npos;
                              };
                              if (colon == std::string::npos ||
                                  !digits(std::string_view(item).substr(0, colon)) ||
                                  !digits(std::string_view(item).substr(colon + 1))) {
                                return "'" + item + "' is not of the form partition:broker";
                              }
                            }
                            return std::nullopt;
                          });
}

std::vector<ConfigDef> make_topic_defs() {
  const auto I = Type::kInt;
  const auto L = Type::kLong;
  const auto B = Type::kBoolean;
  const auto D = Type::kDouble;
  const auto S = Type::kString;
  const auto LIST = Type::kList;
  const Validator none;
  const auto kMedium = Importance::kMedium;
  std::vector<ConfigDef> v;

  v.push_back(def("cleanup.policy", LIST, "delete", list_of({"compact", "delete"}), kMedium,
                  {"log.cleanup.policy"},
                  "delete removes old segments by retention; compact keeps the latest value per "
                  "key; both may be combined."));
  v.push_back(def("compression.type", S, "producer",
                  one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}), kMedium,
                  {"compression.type"},
                  "Compression of stored batches; producer keeps the producer's codec."));
  v.push_back(def("compression.gzip.level", I, "-1",
                  custom_validator("-1 (codec default) or [1,...,9]",
                                   [](const Value& x) -> std::optional<std::string> {
                                     int32_t n = std::get<int32_t>(x);
                                     if (n == -1 || (n >= 1 && n <= 9)) return std::nullopt;
                                     return "must be -1 (codec default) or [1,...,9]";
                                   }),
                  kMedium, {"compression.gzip.level"}, "gzip level when the broker compresses."));
  v.push_back(def("compression.lz4.level", I, "9", between(1, 17), kMedium,
                  {"compression.lz4.level"}, "lz4 level when the broker compresses."));
  v.push_back(def("compression.zstd.level", I, "3", between(-131072, 22), kMedium,
                  {"compression.zstd.level"}, "zstd level when the broker compresses."));
  v.push_back(def("delete.retention.ms", L, "86400000", at_least(0), kMedium,
                  {"log.cleaner.delete.retention.ms"},
                  "How long tombstones stay readable in a compacted topic, so consumers see the "
                  "deletion."));
  v.push_back(def("file.delete.delay.ms", L, "60000", at_least(0), kMedium,
                  {"log.segment.delete.delay.ms"},
                  "Delay between dropping a segment from the log and deleting its files."));
  v.push_back(def("flush.messages", L, kLongMax, at_least(1), kMedium,
                  {"log.flush.interval.messages"},
                  "fsync the log after this many messages. The default leaves it to the OS."));
  v.push_back(def("flush.ms", L, kLongMax, at_least(0), kMedium,
                  {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"},
                  "fsync the log when data has been unflushed this long."));
  v.push_back(def("follower.replication.throttled.replicas", LIST, "",
                  throttled_replicas_validator(), kMedium, {},
                  "Replicas whose follower-side replication is throttled, as partition:broker, "
                  "or * for all."));
  v.push_back(def("leader.replication.throttled.replicas", LIST, "", throttled_replicas_validator(),
                  kMedium, {},
                  "Replicas whose leader-side replication is throttled, as partition:broker, or "
                  "* for all."));
  v.push_back(def("index.interval.bytes", I, "4096", at_least(0), kMedium,
                  {"log.index.interval.bytes"}, "Bytes of log between two offset index entries."));
  v.push_back(def("max.compaction.lag.ms", L, kLongMax, at_least(1), kMedium,
                  {"log.cleaner.max.compaction.lag.ms"},
                  "A record may stay uncompacted at most this long."));
  v.push_back(def("max.message.bytes", I, "1048588", at_least(0), kMedium, {"message.max.bytes"},
                  "Largest record batch accepted, after compression."));
  v.push_back(def("message.timestamp.type", S, "CreateTime",
                  one_of({"CreateTime", "LogAppendTime"}), kMedium, {"log.message.timestamp.type"},
                  "Keep the producer's timestamp (CreateTime) or stamp the append time "
                  "(LogAppendTime)."));
  v.push_back(
      def("message.timestamp.before.max.ms", L, kLongMax, at_least(0), kMedium,
          {"log.message.timestamp.before.max.ms"},
          "Reject records whose CreateTime is more than this far in the past (every record, "
          "compressed batches included; records without a timestamp are not checked)."));
  v.push_back(def("message.timestamp.after.max.ms", L, "3600000", at_least(0), kMedium,
                  {"log.message.timestamp.after.max.ms"},
                  "Reject records whose CreateTime is more than this far in the future (Kafka 4's "
                  "default since KIP-1030: one hour)."));
  v.push_back(def("min.cleanable.dirty.ratio", D, "0.5", between_double(0, 1), kMedium,
                  {"log.cleaner.min.cleanable.ratio"},
                  "Fraction of the log that must be uncompacted before the cleaner picks it."));
  v.push_back(def("min.compaction.lag.ms", L, "0", at_least(0), kMedium,
                  {"log.cleaner.min.compaction.lag.ms"},
                  "A record is kept uncompacted at least this long."));
  v.push_back(def("min.insync.replicas", I, "1", at_least(1), kMedium, {"min.insync.replicas"},
                  "With acks=all, in-sync replicas needed to acknowledge a write."));
  v.push_back(def("preallocate", B, "false", none, kMedium, {"log.preallocate"},
                  "Preallocate segment files at their full size."));
  v.push_back(def("retention.bytes", L, "-1", none, kMedium, {"log.retention.bytes"},
                  "Largest size of a partition before old segments are deleted; -1 is unlimited."));
  v.push_back(def("retention.ms", L, "604800000", at_least(-1), kMedium,
                  {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
                  "How long segments are kept; -1 keeps them forever."));
  v.push_back(def("segment.bytes", I, "1073741824", at_least(14), kMedium, {"log.segment.bytes"},
                  "Size at which a segment file is rolled."));
  v.push_back(def("segment.index.bytes", I, "10485760", at_least(4), kMedium,
                  {"log.index.size.max.bytes"}, "Largest size of a segment's index files."));
  v.push_back(def("segment.jitter.ms", L, "0", at_least(0), kMedium,
                  {"log.roll.jitter.ms", "log.roll.jitter.hours"},
                  "Random amount subtracted from segment.ms so segments do not roll together."));
  v.push_back(def("segment.ms", L, "604800000", at_least(1), kMedium,
                  {"log.roll.ms", "log.roll.hours"},
                  "Age at which a segment is rolled even if not full."));
  v.push_back(def("unclean.leader.election.enable", B, "false", none, kMedium,
                  {"unclean.leader.election.enable"},
                  "Allow an out-of-sync replica to become leader, losing acknowledged data."));
  return v;
}

}  // namespace

const std::vector<ConfigDef>& topic_config_defs() {
  static const std::vector<ConfigDef> defs = make_topic_defs();
  return defs;
}

}  // namespace samsa::config
