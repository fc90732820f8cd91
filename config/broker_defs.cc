// The broker-level configuration table. Names, types and defaults follow Apache Kafka 3.x except
// where a single-node embedded default needs something else (noted in the doc text).

#include <cctype>
#include <limits>

#include "config/config_def.h"
#include "config/listeners.h"

namespace samsa::config {

namespace {

constexpr auto kHigh = Importance::kHigh;
constexpr auto kMedium = Importance::kMedium;
constexpr auto kLow = Importance::kLow;
constexpr auto kReadOnly = DynamicScope::kReadOnly;
constexpr auto kPerBroker = DynamicScope::kPerBroker;
constexpr auto kClusterWide = DynamicScope::kClusterWide;

const std::string kLongMax = std::to_string(std::numeric_limits<int64_t>::max());
const std::string kIntMax = std::to_string(std::numeric_limits<int32_t>::max());

ConfigDef def(std::string name, Type type, std::optional<std::string> dflt, Validator validator,
              Importance importance, DynamicScope dynamic, std::string doc,
              std::vector<std::string> synonyms = {}) {
  ConfigDef d;
  d.name = std::move(name);
  d.type = type;
  d.default_value = std::move(dflt);
  d.validator = std::move(validator);
  d.importance = importance;
  d.dynamic = dynamic;
  d.doc = std::move(doc);
  d.synonyms = std::move(synonyms);
  return d;
}

const std::string& as_string(const Value& v) {
  return std::get<std::string>(v);
}

Validator listeners_validator(std::string key) {
  return custom_validator("comma-separated NAME://host:port (host empty = all interfaces)",
                          [key](const Value& v) -> std::optional<std::string> {
                            parse_listener_endpoints(as_string(v), key);
                            return std::nullopt;
                          });
}

Validator per_ip_overrides_validator() {
  return custom_validator("comma-separated host:count pairs",
                          [](const Value& v) -> std::optional<std::string> {
                            try {
                              parse_connection_overrides(as_string(v));
                            } catch (const std::invalid_argument& e) {
                              return e.what();
                            }
                            return std::nullopt;
                          });
}

Validator cluster_id_validator() {
  return custom_validator("22 characters of URL-safe base64 (a 128-bit id)",
                          [](const Value& v) -> std::optional<std::string> {
                            const std::string& s = as_string(v);
                            bool ok = s.size() == 22;
                            for (unsigned char c : s) {
                              ok = ok && (std::isalnum(c) || c == '-' || c == '_');
                            }
                            if (ok) return std::nullopt;
                            return "must be 22 characters of URL-safe base64 (a 128-bit id)";
                          });
}

Validator labels_validator() {
  return custom_validator(
      "comma-separated name=value Prometheus labels",
      [](const Value& v) -> std::optional<std::string> {
        for (const auto& item : std::get<std::vector<std::string>>(v)) {
          size_t eq = item.find('=');
          if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
            return "'" + item + "' is not of the form name=value";
          }
          std::string_view name = std::string_view(item).substr(0, eq);
          bool ok = !std::isdigit(static_cast<unsigned char>(name[0])) && name.substr(0, 2) != "__";
          for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '_');
          if (!ok) return "'" + std::string(name) + "' is not a valid Prometheus label name";
        }
        return std::nullopt;
      });
}

std::vector<ConfigDef> make_broker_defs() {
  const auto S = Type::kString;
  const auto I = Type::kInt;
  const auto L = Type::kLong;
  const auto B = Type::kBoolean;
  const auto D = Type::kDouble;
  const auto LIST = Type::kList;
  const auto PW = Type::kPassword;
  const Validator none;
  const auto null = std::nullopt;
  std::vector<ConfigDef> v;

  // --- Identity and roles -----------------------------------------------------------------
  v.push_back(def("node.id", I, "1", at_least(0), kHigh, kReadOnly,
                  "This node's id in the cluster, unique among brokers and controllers. Samsa "
                  "defaults to 1 so a single node runs without configuration.",
                  {"broker.id"}));
  v.push_back(def("broker.id", I, null, at_least(0), kHigh, kReadOnly,
                  "Older name for node.id. If both are given they must be equal."));
  v.push_back(def("process.roles", LIST, "broker,controller", list_of({"broker", "controller"}),
                  kHigh, kReadOnly,
                  "What this node does: serve clients (broker), vote in the metadata quorum "
                  "(controller), or both. Samsa defaults to both, a cluster of one."));
  v.push_back(def("cluster.id", S, null, cluster_id_validator(), kHigh, kReadOnly,
                  "The cluster's id. When unset, a random id is generated on first start and "
                  "kept in meta.properties of each log directory."));

  // --- Listeners ---------------------------------------------------------------------------
  v.push_back(def("listeners", S, "PLAINTEXT://127.0.0.1:9092", listeners_validator("listeners"),
                  kHigh, kPerBroker,
                  "Addresses the Kafka protocol is served on, as NAME://host:port. An empty host "
                  "binds all interfaces; port 0 picks a free port."));
  v.push_back(def("advertised.listeners", S, null, listeners_validator("advertised.listeners"),
                  kHigh, kPerBroker,
                  "Addresses given to clients in metadata responses when they differ from the bind "
                  "addresses (NAT, containers). Defaults to listeners. 0.0.0.0 is not allowed."));
  v.push_back(def("listener.security.protocol.map", S, std::string(kDefaultProtocolMap),
                  custom_validator("comma-separated LISTENER_NAME:PROTOCOL",
                                   [](const Value& x) -> std::optional<std::string> {
                                     parse_protocol_map(as_string(x));
                                     return std::nullopt;
                                   }),
                  kLow, kPerBroker,
                  "Security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL) of each listener "
                  "name. A listener named after a protocol needs no entry."));
  v.push_back(def("inter.broker.listener.name", S, null, none, kMedium, kReadOnly,
                  "Listener that brokers use to reach each other for replication. Defaults to the "
                  "first listener that is not a controller listener."));
  v.push_back(def("controller.listener.names", S, "CONTROLLER", none, kHigh, kReadOnly,
                  "Comma-separated listener names used by the metadata quorum."));
  v.push_back(def("controller.quorum.voters", LIST, "",
                  custom_validator("comma-separated id@host:port",
                                   [](const Value& x) -> std::optional<std::string> {
                                     std::string joined = value_to_string(x);
                                     parse_quorum_voters(joined);
                                     return std::nullopt;
                                   }),
                  kHigh, kReadOnly,
                  "The voters of the metadata quorum as id@host:port. Empty means a quorum of "
                  "this node alone at <node.id>@127.0.0.1:9093."));
  v.push_back(def("admin.listeners", LIST, "http://127.0.0.1:8090",
                  custom_validator("comma-separated http://host:port or https://host:port",
                                   [](const Value& x) -> std::optional<std::string> {
                                     parse_admin_listeners(value_to_string(x));
                                     return std::nullopt;
                                   }),
                  kHigh, kPerBroker,
                  "Addresses of the admin HTTP server (REST API, /metrics, health). Empty "
                  "disables it."));
  v.push_back(def("admin.http.threads", I, "16", at_least(2), kMedium, kReadOnly,
                  "Worker threads of the admin HTTP server; each serves one connection at a "
                  "time, further connections wait in the accept queue."));
  v.push_back(def("admin.http.max.body.bytes", I, "10485760", at_least(1024), kMedium, kReadOnly,
                  "Largest request body the admin HTTP server accepts (413 beyond it). Streamed "
                  "produce requests are bounded per record instead."));
  v.push_back(def("admin.http.request.timeout.ms", I, "30000", at_least(100), kMedium, kReadOnly,
                  "How long the admin HTTP server waits for a client to send a request or read "
                  "a response before it drops the connection (slow clients cannot hold threads)."));
  v.push_back(def("admin.http.authentication", S, "auto", one_of({"auto", "required", "none"}),
                  kHigh, kReadOnly,
                  "Whether admin HTTP routes outside admin.http.open.routes need credentials "
                  "(HTTP Basic against the SCRAM credentials and JAAS PLAIN users, or a client "
                  "certificate on an https listener). `auto`: required once security is on, that "
                  "is when authorizer.class.name is set or a Kafka listener uses SASL. `none`: "
                  "requests without credentials run as User:ANONYMOUS (presented credentials are "
                  "still checked). Every route asks the authorizer for the same action the Kafka "
                  "API would need."));
  v.push_back(def("admin.http.open.routes", LIST, "/v1/status/live,/v1/status/ready,/metrics", none,
                  kMedium, kReadOnly,
                  "Admin HTTP paths served without credentials or ACL checks: exact paths, or "
                  "prefixes ending in `*`. By default liveness, readiness and /metrics (what "
                  "Prometheus scrapes). Empty: every route needs credentials when "
                  "authentication is on. The https listeners take their TLS settings from the "
                  "ssl.* keys, overridden by listener.name.admin_http.ssl.*."));

  // --- Storage layout ----------------------------------------------------------------------
  v.push_back(def("log.dirs", S, null, none, kHigh, kReadOnly,
                  "Comma-separated directories holding partition data. Overrides log.dir.",
                  {"log.dir"}));
  v.push_back(def("log.dir", S, "./data", none, kHigh, kReadOnly,
                  "The data directory when log.dirs is not set."));
  v.push_back(def("metadata.log.dir", S, null, none, kHigh, kReadOnly,
                  "Directory of the metadata log. Defaults to the first log directory."));

  // --- Topic creation ----------------------------------------------------------------------
  v.push_back(def("num.partitions", I, "1", at_least(1), kMedium, kReadOnly,
                  "Partition count of topics created without one (including auto-created)."));
  v.push_back(def("default.replication.factor", I, "1", at_least(1), kMedium, kReadOnly,
                  "Replication factor of topics created without one."));
  v.push_back(def("auto.create.topics.enable", B, "true", none, kHigh, kReadOnly,
                  "Create a topic when a client asks for metadata of, or produces to, one that "
                  "does not exist."));
  v.push_back(def("delete.topic.enable", B, "true", none, kHigh, kReadOnly,
                  "Allow DeleteTopics. When false, deletion requests are refused."));

  // --- Network and threads -----------------------------------------------------------------
  v.push_back(def("socket.request.max.bytes", I, "104857600", at_least(1), kHigh, kReadOnly,
                  "Largest request frame accepted; a larger size prefix closes the connection."));
  v.push_back(def("fetch.max.bytes", I, "57671680", at_least(1024), kMedium, kReadOnly,
                  "Most record bytes one fetch response carries, whatever the request asks for "
                  "(the first batch still goes out whole when larger, so consumers progress)."));
  v.push_back(def("socket.send.buffer.bytes", I, "102400", at_least(-1), kHigh, kReadOnly,
                  "SO_SNDBUF of client connections; -1 keeps the OS default."));
  v.push_back(def("socket.receive.buffer.bytes", I, "102400", at_least(-1), kHigh, kReadOnly,
                  "SO_RCVBUF of client connections; -1 keeps the OS default."));
  v.push_back(def("num.network.threads", I, "3", at_least(1), kHigh, kClusterWide,
                  "Threads running connection I/O."));
  v.push_back(def("num.io.threads", I, "8", at_least(1), kHigh, kClusterWide,
                  "Threads handling requests, including disk I/O."));
  v.push_back(def("queued.max.requests", I, "500", at_least(1), kHigh, kReadOnly,
                  "Requests read and not yet answered, broker-wide; when reached, connections "
                  "stop being read until one is answered."));
  v.push_back(def("queued.max.request.bytes", L, "536870912", at_least(-1), kMedium, kReadOnly,
                  "Bytes of request frames held at once, broker-wide; when reached, connections "
                  "stop being read until memory is freed. Frames are counted as their bytes "
                  "arrive, not by their announced size. -1 means unbounded (Kafka's default; "
                  "Samsa bounds it by default)."));
  v.push_back(def("connections.max.idle.ms", L, "600000", at_least(-1), kMedium, kReadOnly,
                  "Close connections on which nothing arrived for this long; -1 never."));
  v.push_back(def("request.timeout.ms", I, "30000", at_least(0), kMedium, kReadOnly,
                  "A client request whose first byte arrived but that is not complete this long "
                  "after closes the connection (slow or stalled senders cannot hold memory); also "
                  "how long this broker waits for a response to its own requests to other nodes. "
                  "0 disables the client-side limit."));
  v.push_back(def("max.connections", I, kIntMax, at_least(0), kMedium, kClusterWide,
                  "Most client connections open at once, across all listeners. When reached, "
                  "the listeners stop accepting (new connections wait in the kernel's backlog) "
                  "until one closes."));
  v.push_back(def("max.connections.per.ip", I, kIntMax, at_least(0), kMedium, kClusterWide,
                  "Most client connections from one IP address; a connection over it is closed "
                  "as soon as it is accepted."));
  v.push_back(def("max.connections.per.ip.overrides", S, "", per_ip_overrides_validator(), kMedium,
                  kClusterWide,
                  "Per-address exceptions to max.connections.per.ip, as host:count pairs "
                  "separated by commas (host names are resolved), e.g. "
                  "\"127.0.0.1:200,build.example.com:50\"."));
  v.push_back(def("max.connection.creation.rate", I, kIntMax, at_least(0), kMedium, kClusterWide,
                  "Most new connections accepted per second across the listeners; faster "
                  "arrivals are accepted later, not refused."));

  // --- Replication and cluster membership ----------------------------------------------------
  v.push_back(
      def("replica.lag.time.max.ms", L, "30000", none, kHigh, kReadOnly,
          "A follower that has not caught up with the leader for this long leaves the ISR."));
  v.push_back(def("num.replica.fetchers", I, "1", at_least(1), kHigh, kClusterWide,
                  "Fetcher threads per source broker for follower replication."));
  v.push_back(def("replica.fetch.max.bytes", I, "1048576", at_least(0), kMedium, kReadOnly,
                  "Bytes per partition a follower asks for in one fetch."));
  v.push_back(def("broker.heartbeat.interval.ms", I, "2000", at_least(1), kMedium, kReadOnly,
                  "How often a broker heartbeats to the controller."));
  v.push_back(def("broker.session.timeout.ms", I, "9000", at_least(1), kMedium, kReadOnly,
                  "A broker that has not heartbeated for this long is fenced."));

  // --- Log defaults (broker-level synonyms of topic configs) ---------------------------------
  v.push_back(def("message.max.bytes", I, "1048588", at_least(0), kHigh, kClusterWide,
                  "Largest record batch accepted, after compression. Default for the topic config "
                  "max.message.bytes."));
  v.push_back(def("log.segment.bytes", I, "1073741824", at_least(14), kHigh, kClusterWide,
                  "Size at which a segment file is rolled."));
  v.push_back(def("log.roll.ms", L, null, at_least(1), kHigh, kClusterWide,
                  "Age at which a segment is rolled even if not full. Takes precedence over "
                  "log.roll.hours.",
                  {"log.roll.hours"}));
  v.push_back(def("log.roll.hours", I, "168", at_least(1), kHigh, kReadOnly,
                  "log.roll.ms in hours, used when log.roll.ms is not set."));
  v.push_back(def("log.roll.jitter.ms", L, null, at_least(0), kHigh, kClusterWide,
                  "Random amount subtracted from the roll age so segments do not roll together.",
                  {"log.roll.jitter.hours"}));
  v.push_back(def("log.roll.jitter.hours", I, "0", at_least(0), kHigh, kReadOnly,
                  "log.roll.jitter.ms in hours, used when log.roll.jitter.ms is not set."));
  v.push_back(def("log.retention.ms", L, null, at_least(-1), kHigh, kClusterWide,
                  "How long segments are kept before deletion; -1 keeps them forever. Takes "
                  "precedence over log.retention.minutes and log.retention.hours.",
                  {"log.retention.minutes", "log.retention.hours"}));
  v.push_back(def("log.retention.minutes", I, null, none, kHigh, kReadOnly,
                  "Retention in minutes, used when log.retention.ms is not set."));
  v.push_back(def("log.retention.hours", I, "168", none, kHigh, kReadOnly,
                  "Retention in hours, used when neither log.retention.ms nor "
                  "log.retention.minutes is set."));
  v.push_back(def("log.retention.bytes", L, "-1", none, kHigh, kClusterWide,
                  "Largest size a partition may reach before old segments are deleted; -1 means "
                  "no size limit."));
  v.push_back(def("log.retention.check.interval.ms", L, "300000", at_least(1), kMedium, kReadOnly,
                  "How often segments are checked against the retention limits."));
  v.push_back(def("log.cleanup.policy", LIST, "delete", list_of({"compact", "delete"}), kMedium,
                  kClusterWide,
                  "What happens to old segments: delete them, compact them to the last value per "
                  "key, or both."));
  v.push_back(def("log.index.interval.bytes", I, "4096", at_least(0), kMedium, kClusterWide,
                  "Bytes of log between two offset index entries."));
  v.push_back(def("log.index.size.max.bytes", I, "10485760", at_least(4), kMedium, kClusterWide,
                  "Largest size of an offset or time index; a full index rolls the segment."));
  v.push_back(def("log.flush.interval.messages", L, kLongMax, at_least(1), kHigh, kClusterWide,
                  "Force an fsync after this many messages. The default leaves flushing to the "
                  "OS; durability comes from replication."));
  v.push_back(def("log.flush.interval.ms", L, null, none, kHigh, kClusterWide,
                  "Force an fsync when data has been unflushed this long. Defaults to "
                  "log.flush.scheduler.interval.ms.",
                  {"log.flush.scheduler.interval.ms"}));
  v.push_back(def("log.flush.scheduler.interval.ms", L, kLongMax, none, kHigh, kReadOnly,
                  "How often the flusher checks whether a log needs an fsync."));
  v.push_back(def("log.flush.offset.checkpoint.interval.ms", I, "60000", at_least(0), kHigh,
                  kReadOnly, "How often the recovery-point checkpoint file is written."));
  v.push_back(def("log.segment.delete.delay.ms", L, "60000", at_least(0), kHigh, kClusterWide,
                  "Delay between removing a segment from the log and deleting its files."));
  v.push_back(def("log.message.timestamp.type", S, "CreateTime",
                  one_of({"CreateTime", "LogAppendTime"}), kMedium, kClusterWide,
                  "Whether record timestamps are the producer's (CreateTime) or the broker's "
                  "append time (LogAppendTime)."));
  v.push_back(
      def("log.message.timestamp.before.max.ms", L, kLongMax, at_least(0), kMedium, kClusterWide,
          "Reject records whose CreateTime is more than this far in the past (every record, "
          "compressed batches included; records without a timestamp are not checked)."));
  v.push_back(def("log.message.timestamp.after.max.ms", L, "3600000", at_least(0), kMedium,
                  kClusterWide,
                  "Reject records whose CreateTime is more than this far in the future (Kafka 4's "
                  "default since KIP-1030: one hour)."));
  v.push_back(def("log.preallocate", B, "false", none, kMedium, kClusterWide,
                  "Preallocate segment files at their full size when created."));
  v.push_back(def("log.cleaner.enable", B, "true", none, kMedium, kReadOnly,
                  "Run the log cleaner, which compacts topics with cleanup.policy=compact."));
  v.push_back(def("log.cleaner.threads", I, "1", at_least(0), kMedium, kClusterWide,
                  "Threads compacting logs."));
  v.push_back(def("log.cleaner.delete.retention.ms", L, "86400000", at_least(0), kMedium,
                  kClusterWide, "How long tombstones are kept in compacted topics."));
  v.push_back(def("log.cleaner.min.compaction.lag.ms", L, "0", at_least(0), kMedium, kClusterWide,
                  "Minimum age of a record before it may be compacted away."));
  v.push_back(def("log.cleaner.max.compaction.lag.ms", L, kLongMax, at_least(1), kMedium,
                  kClusterWide,
                  "Maximum age of an uncompacted record before compaction is forced."));
  v.push_back(def("log.cleaner.min.cleanable.ratio", D, "0.5", between_double(0, 1), kMedium,
                  kClusterWide,
                  "Fraction of a log that must be uncompacted before the cleaner picks it."));
  v.push_back(def("log.cleaner.dedupe.buffer.size", L, "134217728", at_least(0), kMedium,
                  kClusterWide,
                  "Memory for the key map of all cleaner threads together; a log whose dirty part "
                  "holds more keys is cleaned over several passes."));
  v.push_back(def("log.cleaner.io.max.bytes.per.second", D, "1.7976931348623157E308",
                  at_least_double(0), kMedium, kClusterWide,
                  "Read throughput limit of the cleaner threads together."));
  v.push_back(def("log.cleaner.backoff.ms", L, "15000", at_least(0), kMedium, kClusterWide,
                  "How long a cleaner thread sleeps when no log needs cleaning."));
  v.push_back(def("background.threads", I, "10", at_least(1), kHigh, kReadOnly,
                  "Threads for background storage work: the fsyncs and producer-state snapshots "
                  "of segment rolls and of flush.ms / flush.messages flushes, so they never run "
                  "on a network thread or under a lock a produce or fetch waits on (read at "
                  "startup)."));
  v.push_back(
      def("num.recovery.threads.per.data.dir", I, "1", at_least(1), kHigh, kClusterWide,
          "Threads per log directory recovering logs at startup and flushing at shutdown."));
  v.push_back(def("min.insync.replicas", I, "1", at_least(1), kHigh, kClusterWide,
                  "With acks=all, how many in-sync replicas must have a batch before it is "
                  "acknowledged; fewer means NOT_ENOUGH_REPLICAS."));
  v.push_back(def("compression.type", S, "producer",
                  one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}), kHigh,
                  kClusterWide,
                  "Compression of stored batches; producer keeps whatever the producer used."));
  v.push_back(def("compression.gzip.level", I, "-1",
                  custom_validator("-1 (codec default) or [1,...,9]",
                                   [](const Value& x) -> std::optional<std::string> {
                                     int32_t n = std::get<int32_t>(x);
                                     if (n == -1 || (n >= 1 && n <= 9)) return std::nullopt;
                                     return "must be -1 (codec default) or [1,...,9]";
                                   }),
                  kMedium, kClusterWide, "gzip level when the broker compresses."));
  v.push_back(def("compression.lz4.level", I, "9", between(1, 17), kMedium, kClusterWide,
                  "lz4 level when the broker compresses."));
  v.push_back(def("compression.zstd.level", I, "3", between(-131072, 22), kMedium, kClusterWide,
                  "zstd level when the broker compresses."));
  v.push_back(def("unclean.leader.election.enable", B, "false", none, kHigh, kClusterWide,
                  "Allow a replica outside the ISR to become leader when no ISR member is left, "
                  "losing acknowledged data."));

  // --- Group coordinator -----------------------------------------------------------------------
  v.push_back(def("offsets.topic.num.partitions", I, "50", at_least(1), kHigh, kReadOnly,
                  "Partitions of __consumer_offsets. Do not change after first start."));
  v.push_back(def("offsets.topic.replication.factor", I, "1", at_least(1), kHigh, kReadOnly,
                  "Replication factor of __consumer_offsets. Kafka defaults to 3; Samsa to 1 so a "
                  "single node works. Use 3 in production clusters."));
  v.push_back(def("offsets.topic.segment.bytes", I, "104857600", at_least(1), kHigh, kReadOnly,
                  "segment.bytes of __consumer_offsets, kept small so that compaction, which "
                  "never touches the active segment, keeps the topic small and loads fast."));
  v.push_back(def("offsets.topic.compression.codec", I, "0", between(0, 4), kHigh, kReadOnly,
                  "Codec of the batches the group coordinator writes to __consumer_offsets, as "
                  "Kafka's id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd."));
  v.push_back(def("offsets.retention.minutes", I, "10080", at_least(1), kHigh, kReadOnly,
                  "How long committed offsets of an empty group are kept."));
  v.push_back(def("offsets.retention.check.interval.ms", L, "600000", at_least(1), kHigh, kReadOnly,
                  "How often expired offsets are looked for."));
  v.push_back(def("group.initial.rebalance.delay.ms", I, "3000", none, kMedium, kReadOnly,
                  "How long a new group waits for more members before its first rebalance."));
  v.push_back(def("group.min.session.timeout.ms", I, "6000", none, kMedium, kReadOnly,
                  "Smallest session timeout a consumer may ask for."));
  v.push_back(def("group.max.session.timeout.ms", I, "1800000", none, kMedium, kReadOnly,
                  "Largest session timeout a consumer may ask for."));
  v.push_back(def("group.max.size", I, kIntMax, at_least(1), kMedium, kReadOnly,
                  "Most members a consumer group may have."));

  // --- Transactions and idempotence ----------------------------------------------------------
  v.push_back(def("transactional.id.expiration.ms", I, "604800000", at_least(1), kHigh, kReadOnly,
                  "A transactional id unused for this long is forgotten by the coordinator."));
  v.push_back(def("producer.id.expiration.ms", I, "86400000", at_least(1), kLow, kClusterWide,
                  "Idempotent producer state of a producer id idle this long is dropped."));
  v.push_back(def("transaction.max.timeout.ms", I, "900000", at_least(1), kHigh, kReadOnly,
                  "Largest transaction timeout a producer may ask for."));
  v.push_back(def("transaction.state.log.num.partitions", I, "50", at_least(1), kHigh, kReadOnly,
                  "Partitions of __transaction_state."));
  v.push_back(def("transaction.state.log.replication.factor", I, "1", at_least(1), kHigh, kReadOnly,
                  "Replication factor of __transaction_state (Kafka: 3; Samsa: 1 for a single "
                  "node)."));
  v.push_back(def("transaction.state.log.min.isr", I, "1", at_least(1), kHigh, kReadOnly,
                  "min.insync.replicas of __transaction_state (Kafka: 2; Samsa: 1)."));

  // --- TLS and SASL ----------------------------------------------------------------------------
  v.push_back(def("ssl.keystore.type", S, "PEM", one_of({"PEM", "PKCS12"}), kMedium, kPerBroker,
                  "Format of the key store. Samsa reads PEM and PKCS12, not JKS."));
  v.push_back(def("ssl.keystore.location", S, null, none, kHigh, kPerBroker,
                  "File holding this broker's certificate chain and private key (PEM: the "
                  "certificates, leaf first, and the key in one file; PKCS12). Reloaded when it "
                  "changes and on SIGHUP."));
  v.push_back(def("ssl.keystore.certificate.chain", PW, null, none, kHigh, kPerBroker,
                  "The broker's certificate chain as inline PEM (leaf first), with "
                  "ssl.keystore.type=PEM and no ssl.keystore.location."));
  v.push_back(def("ssl.keystore.key", PW, null, none, kHigh, kPerBroker,
                  "The broker's private key as inline PEM (PKCS8, encrypted with "
                  "ssl.key.password if set), with ssl.keystore.certificate.chain."));
  v.push_back(def("ssl.keystore.password", PW, null, none, kHigh, kPerBroker,
                  "Password of the key store file."));
  v.push_back(def("ssl.key.password", PW, null, none, kHigh, kPerBroker,
                  "Password of the encrypted PEM private key (file or inline)."));
  v.push_back(def("ssl.truststore.type", S, "PEM", one_of({"PEM", "PKCS12"}), kMedium, kPerBroker,
                  "Format of the trust store."));
  v.push_back(def("ssl.truststore.location", S, null, none, kHigh, kPerBroker,
                  "File holding the CA certificates trusted for client authentication (PEM or "
                  "PKCS12). Reloaded when it changes and on SIGHUP."));
  v.push_back(def("ssl.truststore.certificates", PW, null, none, kHigh, kPerBroker,
                  "The trusted CA certificates as inline PEM, with ssl.truststore.type=PEM and no "
                  "ssl.truststore.location."));
  v.push_back(def("ssl.truststore.password", PW, null, none, kHigh, kPerBroker,
                  "Password of the trust store file."));
  v.push_back(def("ssl.client.auth", S, "none", one_of({"required", "requested", "none"}), kMedium,
                  kPerBroker, "Whether TLS clients must, may or need not present a certificate."));
  v.push_back(def("ssl.enabled.protocols", LIST, "TLSv1.2,TLSv1.3", none, kMedium, kPerBroker,
                  "TLS versions accepted on TLS listeners (TLSv1.2, TLSv1.3)."));
  v.push_back(def("ssl.cipher.suites", LIST, "", none, kLow, kPerBroker,
                  "Cipher suites accepted on TLS listeners, by IANA name (as Kafka) or OpenSSL "
                  "name; empty: OpenSSL's defaults."));
  v.push_back(def("ssl.principal.mapping.rules", S, "DEFAULT", none, kLow, kPerBroker,
                  "How a client certificate's subject (RFC 2253 DN) becomes the principal name: "
                  "comma-separated RULE:<regex>/<replacement>/[L|U] entries and DEFAULT (the DN "
                  "unchanged), tried in order; a rule applies when its regex matches the whole "
                  "DN. No rule applying fails authentication."));
  v.push_back(def("sasl.enabled.mechanisms", LIST, "GSSAPI", none, kMedium, kPerBroker,
                  "SASL mechanisms offered on SASL listeners (per listener through "
                  "listener.name.<listener>.sasl.enabled.mechanisms). Samsa implements PLAIN, "
                  "SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (JWTs checked against "
                  "sasl.oauthbearer.jwks.endpoint.url) and GSSAPI; a SASL listener offering any "
                  "other mechanism stops startup, as does GSSAPI (the default) without a keytab "
                  "and a service name (sasl.kerberos.*). PLAIN users come from the "
                  "listener's listener.name.<listener>.plain.sasl.jaas.config "
                  "(PlainLoginModule user_<name>=\"<password>\" entries) and from the SCRAM "
                  "credentials."));
  v.push_back(def("sasl.kerberos.service.name", S, null, none, kMedium, kReadOnly,
                  "GSSAPI: the primary of the broker's Kerberos service principal (e.g. kafka, "
                  "for kafka/<host>@REALM); clients must use the same name. Not needed when the "
                  "principal comes from sasl.kerberos.principal or the listener's "
                  "listener.name.<listener>.gssapi.sasl.jaas.config."));
  v.push_back(def("sasl.kerberos.principal.to.local.rules", LIST, "DEFAULT", none, kMedium,
                  kReadOnly,
                  "GSSAPI: how a client's Kerberos principal becomes the principal name "
                  "(User:<short name>), Kafka's syntax: DEFAULT (primary of a default-realm "
                  "principal) and RULE:[n:format](regex)s/from/to/g/L|U entries, tried in order. "
                  "A principal no rule applies to is not authenticated."));
  v.push_back(def("sasl.kerberos.keytab", S, null, none, kMedium, kReadOnly,
                  "Samsa key (Kafka takes it from the JAAS keyTab option, which is accepted too): "
                  "the keytab holding the broker's service principal key, for GSSAPI. One keytab "
                  "per process: all GSSAPI listeners must name the same file."));
  v.push_back(def("sasl.kerberos.principal", S, null, none, kMedium, kReadOnly,
                  "Samsa key (Kafka takes it from the JAAS principal option, which is accepted "
                  "too): the broker's Kerberos service principal, <service>/<host>[@REALM]. "
                  "Unset: <sasl.kerberos.service.name>/<this machine's hostname>."));
  v.push_back(def("connections.max.reauth.ms", L, "0", at_least(0), kMedium, kReadOnly,
                  "KIP-368: when positive, a SASL session lasts this long; clients using "
                  "SaslAuthenticate v1+ are told so and re-authenticate on the same connection, "
                  "and a connection whose session has expired is closed. 0: sessions never "
                  "expire."));
  v.push_back(def("sasl.server.max.receive.size", I, "524288", at_least(1), kMedium, kReadOnly,
                  "Largest frame accepted on a SASL listener before authentication is complete "
                  "(a SASL token, or any request); a larger one closes the connection."));
  v.push_back(def("connection.failed.authentication.delay.ms", I, "100", at_least(0), kLow,
                  kReadOnly,
                  "A failed SASL authentication is answered this long after it failed, and the "
                  "connection then closed, so that clients cannot try passwords quickly."));
  v.push_back(def("sasl.authentication.timeout.ms", L, "30000", at_least(0), kMedium, kReadOnly,
                  "Samsa key: a connection on a SASL listener that has not completed SASL "
                  "authentication this long after it was accepted is closed. 0 disables the "
                  "limit."));

  // OAUTHBEARER (KIP-768): what Kafka's OAuthBearerValidatorCallbackHandler reads. Each may be
  // set per listener (listener.name.<listener>.<key>, or with the mechanism prefix
  // listener.name.<listener>.oauthbearer.<key> as Kafka documents it).
  v.push_back(def("sasl.oauthbearer.jwks.endpoint.url", S, null, none, kMedium, kReadOnly,
                  "Where the keys that sign OAUTHBEARER tokens come from: the identity "
                  "provider's JWKS (JSON Web Key Set) URL, https:// (or http://), or a file "
                  "named file:///absolute/path. Required when a listener enables OAUTHBEARER. "
                  "A URL is fetched at startup (a JWKS that cannot be fetched stops startup), "
                  "then every sasl.oauthbearer.jwks.endpoint.refresh.ms and early when a token "
                  "names a key id the set lacks; https trusts the system's CA certificates, or "
                  "the PEM file in ssl.truststore.location of the listener's "
                  "listener.name.<l>.oauthbearer.sasl.jaas.config, as in Kafka. A file is re-read "
                  "when it changes; both on SIGHUP, keeping old keys on failure. RSA (RS*, PS*, "
                  "2048 bits or more) and EC (ES*) signature keys are used, others skipped."));
  v.push_back(def("sasl.oauthbearer.jwks.endpoint.refresh.ms", L, "3600000", at_least(1000), kLow,
                  kReadOnly,
                  "How often a JWKS URL is fetched again. A failed fetch keeps the keys loaded "
                  "before."));
  v.push_back(def("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", L, "100", at_least(1), kLow,
                  kReadOnly,
                  "First wait before a failed JWKS fetch is tried again; each retry waits twice "
                  "as long, up to sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms."));
  v.push_back(def("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", L, "10000", at_least(1),
                  kLow, kReadOnly,
                  "Longest wait between JWKS fetch retries, how long one fetch is retried, and "
                  "the least time between early fetches for unknown key ids."));
  v.push_back(def("sasl.oauthbearer.expected.issuer", S, null, none, kLow, kReadOnly,
                  "When set, an OAUTHBEARER token's iss claim must be exactly this."));
  v.push_back(def("sasl.oauthbearer.expected.audience", LIST, "", none, kLow, kReadOnly,
                  "When set, an OAUTHBEARER token's aud claim must name at least one of these. "
                  "When empty, a token that carries an aud claim at all is refused (as in Kafka, "
                  "whose JWT library checks aud by default)."));
  v.push_back(def("sasl.oauthbearer.clock.skew.seconds", I, "30", at_least(0), kLow, kReadOnly,
                  "Seconds of clock difference with the identity provider allowed when checking "
                  "an OAUTHBEARER token's exp and nbf claims."));
  v.push_back(def("sasl.oauthbearer.sub.claim.name", S, "sub", none, kLow, kReadOnly,
                  "The OAUTHBEARER token claim holding the principal name: a token for subject "
                  "X authenticates as User:X."));
  v.push_back(def("sasl.oauthbearer.scope.claim.name", S, "scope", none, kLow, kReadOnly,
                  "The OAUTHBEARER token claim holding its scopes: a string (one scope) or a list "
                  "of strings; a blank or repeated scope gets the token refused."));

  // --- Authorization (ACLs) -------------------------------------------------------------------
  v.push_back(def("authorizer.class.name", S, "",
                  one_of({"", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                          "kafka.security.authorizer.AclAuthorizer", "acl"}),
                  kLow, kReadOnly,
                  "Turns ACL authorization on: Kafka's StandardAuthorizer (or AclAuthorizer) class "
                  "name, or `acl`, all meaning Samsa's built-in authorizer with ACLs kept in the "
                  "metadata log. Empty: no authorization, every request is allowed and the ACL "
                  "APIs answer SECURITY_DISABLED."));
  v.push_back(def("super.users", S, "", none, kLow, kReadOnly,
                  "`;`-separated principals (`User:admin;User:kafka`) allowed everything, "
                  "whatever the ACLs say."));
  v.push_back(def("allow.everyone.if.no.acl.found", B, "false", none, kLow, kReadOnly,
                  "Allow an action on a resource that no ACL names at all. When false, such "
                  "actions are denied to everyone but super users."));
  // --- Audit log ------------------------------------------------------------------------------
  v.push_back(def("audit.log.file", S, "", none, kMedium, kReadOnly,
                  "File that gets one JSON line for every authentication outcome, authorization "
                  "denial and change of state, from the Kafka API and the REST API (keys time, "
                  "principal, client, listener, api or route, resource, operation, result). "
                  "Empty: no audit file."));
  v.push_back(def("audit.log.max.bytes", L, "104857600", at_least(4096), kLow, kReadOnly,
                  "Size at which the audit file is rotated (audit.1.log is the newest rotated "
                  "file)."));
  v.push_back(def("audit.log.max.files", I, "10", at_least(1), kLow, kReadOnly,
                  "Rotated audit files kept besides the current one."));
  v.push_back(def("audit.log.stderr", B, "false", none, kLow, kReadOnly,
                  "Also write the audit lines to stderr (journald under systemd)."));

  // --- Samsa operations --------------------------------------------------------------------------
  v.push_back(def("metrics.constant.labels", LIST, "", labels_validator(), kLow, kReadOnly,
                  "Labels added to every exported metric, as name=value pairs."));
  v.push_back(def("log.level", S, "info",
                  one_of({"trace", "debug", "info", "warn", "error", "critical", "off"}), kLow,
                  kReadOnly, "Minimum severity of messages written to the broker log."));
  return v;
}

}  // namespace

const std::vector<ConfigDef>& broker_config_defs() {
  static const std::vector<ConfigDef> defs = make_broker_defs();
  return defs;
}

}  // namespace samsa::config
