#include "cluster/controller.h"

#include <fmt/format.h>

#include <random>
#include <set>

#include "cluster/topic_rules.h"

namespace samsa::cluster {
namespace {

constexpr size_t kMaxConfigKeyBytes = 255;
constexpr size_t kMaxConfigValueBytes = 64 * 1024;
constexpr int32_t kMaxProducerIdBlock = 1'000'000;

const char* message_for(int16_t error) {
  switch (error) {
    case kNotController:
      return "This is not the correct controller for this cluster.";
    case kRequestTimedOut:
      return "The request timed out.";
    default:
      return "The server experienced an unexpected error when processing the request.";
  }
}

uint32_t random_start() {
  thread_local std::mt19937 gen{std::random_device{}()};
  return static_cast<uint32_t>(gen());
}

// Kafka rejects every occurrence of a name that appears more than once in one request.
template <typename T>
std::set<T> duplicates(const std::vector<T>& items) {
  std::set<T> seen, dups;
  for (const auto& i : items) {
    if (!seen.insert(i).second) dups.insert(i);
  }
  return dups;
}

void set_error(TopicResult& r, int16_t code, std::string message) {
  r.error_code = code;
  r.error_message = std::move(message);
}

Uuid fresh_topic_id(const MetadataImage& image, const std::set<Uuid>& taken) {
  for (;;) {
    Uuid id = random_uuid();
    if (image.topic_by_id(id) == nullptr && taken.count(id) == 0) return id;
  }
}

void add_partition_records(std::vector<MetadataRecord>& out, const Uuid& topic_id,
                           int32_t first_partition,
                           const std::vector<std::vector<int32_t>>& replicas) {
  for (size_t i = 0; i < replicas.size(); ++i) {
    PartitionState p;
    p.partition = first_partition + static_cast<int32_t>(i);
    p.replicas = replicas[i];
    p.isr = replicas[i];
    p.leader = replicas[i].empty() ? -1 : replicas[i][0];
    out.push_back(PartitionRecord{topic_id, std::move(p)});
  }
}

// Validates a manual assignment; returns the replica lists in partition order or sets an error.
std::optional<std::vector<std::vector<int32_t>>> check_assignment(
    const MetadataImage& image, const std::map<int32_t, std::vector<int32_t>>& assignments,
    TopicResult& res) {
  if (assignments.size() > static_cast<size_t>(kMaxPartitionsPerTopic)) {
    set_error(res, kInvalidPartitions,
              fmt::format("Number of partitions exceeds the limit of {}.", kMaxPartitionsPerTopic));
    return std::nullopt;
  }
  std::vector<std::vector<int32_t>> out;
  int32_t expected = 0;
  for (const auto& [partition, replicas] : assignments) {
    if (partition != expected++) {
      set_error(res, kInvalidReplicaAssignment,
                "Partitions should be a consecutive 0-based integer sequence");
      return std::nullopt;
    }
    if (replicas.empty()) {
      set_error(res, kInvalidReplicaAssignment,
                fmt::format("The manual partition assignment includes an empty replica list for "
                            "partition {}.",
                            partition));
      return std::nullopt;
    }
    if (replicas.size() > kMaxReplicas ||
        std::set<int32_t>(replicas.begin(), replicas.end()).size() != replicas.size()) {
      set_error(res, kInvalidReplicaAssignment,
                fmt::format("The manual partition assignment for partition {} contains duplicate "
                            "or too many replicas.",
                            partition));
      return std::nullopt;
    }
    if (!out.empty() && out.front().size() != replicas.size()) {
      set_error(res, kInvalidReplicaAssignment,
                "All partitions in the manual partition assignment must have the same number of "
                "replicas.");
      return std::nullopt;
    }
    for (int32_t b : replicas) {
      const BrokerRegistration* reg = image.broker(b);
      if (reg == nullptr || reg->fenced) {
        set_error(res, kInvalidReplicaAssignment,
                  fmt::format("The manual partition assignment includes broker {}, but no such "
                              "broker is registered and unfenced.",
                              b));
        return std::nullopt;
      }
    }
    out.push_back(replicas);
  }
  return out;
}

}  // namespace

Controller::Controller(std::unique_ptr<MetadataQuorum> quorum, ControllerOptions options)
    : quorum_(std::move(quorum)), options_(options) {}

Controller::~Controller() {
  quorum_->stop();
}

void Controller::on_image_change(
    std::function<void(std::shared_ptr<const MetadataImage>)> listener) {
  quorum_->add_listener(std::move(listener));
}

void Controller::submit_topic_write(
    Results results, std::function<std::vector<MetadataRecord>(const MetadataImage&)> build,
    std::function<void(std::vector<TopicResult>)> done) {
  MetadataWrite w;
  w.build = std::move(build);
  w.done = [results, done = std::move(done)](int16_t error) {
    if (error != kNone) {
      // The entry was not (or not knowably) applied: every topic that passed validation fails.
      for (auto& r : *results) {
        if (r.error_code == kNone) {
          set_error(r, error, message_for(error));
          r.id = Uuid{};
        }
      }
    }
    if (done) done(std::move(*results));
  };
  quorum_->submit(std::move(w));
}

void Controller::create_topics(std::vector<CreateTopicRequest> topics, bool validate_only,
                               std::function<void(std::vector<TopicResult>)> done) {
  auto results = std::make_shared<std::vector<TopicResult>>(topics.size());
  for (size_t i = 0; i < topics.size(); ++i) (*results)[i].name = topics[i].name;
  auto build = [opts = options_, results, validate_only,
                topics = std::move(topics)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    std::vector<std::string> names;
    for (const auto& t : topics) names.push_back(t.name);
    const auto dups = duplicates(names);
    std::vector<std::string> accepted;  // earlier topics of this request, for collisions
    std::set<Uuid> new_ids;
    const uint32_t start = random_start();
    for (size_t i = 0; i < topics.size(); ++i) {
      const CreateTopicRequest& req = topics[i];
      TopicResult& res = (*results)[i];
      if (dups.count(req.name) != 0) {
        set_error(res, kInvalidRequest, "Duplicate topic name.");
        continue;
      }
      if (auto bad = validate_topic_name(req.name)) {
        set_error(res, kInvalidTopicException, *bad);
        continue;
      }
      if (image.topic(req.name) != nullptr) {
        set_error(res, kTopicAlreadyExists, fmt::format("Topic '{}' already exists.", req.name));
        continue;
      }
      std::optional<std::string> collision = find_colliding_topic(image, req.name);
      for (const auto& a : accepted) {
        if (!collision && topic_names_collide(a, req.name)) collision = a;
      }
      if (collision) {
        set_error(res, kInvalidTopicException,
                  fmt::format("Topic '{}' collides with existing topic: {}", req.name, *collision));
        continue;
      }
      bool bad_config = false;
      for (const auto& [k, v] : req.configs) {
        if (k.empty() || k.size() > kMaxConfigKeyBytes || v.size() > kMaxConfigValueBytes) {
          set_error(res, kInvalidConfig, fmt::format("Invalid config '{}'.", k));
          bad_config = true;
          break;
        }
      }
      if (bad_config) continue;

      std::vector<std::vector<int32_t>> replicas;
      if (!req.assignments.empty()) {
        if (req.num_partitions != -1 || req.replication_factor != -1) {
          set_error(res, kInvalidRequest,
                    "Both numPartitions or replicationFactor and replicasAssignments were set. "
                    "Both cannot be used at the same time.");
          continue;
        }
        auto checked = check_assignment(image, req.assignments, res);
        if (!checked) continue;
        replicas = std::move(*checked);
      } else {
        const int32_t np =
            req.num_partitions == -1 ? opts.default_num_partitions : req.num_partitions;
        const int16_t rf =
            req.replication_factor == -1 ? opts.default_replication_factor : req.replication_factor;
        if (np <= 0) {
          set_error(res, kInvalidPartitions,
                    "Number of partitions was set to an invalid non-positive value.");
          continue;
        }
        if (np > kMaxPartitionsPerTopic) {
          set_error(res, kInvalidPartitions,
                    fmt::format("Number of partitions {} exceeds the limit of {}.", np,
                                kMaxPartitionsPerTopic));
          continue;
        }
        Placement placement = place_replicas(image, 0, np, rf, start);
        if (placement.error != kNone) {
          set_error(res, placement.error, placement.message);
          continue;
        }
        replicas = std::move(placement.replicas);
      }
      res.num_partitions = static_cast<int32_t>(replicas.size());
      res.replication_factor = static_cast<int16_t>(replicas.front().size());
      accepted.push_back(req.name);
      if (validate_only) continue;
      res.id = fresh_topic_id(image, new_ids);
      new_ids.insert(res.id);
      // Kafka marks its internal topics by name.
      const bool internal = req.name == "__consumer_offsets" || req.name == "__transaction_state";
      records.push_back(TopicRecord{req.name, res.id, internal});
      add_partition_records(records, res.id, 0, replicas);
      for (const auto& [k, v] : req.configs) {
        records.push_back(ConfigRecord{kResourceTopic, req.name, k, v});
      }
    }
    return records;
  };
  submit_topic_write(std::move(results), std::move(build), std::move(done));
}

void Controller::delete_topics(std::vector<std::string> names,
                               std::function<void(std::vector<TopicResult>)> done) {
  auto results = std::make_shared<std::vector<TopicResult>>(names.size());
  for (size_t i = 0; i < names.size(); ++i) (*results)[i].name = names[i];
  auto build = [results, names = std::move(names)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    const auto dups = duplicates(names);
    for (size_t i = 0; i < names.size(); ++i) {
      TopicResult& res = (*results)[i];
      const TopicState* t = image.topic(names[i]);
      if (dups.count(names[i]) != 0) {
        set_error(res, kInvalidRequest, "Duplicate topic name.");
      } else if (t == nullptr) {
        set_error(res, kUnknownTopicOrPartition, "This server does not host this topic-partition.");
      } else {
        res.id = t->id;
        records.push_back(RemoveTopicRecord{t->id});
      }
    }
    return records;
  };
  submit_topic_write(std::move(results), std::move(build), std::move(done));
}

void Controller::delete_topics_by_id(std::vector<Uuid> ids,
                                     std::function<void(std::vector<TopicResult>)> done) {
  auto results = std::make_shared<std::vector<TopicResult>>(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) (*results)[i].id = ids[i];
  auto build = [results, ids = std::move(ids)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    const auto dups = duplicates(ids);
    for (size_t i = 0; i < ids.size(); ++i) {
      TopicResult& res = (*results)[i];
      const TopicState* t = image.topic_by_id(ids[i]);
      if (dups.count(ids[i]) != 0) {
        set_error(res, kInvalidRequest, "Duplicate topic id.");
      } else if (t == nullptr) {
        set_error(res, kUnknownTopicId, "This server does not host this topic ID.");
      } else {
        res.name = t->name;
        records.push_back(RemoveTopicRecord{t->id});
      }
    }
    return records;
  };
  // A failed delete must keep the id the caller asked about, so restore it after the fact.
  auto ids_copy = std::make_shared<std::vector<TopicResult>>(*results);
  submit_topic_write(std::move(results), std::move(build),
                     [ids_copy, done = std::move(done)](std::vector<TopicResult> r) {
                       for (size_t i = 0; i < r.size(); ++i) r[i].id = (*ids_copy)[i].id;
                       if (done) done(std::move(r));
                     });
}

void Controller::create_partitions(std::vector<std::pair<std::string, int32_t>> topics,
                                   bool validate_only,
                                   std::function<void(std::vector<TopicResult>)> done) {
  auto results = std::make_shared<std::vector<TopicResult>>(topics.size());
  for (size_t i = 0; i < topics.size(); ++i) (*results)[i].name = topics[i].first;
  auto build = [results, validate_only, topics = std::move(topics)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    std::vector<std::string> names;
    for (const auto& t : topics) names.push_back(t.first);
    const auto dups = duplicates(names);
    const uint32_t start = random_start();
    for (size_t i = 0; i < topics.size(); ++i) {
      const auto& [name, count] = topics[i];
      TopicResult& res = (*results)[i];
      const TopicState* t = image.topic(name);
      if (dups.count(name) != 0) {
        set_error(res, kInvalidRequest, "Duplicate topic name.");
        continue;
      }
      if (t == nullptr) {
        set_error(res, kUnknownTopicOrPartition, "This server does not host this topic-partition.");
        continue;
      }
      const auto current = static_cast<int32_t>(t->partitions.size());
      if (count == current) {
        set_error(res, kInvalidPartitions,
                  fmt::format("Topic already has {} partitions.", current));
        continue;
      }
      if (count < current) {
        set_error(res, kInvalidPartitions,
                  fmt::format("Topic currently has {} partitions, which is higher than the "
                              "requested {}.",
                              current, count));
        continue;
      }
      if (count > kMaxPartitionsPerTopic) {
        set_error(res, kInvalidPartitions,
                  fmt::format("Number of partitions {} exceeds the limit of {}.", count,
                              kMaxPartitionsPerTopic));
        continue;
      }
      const auto rf =
          static_cast<int16_t>(t->partitions.empty() ? 1 : t->partitions[0].replicas.size());
      Placement placement = place_replicas(image, current, count - current, rf, start);
      if (placement.error != kNone) {
        set_error(res, placement.error, placement.message);
        continue;
      }
      res.id = t->id;
      res.num_partitions = count;
      res.replication_factor = rf;
      if (!validate_only) add_partition_records(records, t->id, current, placement.replicas);
    }
    return records;
  };
  submit_topic_write(std::move(results), std::move(build), std::move(done));
}

void Controller::alter_configs(std::vector<ConfigAlteration> alterations, bool validate_only,
                               std::function<void(std::vector<ConfigResult>)> done) {
  auto results = std::make_shared<std::vector<ConfigResult>>(alterations.size());
  for (size_t i = 0; i < alterations.size(); ++i) {
    (*results)[i].resource_type = alterations[i].resource_type;
    (*results)[i].resource_name = alterations[i].resource_name;
  }
  MetadataWrite w;
  w.build = [results, validate_only,
             alterations = std::move(alterations)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    for (size_t i = 0; i < alterations.size(); ++i) {
      const ConfigAlteration& a = alterations[i];
      ConfigResult& res = (*results)[i];
      res.error_code = kNone;  // a retried build starts from scratch
      res.error_message.clear();
      const std::map<std::string, std::string>* current = nullptr;
      if (a.resource_type == kResourceTopic) {
        const TopicState* t = image.topic(a.resource_name);
        if (t == nullptr) {
          res.error_code = kUnknownTopicOrPartition;
          res.error_message = fmt::format("The topic '{}' does not exist.", a.resource_name);
          continue;
        }
        current = &t->configs;
      } else if (a.resource_type == kResourceBroker) {
        auto it = image.resource_configs().find({a.resource_type, a.resource_name});
        if (it != image.resource_configs().end()) current = &it->second;
      } else {
        res.error_code = kInvalidRequest;
        res.error_message = fmt::format("Unsupported resource type {}", a.resource_type);
        continue;
      }
      bool too_big = a.resource_name.size() > kMaxConfigKeyBytes;
      for (const auto& [k, v] : a.changes) {
        if (k.size() > kMaxConfigKeyBytes || (v && v->size() > kMaxConfigValueBytes)) {
          too_big = true;
        }
      }
      if (too_big) {
        res.error_code = kInvalidConfig;
        res.error_message = "Config key or value too long";
        continue;
      }
      if (validate_only) continue;
      for (const auto& [k, v] : a.changes) {
        const std::string* had = nullptr;
        if (current) {
          auto it = current->find(k);
          if (it != current->end()) had = &it->second;
        }
        if (!v && !had) continue;  // deleting what is not there writes nothing
        if (v && had && *had == *v) continue;
        records.push_back(ConfigRecord{a.resource_type, a.resource_name, k, v});
      }
      if (a.replace_all && current) {
        for (const auto& [k, v] : *current) {
          if (!a.changes.count(k)) {
            records.push_back(ConfigRecord{a.resource_type, a.resource_name, k, std::nullopt});
          }
        }
      }
    }
    return records;
  };
  w.done = [results, done = std::move(done)](int16_t error) {
    if (error != kNone) {
      for (auto& r : *results) {
        if (r.error_code == kNone) {
          r.error_code = error;
          r.error_message = message_for(error);
        }
      }
    }
    if (done) done(std::move(*results));
  };
  quorum_->submit(std::move(w));
}

void Controller::create_acls(std::vector<AclEntry> acls,
                             std::function<void(std::vector<int16_t>)> done) {
  const size_t n = acls.size();
  MetadataWrite w;
  w.build = [acls = std::move(acls)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    std::vector<AclEntry> added;
    for (const AclEntry& a : acls) {
      bool exists = false;
      for (const auto& [id, e] : image.acls()) exists = exists || e.same_binding(a);
      for (const auto& e : added) exists = exists || e.same_binding(a);
      if (exists) continue;
      AclEntry entry = a;
      do {
        entry.id = random_uuid();
      } while (image.acls().count(entry.id) != 0);
      added.push_back(entry);
      records.push_back(AccessControlEntryRecord{std::move(entry)});
    }
    return records;
  };
  w.done = [n, done = std::move(done)](int16_t error) {
    if (done) done(std::vector<int16_t>(n, error));
  };
  quorum_->submit(std::move(w));
}

void Controller::remove_acls(std::vector<Uuid> ids, std::function<void(int16_t error)> done) {
  MetadataWrite w;
  w.build = [ids = std::move(ids)](const MetadataImage& image) {
    std::vector<MetadataRecord> records;
    std::set<Uuid> seen;
    for (const Uuid& id : ids) {
      if (image.acls().count(id) != 0 && seen.insert(id).second) {
        records.push_back(RemoveAccessControlEntryRecord{id});
      }
    }
    return records;
  };
  w.done = std::move(done);
  quorum_->submit(std::move(w));
}

void Controller::register_broker(BrokerRegistration broker,
                                 std::function<void(int16_t error)> done) {
  if (broker.id < 0 || broker.host.empty() || broker.host.size() > 255 || broker.port <= 0 ||
      broker.port > 65535 || (broker.rack && broker.rack->size() > 255)) {
    if (done) done(kInvalidRequest);
    return;
  }
  MetadataWrite w;
  w.build = [broker = std::move(broker)](const MetadataImage& image) {
    const BrokerRegistration* existing = image.broker(broker.id);
    if (existing != nullptr && *existing == broker) return std::vector<MetadataRecord>{};
    return std::vector<MetadataRecord>{RegisterBrokerRecord{broker}};
  };
  w.done = std::move(done);
  quorum_->submit(std::move(w));
}

void Controller::allocate_producer_ids(int32_t count,
                                       std::function<void(int64_t first, int16_t error)> done) {
  if (count <= 0 || count > kMaxProducerIdBlock) {
    if (done) done(-1, kInvalidRequest);
    return;
  }
  auto first = std::make_shared<int64_t>(-1);
  auto failed = std::make_shared<bool>(false);
  MetadataWrite w;
  w.build = [this, count, first, failed](const MetadataImage& image) {
    const int64_t next = image.next_producer_id();
    if (next > INT64_MAX - count) {
      *failed = true;  // id space exhausted: nothing to append
      return std::vector<MetadataRecord>{};
    }
    *first = next;
    return std::vector<MetadataRecord>{ProducerIdsRecord{quorum_->node_id(), next, count}};
  };
  w.done = [first, failed, done = std::move(done)](int16_t error) {
    if (error == kNone && *failed) error = kUnknownServerError;
    if (done) done(error == kNone ? *first : -1, error);
  };
  quorum_->submit(std::move(w));
}

void Controller::alter_scram_credentials(std::vector<ScramDeletion> deletions,
                                         std::vector<ScramUpsertion> upsertions,
                                         std::function<void(std::vector<ScramAlterResult>)> done) {
  auto results = std::make_shared<std::vector<ScramAlterResult>>();
  MetadataWrite w;
  w.build = [results, deletions = std::move(deletions),
             upsertions = std::move(upsertions)](const MetadataImage& image) {
    return build_scram_alteration(image, deletions, upsertions, *results);
  };
  w.done = [results, done = std::move(done)](int16_t error) {
    if (error != kNone) {
      for (auto& r : *results) {
        if (r.error_code == kNone) {
          r.error_code = error;
          r.error_message = message_for(error);
        }
      }
    }
    if (done) done(std::move(*results));
  };
  quorum_->submit(std::move(w));
}

std::unique_ptr<Controller> start_controller(const QuorumOptions& quorum,
                                             const ControllerOptions& controller) {
  auto q = std::make_unique<MetadataQuorum>(quorum);
  q->start();
  return std::make_unique<Controller>(std::move(q), controller);
}

}  // namespace samsa::cluster
