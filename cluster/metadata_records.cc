#include "cluster/metadata_records.h"

#include <cstring>
#include <stdexcept>

#include "cluster/image_builder.h"

namespace samsa::cluster {
namespace {

constexpr uint8_t kBatchFormat = 1;
constexpr uint8_t kSnapshotFormat = 1;
constexpr size_t kRecordHeaderBytes = 6;  // type, version, u32 length

// Record type ids are part of the on-disk format: never renumber.
enum RecordType : uint8_t {
  kClusterId = 1,
  kFeatureLevel = 2,
  kLeaderChange = 3,
  kRegisterBroker = 4,
  kBrokerFence = 5,
  kTopic = 6,
  kPartition = 7,
  kPartitionChange = 8,
  kRemoveTopic = 9,
  kConfig = 10,
  kProducerIds = 11,
  kAccessControlEntry = 12,
  kRemoveAccessControlEntry = 13,
  // SCRAM credentials take 40-41 so that other record families added at the same time (ACLs)
  // can take the next free ids without a clash.
  kUserScramCredential = 40,
  // RegisterBroker with every advertised listener; kRegisterBroker records are still read.
  kRegisterBrokerEndpoints = 50,
  kRemoveUserScramCredential = 41,
};

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void i16(int16_t v) { be(static_cast<uint16_t>(v), 2); }
  void i32(int32_t v) { be(static_cast<uint32_t>(v), 4); }
  void u32(uint32_t v) { be(v, 4); }
  void i64(int64_t v) { be(static_cast<uint64_t>(v), 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void opt_str(const std::optional<std::string>& s) {
    boolean(s.has_value());
    if (s) str(*s);
  }
  void bytes(const std::vector<uint8_t>& b) {
    u32(static_cast<uint32_t>(b.size()));
    out_.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  void uuid(const Uuid& id) { out_.append(reinterpret_cast<const char*>(id.data()), id.size()); }
  void ints(const std::vector<int32_t>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (int32_t x : v) i32(x);
  }
  size_t size() const { return out_.size(); }
  std::string take() { return std::move(out_); }

 private:
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out_;
};

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> d) : d_(d) {}
  size_t remaining() const { return d_.size() - pos_; }
  uint8_t u8() { return static_cast<uint8_t>(be(1)); }
  int16_t i16() { return static_cast<int16_t>(be(2)); }
  int32_t i32() { return static_cast<int32_t>(be(4)); }
  uint32_t u32() { return static_cast<uint32_t>(be(4)); }
  int64_t i64() { return static_cast<int64_t>(be(8)); }
  bool boolean() {
    uint8_t v = u8();
    if (v > 1) throw DecodeError("bad boolean");
    return v == 1;
  }
  std::string str() {
    uint32_t n = u32();
    if (n > kMaxStringBytes || n > remaining()) throw DecodeError("string length out of bounds");
    std::string s(reinterpret_cast<const char*>(d_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::optional<std::string> opt_str() {
    if (!boolean()) return std::nullopt;
    return str();
  }
  std::vector<uint8_t> bytes() {
    uint32_t n = u32();
    if (n > kMaxStringBytes || n > remaining()) throw DecodeError("bytes length out of bounds");
    std::vector<uint8_t> b(d_.begin() + pos_, d_.begin() + pos_ + n);
    pos_ += n;
    return b;
  }
  Uuid uuid() {
    need(16);
    Uuid id;
    std::memcpy(id.data(), d_.data() + pos_, 16);
    pos_ += 16;
    return id;
  }
  std::vector<int32_t> ints() {
    uint32_t n = u32();
    if (n > kMaxReplicas || n > remaining() / 4) throw DecodeError("array length out of bounds");
    std::vector<int32_t> v(n);
    for (auto& x : v) x = i32();
    return v;
  }
  std::span<const uint8_t> take(size_t n) {
    need(n);
    auto s = d_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  void need(size_t n) const {
    if (n > remaining()) throw DecodeError("truncated");
  }
  uint64_t be(int n) {
    need(n);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | d_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::span<const uint8_t> d_;
  size_t pos_ = 0;
};

void write_partition(Writer& w, const PartitionState& p) {
  w.i32(p.partition);
  w.ints(p.replicas);
  w.ints(p.isr);
  w.i32(p.leader);
  w.i32(p.leader_epoch);
  w.i32(p.partition_epoch);
}

PartitionState read_partition(Reader& r) {
  PartitionState p;
  p.partition = r.i32();
  p.replicas = r.ints();
  p.isr = r.ints();
  p.leader = r.i32();
  p.leader_epoch = r.i32();
  p.partition_epoch = r.i32();
  return p;
}

// Writes the body; returns the record type. Every record is at version 0 for now.
uint8_t write_body(Writer& w, const MetadataRecord& rec) {
  struct V {
    Writer& w;
    uint8_t operator()(const ClusterIdRecord& r) {
      w.str(r.cluster_id);
      return kClusterId;
    }
    uint8_t operator()(const FeatureLevelRecord& r) {
      w.str(r.name);
      w.i16(r.level);
      return kFeatureLevel;
    }
    uint8_t operator()(const LeaderChangeRecord& r) {
      w.i32(r.leader_id);
      w.i64(r.term);
      return kLeaderChange;
    }
    uint8_t operator()(const RegisterBrokerRecord& r) {
      w.i32(r.broker.id);
      w.str(r.broker.host);
      w.i32(r.broker.port);
      w.opt_str(r.broker.rack);
      w.boolean(r.broker.fenced);
      w.u32(static_cast<uint32_t>(r.broker.endpoints.size()));
      for (const auto& e : r.broker.endpoints) {
        w.str(e.listener);
        w.str(e.host);
        w.i32(e.port);
      }
      return kRegisterBrokerEndpoints;
    }
    uint8_t operator()(const BrokerFenceRecord& r) {
      w.i32(r.broker_id);
      w.boolean(r.fenced);
      return kBrokerFence;
    }
    uint8_t operator()(const TopicRecord& r) {
      w.str(r.name);
      w.uuid(r.id);
      w.boolean(r.internal);
      return kTopic;
    }
    uint8_t operator()(const PartitionRecord& r) {
      w.uuid(r.topic_id);
      write_partition(w, r.state);
      return kPartition;
    }
    uint8_t operator()(const PartitionChangeRecord& r) {
      w.uuid(r.topic_id);
      w.i32(r.partition);
      w.boolean(r.leader.has_value());
      if (r.leader) w.i32(*r.leader);
      w.boolean(r.isr.has_value());
      if (r.isr) w.ints(*r.isr);
      w.boolean(r.replicas.has_value());
      if (r.replicas) w.ints(*r.replicas);
      return kPartitionChange;
    }
    uint8_t operator()(const RemoveTopicRecord& r) {
      w.uuid(r.topic_id);
      return kRemoveTopic;
    }
    uint8_t operator()(const ConfigRecord& r) {
      w.u8(static_cast<uint8_t>(r.resource_type));
      w.str(r.resource_name);
      w.str(r.key);
      w.opt_str(r.value);
      return kConfig;
    }
    uint8_t operator()(const ProducerIdsRecord& r) {
      w.i32(r.broker_id);
      w.i64(r.first_id);
      w.i32(r.count);
      return kProducerIds;
    }
    uint8_t operator()(const AccessControlEntryRecord& r) {
      const AclEntry& e = r.entry;
      w.uuid(e.id);
      w.u8(static_cast<uint8_t>(e.resource_type));
      w.str(e.resource_name);
      w.u8(static_cast<uint8_t>(e.pattern_type));
      w.str(e.principal);
      w.str(e.host);
      w.u8(static_cast<uint8_t>(e.operation));
      w.u8(static_cast<uint8_t>(e.permission));
      return kAccessControlEntry;
    }
    uint8_t operator()(const RemoveAccessControlEntryRecord& r) {
      w.uuid(r.id);
      return kRemoveAccessControlEntry;
    }
    uint8_t operator()(const UserScramCredentialRecord& r) {
      w.str(r.name);
      w.u8(static_cast<uint8_t>(r.mechanism));
      w.bytes(r.credential.salt);
      w.bytes(r.credential.stored_key);
      w.bytes(r.credential.server_key);
      w.i32(r.credential.iterations);
      return kUserScramCredential;
    }
    uint8_t operator()(const RemoveUserScramCredentialRecord& r) {
      w.str(r.name);
      w.u8(static_cast<uint8_t>(r.mechanism));
      return kRemoveUserScramCredential;
    }
  };
  return std::visit(V{w}, rec);
}

MetadataRecord read_body(uint8_t type, Reader& r) {
  switch (type) {
    case kClusterId:
      return ClusterIdRecord{r.str()};
    case kFeatureLevel: {
      FeatureLevelRecord f;
      f.name = r.str();
      f.level = r.i16();
      return f;
    }
    case kLeaderChange: {
      LeaderChangeRecord l;
      l.leader_id = r.i32();
      l.term = r.i64();
      return l;
    }
    case kRegisterBroker:
    case kRegisterBrokerEndpoints: {
      RegisterBrokerRecord b;
      b.broker.id = r.i32();
      b.broker.host = r.str();
      b.broker.port = r.i32();
      b.broker.rack = r.opt_str();
      b.broker.fenced = r.boolean();
      if (type == kRegisterBrokerEndpoints) {
        const uint32_t n = r.u32();
        // Each endpoint takes at least 12 bytes (two string lengths and a port).
        if (n > kMaxEndpoints || n > r.remaining() / 12)
          throw DecodeError("endpoint count out of bounds");
        for (uint32_t i = 0; i < n; ++i) {
          BrokerEndpoint e;
          e.listener = r.str();
          e.host = r.str();
          e.port = r.i32();
          b.broker.endpoints.push_back(std::move(e));
        }
      }
      return b;
    }
    case kBrokerFence: {
      BrokerFenceRecord f;
      f.broker_id = r.i32();
      f.fenced = r.boolean();
      return f;
    }
    case kTopic: {
      TopicRecord t;
      t.name = r.str();
      t.id = r.uuid();
      t.internal = r.boolean();
      return t;
    }
    case kPartition: {
      PartitionRecord p;
      p.topic_id = r.uuid();
      p.state = read_partition(r);
      return p;
    }
    case kPartitionChange: {
      PartitionChangeRecord c;
      c.topic_id = r.uuid();
      c.partition = r.i32();
      if (r.boolean()) c.leader = r.i32();
      if (r.boolean()) c.isr = r.ints();
      if (r.boolean()) c.replicas = r.ints();
      return c;
    }
    case kRemoveTopic:
      return RemoveTopicRecord{r.uuid()};
    case kConfig: {
      ConfigRecord c;
      c.resource_type = static_cast<int8_t>(r.u8());
      c.resource_name = r.str();
      c.key = r.str();
      c.value = r.opt_str();
      return c;
    }
    case kProducerIds: {
      ProducerIdsRecord p;
      p.broker_id = r.i32();
      p.first_id = r.i64();
      p.count = r.i32();
      return p;
    }
    case kAccessControlEntry: {
      AccessControlEntryRecord a;
      AclEntry& e = a.entry;
      e.id = r.uuid();
      e.resource_type = static_cast<int8_t>(r.u8());
      e.resource_name = r.str();
      e.pattern_type = static_cast<int8_t>(r.u8());
      e.principal = r.str();
      e.host = r.str();
      e.operation = static_cast<int8_t>(r.u8());
      e.permission = static_cast<int8_t>(r.u8());
      return a;
    }
    case kRemoveAccessControlEntry:
      return RemoveAccessControlEntryRecord{r.uuid()};
    case kUserScramCredential: {
      UserScramCredentialRecord u;
      u.name = r.str();
      u.mechanism = static_cast<int8_t>(r.u8());
      u.credential.salt = r.bytes();
      u.credential.stored_key = r.bytes();
      u.credential.server_key = r.bytes();
      u.credential.iterations = r.i32();
      return u;
    }
    case kRemoveUserScramCredential: {
      RemoveUserScramCredentialRecord d;
      d.name = r.str();
      d.mechanism = static_cast<int8_t>(r.u8());
      return d;
    }
    default:
      throw DecodeError("unknown record type " + std::to_string(type));
  }
}

void write_batch(Writer& w, const std::vector<MetadataRecord>& records) {
  w.u8(kBatchFormat);
  w.u32(static_cast<uint32_t>(records.size()));
  for (const auto& rec : records) {
    Writer body;
    const uint8_t type = write_body(body, rec);
    std::string bytes = body.take();
    w.u8(type);
    w.u8(0);  // version
    w.str(bytes);
  }
}

std::vector<MetadataRecord> read_batch(Reader& r) {
  if (r.u8() != kBatchFormat) throw DecodeError("unknown batch format");
  const uint32_t count = r.u32();
  if (count > kMaxBatchRecords || count > r.remaining() / kRecordHeaderBytes) {
    throw DecodeError("record count out of bounds");
  }
  std::vector<MetadataRecord> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t type = r.u8();
    const uint8_t version = r.u8();
    const uint32_t len = r.u32();
    if (version != 0) throw DecodeError("unsupported record version " + std::to_string(version));
    Reader body(r.take(len));
    out.push_back(read_body(type, body));
    if (body.remaining() != 0) throw DecodeError("trailing bytes in record");
  }
  return out;
}

}  // namespace

std::string encode_batch(const std::vector<MetadataRecord>& records) {
  Writer w;
  write_batch(w, records);
  return w.take();
}

std::optional<std::vector<MetadataRecord>> decode_batch(std::span<const uint8_t> data,
                                                        std::string* error) {
  try {
    Reader r(data);
    auto out = read_batch(r);
    if (r.remaining() != 0) throw DecodeError("trailing bytes after batch");
    return out;
  } catch (const DecodeError& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

std::vector<MetadataRecord> image_to_records(const MetadataImage& image) {
  std::vector<MetadataRecord> out;
  if (!image.cluster_id().empty()) out.push_back(ClusterIdRecord{image.cluster_id()});
  for (const auto& [name, level] : image.features()) out.push_back(FeatureLevelRecord{name, level});
  if (image.controller_id() >= 0 || image.controller_epoch() != 0) {
    out.push_back(LeaderChangeRecord{image.controller_id(), image.controller_epoch()});
  }
  for (const auto& [id, b] : image.brokers()) out.push_back(RegisterBrokerRecord{b});
  for (const auto& [name, t] : image.topics()) {
    out.push_back(TopicRecord{t->name, t->id, t->internal});
    for (const auto& p : t->partitions) out.push_back(PartitionRecord{t->id, p});
    for (const auto& [k, v] : t->configs) out.push_back(ConfigRecord{kResourceTopic, name, k, v});
  }
  for (const auto& [key, configs] : image.resource_configs()) {
    for (const auto& [k, v] : configs) out.push_back(ConfigRecord{key.first, key.second, k, v});
  }
  for (const auto& [id, acl] : image.acls()) out.push_back(AccessControlEntryRecord{acl});
  for (const auto& [user, mechanisms] : image.scram_credentials()) {
    for (const auto& [mechanism, credential] : mechanisms) {
      out.push_back(UserScramCredentialRecord{user, mechanism, credential});
    }
  }
  if (image.next_producer_id() > 0) {
    // A one-id block ending at the high-water mark restores it exactly.
    out.push_back(ProducerIdsRecord{-1, image.next_producer_id() - 1, 1});
  }
  return out;
}

std::string encode_snapshot(const MetadataImage& image) {
  Writer w;
  w.u8(kSnapshotFormat);
  w.i64(image.offset());
  write_batch(w, image_to_records(image));
  return w.take();
}

std::shared_ptr<const MetadataImage> decode_snapshot(std::span<const uint8_t> data,
                                                     std::string* error) {
  try {
    Reader r(data);
    if (r.u8() != kSnapshotFormat) throw DecodeError("unknown snapshot format");
    const int64_t offset = r.i64();
    auto records = read_batch(r);
    if (r.remaining() != 0) throw DecodeError("trailing bytes after snapshot");
    ImageBuilder b;
    b.apply_all(records);
    return b.build(offset);
  } catch (const DecodeError& e) {
    if (error) *error = e.what();
    return nullptr;
  }
}

}  // namespace samsa::cluster
