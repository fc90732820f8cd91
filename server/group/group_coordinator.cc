#include "server/group/group_coordinator.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "protocol/error_codes.h"
#include "protocol/records/batch_conversion.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_builder.h"
#include "storage/batch_filter.h"

namespace samsa::server::group {
namespace {

using protocol::ErrorCode;
constexpr int16_t code(ErrorCode e) {
  return static_cast<int16_t>(e);
}
constexpr auto kTickInterval = std::chrono::milliseconds(100);
constexpr int32_t kLoadReadBytes = 1 << 20;

}  // namespace

int32_t java_string_hash(std::string_view s) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < s.size();) {
    // Decode UTF-8 to code points, then hash UTF-16 units; malformed bytes count as themselves.
    const auto c = static_cast<uint8_t>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<uint8_t>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(s[i + 3]) & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu);
      len = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
    i += len;
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for_group(std::string_view group_id, int32_t partitions) {
  return (java_string_hash(group_id) & 0x7fffffff) % partitions;
}

class GroupCoordinator::SystemClock : public Clock {
 public:
  int64_t steady_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t wall_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

GroupCoordinator::GroupCoordinator(TopicService& topics, PartitionManager& partitions,
                                   const config::BrokerConfig& config, int32_t node_id,
                                   const Clock* clock)
    : topics_(topics),
      partitions_(partitions),
      config_(config),
      node_id_(node_id),
      owned_clock_(clock != nullptr ? nullptr : std::make_unique<SystemClock>()),
      clock_(clock != nullptr ? *clock : *owned_clock_),
      retention_ms_(config.get_long("offsets.retention.minutes") * 60 * 1000),
      retention_check_ms_(config.get_long("offsets.retention.check.interval.ms")),
      tick_timer_(io_) {
  limits_.min_session_timeout_ms = config.get_int("group.min.session.timeout.ms");
  limits_.max_session_timeout_ms = config.get_int("group.max.session.timeout.ms");
  limits_.initial_rebalance_delay_ms = config.get_int("group.initial.rebalance.delay.ms");
  limits_.max_size = config.get_int("group.max.size");
}

GroupCoordinator::~GroupCoordinator() {
  stop();
}

void GroupCoordinator::start() {
  work_.emplace(io_.get_executor());
  running_ = true;
  asio::post(io_, [this] {
    sync_loaded_partitions();
    schedule_tick();
  });
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      spdlog::error("event=group_coordinator_failed error=\"{}\"", e.what());
    }
  });
}

void GroupCoordinator::stop() {
  if (!running_.exchange(false)) return;
  asio::post(io_, [this] {
    tick_timer_.cancel();
    for (auto& [id, g] : groups_) g->fail_all(code(ErrorCode::kNotCoordinator));
    work_.reset();
  });
  if (thread_.joinable()) thread_.join();
}

void GroupCoordinator::run(std::function<void()> work, std::function<void()> fail) {
  if (!running_) return fail();
  asio::post(io_, [this, work = std::move(work), fail = std::move(fail)]() mutable {
    if (!running_) return fail();
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::error("event=group_operation_failed error=\"{}\"", e.what());
      fail();
    }
  });
}

void GroupCoordinator::schedule_tick() {
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([this](std::error_code ec) {
    if (ec || !running_) return;
    tick();
    schedule_tick();
  });
}

void GroupCoordinator::tick() {
  try {
    sync_loaded_partitions();
    for (auto& [id, g] : groups_) g->tick();
    if (clock_.steady_ms() >= next_expiry_check_) {
      next_expiry_check_ = clock_.steady_ms() + retention_check_ms_;
      expire_offsets();
    }
  } catch (const std::exception& e) {
    spdlog::error("event=group_tick_failed error=\"{}\"", e.what());
  }
}

int32_t GroupCoordinator::num_partitions() const {
  auto image = topics_.image();
  const auto* topic = image->topic(kOffsetsTopic);
  // The topic's real partition count wins over the config: it is what the data was placed by.
  if (topic != nullptr && !topic->partitions.empty()) {
    return static_cast<int32_t>(topic->partitions.size());
  }
  return config_.get_int("offsets.topic.num.partitions");
}

CoordinatorLocation GroupCoordinator::locate(const std::string& group_id,
                                             std::string_view listener) {
  CoordinatorLocation out;
  auto image = topics_.image();
  const auto* topic = image->topic(kOffsetsTopic);
  if (topic == nullptr) {
    out.error = code(ErrorCode::kCoordinatorNotAvailable);
    if (!creating_topic_.exchange(true)) {
      cluster::CreateTopicRequest request;
      request.name = kOffsetsTopic;
      request.num_partitions = config_.get_int("offsets.topic.num.partitions");
      request.replication_factor =
          static_cast<int16_t>(config_.get_int("offsets.topic.replication.factor"));
      request.configs = {
          {"cleanup.policy", "compact"},
          {"compression.type", "producer"},
          {"segment.bytes", std::to_string(config_.get_int("offsets.topic.segment.bytes"))}};
      topics_.create_topics({std::move(request)}, false, [this](TopicResults results) {
        for (const auto& r : results) {
          if (r.error_code != 0) {
            spdlog::warn("event=offsets_topic_create_failed error={} message=\"{}\"", r.error_code,
                         r.error_message);
          } else {
            spdlog::info("event=offsets_topic_created partitions={}", r.num_partitions);
          }
        }
        creating_topic_ = false;
      });
    }
    return out;
  }
  const int32_t p = partition_for_group(group_id, static_cast<int32_t>(topic->partitions.size()));
  const int32_t leader = topic->partitions[p].leader;
  const auto* broker = leader >= 0 ? image->broker(leader) : nullptr;
  const auto address = broker != nullptr ? broker->address_for(listener) : std::nullopt;
  if (broker == nullptr || broker->fenced || !address) {
    out.error = code(ErrorCode::kCoordinatorNotAvailable);
    return out;
  }
  if (leader == node_id_ && !is_loaded(p)) {
    asio::post(io_, [this] { sync_loaded_partitions(); });
    out.error = code(ErrorCode::kCoordinatorNotAvailable);
    return out;
  }
  out.node_id = broker->id;
  out.host = address->first;
  out.port = address->second;
  return out;
}

int16_t GroupCoordinator::check_coordinator(const std::string& group_id) {
  auto image = topics_.image();
  const auto* topic = image->topic(kOffsetsTopic);
  if (topic == nullptr || topic->partitions.empty()) return code(ErrorCode::kNotCoordinator);
  const int32_t p = partition_for_group(group_id, static_cast<int32_t>(topic->partitions.size()));
  if (topic->partitions[p].leader != node_id_) return code(ErrorCode::kNotCoordinator);
  if (!loaded_.count(p)) {
    asio::post(io_, [this] { sync_loaded_partitions(); });
    return code(ErrorCode::kCoordinatorLoadInProgress);
  }
  return 0;
}

Group* GroupCoordinator::find_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::get_or_create_group(const std::string& group_id) {
  auto& slot = groups_[group_id];
  if (!slot) {
    slot = std::make_unique<Group>(group_id, limits_, clock_);
    slot->set_persist_hook([this](const Group& g) { return persist_group(g); });
  }
  return *slot;
}

void GroupCoordinator::sync_loaded_partitions() {
  auto image = topics_.image();
  const auto* topic = image->topic(kOffsetsTopic);
  std::set<int32_t> led;
  if (topic != nullptr) {
    for (const auto& p : topic->partitions) {
      if (p.leader == node_id_) led.insert(p.partition);
    }
  }
  for (int32_t p : std::set<int32_t>(loaded_)) {
    if (!led.count(p)) unload_partition(p);
  }
  for (int32_t p : led) {
    if (!loaded_.count(p)) load_partition(p);
  }
}

void GroupCoordinator::load_partition(int32_t partition) {
  auto image = topics_.image();
  auto part = partitions_.get_or_sync(*image, kOffsetsTopic, partition);
  if (part == nullptr || !part->is_leader()) return;  // the log is not there yet; next tick
  const auto& log = part->log();
  const int64_t end = log.log_end_offset();
  std::map<std::string, std::optional<GroupValue>> group_values;
  std::map<std::string, std::map<TopicPartitionKey, std::optional<OffsetValue>>> offsets;
  int64_t records = 0;
  for (int64_t offset = log.log_start_offset(); offset < end;) {
    auto slice = log.read(offset, kLoadReadBytes, end, true);
    if (slice.data.empty()) break;
    std::span<const uint8_t> rest(slice.data);
    while (rest.size() >= records::kBatchHeaderSize) {
      auto header = records::parse_header(rest);
      if (!header || header->total_size() > static_cast<int64_t>(rest.size())) break;
      auto batch = rest.subspan(0, static_cast<size_t>(header->total_size()));
      rest = rest.subspan(batch.size());
      offset = header->last_offset() + 1;
      if (header->is_control()) continue;
      // The log cleaner leaves gaps in offset deltas, which parse_records refuses.
      std::vector<storage::FilterRecord> parsed;
      std::vector<uint8_t> scratch;
      if (auto err = storage::load_batch_records(batch, *header, kLoadReadBytes * 64ULL, &scratch,
                                                 &parsed);
          !err.empty()) {
        spdlog::warn("event=offsets_batch_skipped partition={} offset={} error=\"{}\"", partition,
                     header->base_offset, err);
        continue;
      }
      for (const auto& r : parsed) {
        if (!r.key) continue;
        try {
          auto key =
              decode_key(std::span(reinterpret_cast<const uint8_t*>(r.key->data()), r.key->size()));
          if (!key) continue;
          auto value_span = r.value ? std::span(reinterpret_cast<const uint8_t*>(r.value->data()),
                                                r.value->size())
                                    : std::span<const uint8_t>();
          if (auto* ok = std::get_if<OffsetKey>(&*key)) {
            auto& slot = offsets[ok->group][{ok->topic, ok->partition}];
            if (r.value) {
              slot = decode_offset_value(value_span);
            } else {
              slot.reset();
            }
          } else {
            const auto& gk = std::get<GroupKey>(*key);
            if (r.value) {
              group_values[gk.group] = decode_group_value(value_span);
            } else {
              group_values[gk.group].reset();
            }
          }
          ++records;
        } catch (const protocol::DecodeError& e) {
          spdlog::warn("event=offsets_record_skipped partition={} error=\"{}\"", partition,
                       e.what());
        }
      }
    }
  }
  for (const auto& [id, value] : group_values) {
    if (!value) continue;
    get_or_create_group(id).restore(*value);
  }
  for (const auto& [id, tps] : offsets) {
    Group* g = nullptr;
    for (const auto& [tp, value] : tps) {
      if (!value) continue;
      if (g == nullptr) g = &get_or_create_group(id);
      g->put_offset(tp, CommittedOffset{value->offset, value->leader_epoch, value->metadata,
                                        value->commit_timestamp});
    }
  }
  loaded_.insert(partition);
  publish_loaded();
  spdlog::info("event=offsets_partition_loaded partition={} records={}", partition, records);
}

void GroupCoordinator::unload_partition(int32_t partition) {
  const int32_t n = num_partitions();
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (partition_for_group(it->first, n) == partition) {
      it->second->fail_all(code(ErrorCode::kNotCoordinator));
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
  loaded_.erase(partition);
  publish_loaded();
}

void GroupCoordinator::publish_loaded() {
  std::lock_guard lock(loaded_view_mutex_);
  loaded_view_ = loaded_;
}

bool GroupCoordinator::is_loaded(int32_t partition) const {
  std::lock_guard lock(loaded_view_mutex_);
  return loaded_view_.count(partition) > 0;
}

int16_t GroupCoordinator::append(
    const std::string& group_id,
    std::vector<std::pair<std::string, std::optional<std::string>>> records) {
  auto image = topics_.image();
  const int32_t p = partition_for_group(group_id, num_partitions());
  auto part = partitions_.get_or_sync(*image, kOffsetsTopic, p);
  if (part == nullptr || !part->is_leader()) return code(ErrorCode::kNotCoordinator);
  std::vector<records::Record> batch_records;
  for (auto& [key, value] : records) {
    records::Record r;
    r.key = std::move(key);
    r.value = std::move(value);
    batch_records.push_back(std::move(r));
  }
  try {
    auto batch = records::build_batch(batch_records, clock_.wall_ms());
    // offsets.topic.compression.codec (Kafka's CompressionType id; 0 = none).
    const auto codec =
        static_cast<records::Compression>(config_.get_int("offsets.topic.compression.codec"));
    if (codec != records::Compression::kNone) {
      records::ValidateOptions vo;
      vo.max_message_bytes = INT32_MAX;
      vo.now_ms = clock_.wall_ms();
      auto converted = records::convert_batch(batch, codec, records::kDefaultLevel, vo);
      if (!converted.ok()) throw std::runtime_error("compressing: " + converted.message);
      batch = std::move(converted.batch);
    }
    part->log().append(batch, part->leader_epoch());
    part->advance_high_watermark();
  } catch (const std::exception& e) {
    spdlog::error("event=offsets_append_failed partition={} error=\"{}\"", p, e.what());
    return code(ErrorCode::kUnknownServerError);
  }
  partitions_.notify_data_arrived(storage::TopicPartition{kOffsetsTopic, p});
  return 0;
}

int16_t GroupCoordinator::persist_group(const Group& group) {
  return append(group.id(),
                {{encode_group_key({group.id()}), encode_group_value(group.to_value())}});
}

int16_t GroupCoordinator::delete_group(Group& group) {
  std::vector<std::pair<std::string, std::optional<std::string>>> tombstones;
  for (const auto& [tp, o] : group.offsets()) {
    tombstones.emplace_back(encode_offset_key({group.id(), tp.first, tp.second}), std::nullopt);
  }
  tombstones.emplace_back(encode_group_key({group.id()}), std::nullopt);
  if (int16_t error = append(group.id(), std::move(tombstones)); error != 0) {
    spdlog::warn("event=group_delete_failed group={} error={}", group.id(), error);
    return error;
  }
  group.mark_dead();
  groups_.erase(group.id());
  return 0;
}

void GroupCoordinator::expire_offsets() {
  std::vector<std::string> dead;
  for (auto& [id, g] : groups_) {
    auto expired = g->expired_offsets(retention_ms_);
    if (!expired.empty()) {
      std::vector<std::pair<std::string, std::optional<std::string>>> tombstones;
      for (const auto& tp : expired) {
        tombstones.emplace_back(encode_offset_key({id, tp.first, tp.second}), std::nullopt);
      }
      if (append(id, std::move(tombstones)) != 0) continue;
      for (const auto& tp : expired) g->remove_offset(tp);
      spdlog::info("event=offsets_expired group={} partitions={}", id, expired.size());
    }
    if (g->state() == GroupState::kEmpty && g->offsets().empty()) dead.push_back(id);
  }
  for (const auto& id : dead) delete_group(*groups_.at(id));
}

void GroupCoordinator::join_group(std::string group_id, JoinParams params,
                                  std::function<void(JoinResult)> done) {
  auto fail = [done, member = params.member_id] {
    JoinResult r;
    r.error = code(ErrorCode::kNotCoordinator);
    r.member_id = member;
    done(std::move(r));
  };
  run(
      [this, group_id = std::move(group_id), params = std::move(params), done]() mutable {
        JoinResult r;
        r.member_id = params.member_id;
        if (group_id.empty()) {
          r.error = code(ErrorCode::kInvalidGroupId);
          return done(std::move(r));
        }
        if ((r.error = check_coordinator(group_id)) != 0) return done(std::move(r));
        Group* g = find_group(group_id);
        if (g == nullptr) {
          if (!params.member_id.empty()) {
            r.error = code(ErrorCode::kUnknownMemberId);
            return done(std::move(r));
          }
          g = &get_or_create_group(group_id);
        }
        g->join(params, std::move(done));
      },
      fail);
}

void GroupCoordinator::sync_group(std::string group_id, SyncParams params,
                                  std::function<void(SyncResult)> done) {
  auto fail = [done] {
    SyncResult r;
    r.error = code(ErrorCode::kNotCoordinator);
    done(std::move(r));
  };
  run(
      [this, group_id = std::move(group_id), params = std::move(params), done]() mutable {
        SyncResult r;
        if ((r.error = check_coordinator(group_id)) != 0) return done(std::move(r));
        Group* g = find_group(group_id);
        if (g == nullptr) {
          r.error = code(ErrorCode::kUnknownMemberId);
          return done(std::move(r));
        }
        g->sync(params, std::move(done));
      },
      fail);
}

void GroupCoordinator::heartbeat(std::string group_id, std::string member_id,
                                 std::optional<std::string> instance_id, int32_t generation,
                                 std::function<void(int16_t)> done) {
  run(
      [=, this] {
        if (int16_t error = check_coordinator(group_id); error != 0) return done(error);
        Group* g = find_group(group_id);
        done(g == nullptr ? code(ErrorCode::kUnknownMemberId)
                          : g->heartbeat(member_id, instance_id, generation));
      },
      [done] { done(code(ErrorCode::kNotCoordinator)); });
}

void GroupCoordinator::leave_group(
    std::string group_id, std::vector<std::pair<std::string, std::optional<std::string>>> members,
    std::function<void(LeaveResult)> done) {
  run(
      [=, this] {
        LeaveResult r;
        if ((r.error = check_coordinator(group_id)) != 0) return done(std::move(r));
        Group* g = find_group(group_id);
        for (const auto& [member_id, instance_id] : members) {
          r.member_errors.push_back(g == nullptr ? code(ErrorCode::kUnknownMemberId)
                                                 : g->leave(member_id, instance_id));
        }
        done(std::move(r));
      },
      [done] {
        LeaveResult r;
        r.error = code(ErrorCode::kNotCoordinator);
        done(std::move(r));
      });
}

void GroupCoordinator::commit_offsets(CommitParams params,
                                      std::function<void(std::vector<int16_t>)> done) {
  const size_t n = params.entries.size();
  run(
      [this, params = std::move(params), done]() mutable {
        auto all = [&](int16_t error) { done(std::vector<int16_t>(params.entries.size(), error)); };
        if (params.group_id.empty()) return all(code(ErrorCode::kInvalidGroupId));
        if (int16_t error = check_coordinator(params.group_id); error != 0) return all(error);
        Group* g = find_group(params.group_id);
        if (g == nullptr) {
          if (params.generation >= 0) return all(code(ErrorCode::kIllegalGeneration));
          g = &get_or_create_group(params.group_id);
        }
        if (int16_t error = g->validate_offset_commit(params.member_id, params.group_instance_id,
                                                      params.generation);
            error != 0) {
          return all(error);
        }
        std::vector<std::pair<std::string, std::optional<std::string>>> records;
        const int64_t now = clock_.wall_ms();
        for (auto& e : params.entries) {
          if (e.offset.commit_timestamp < 0) e.offset.commit_timestamp = now;
          OffsetValue v{e.offset.offset, e.offset.leader_epoch, e.offset.metadata,
                        e.offset.commit_timestamp, -1};
          records.emplace_back(encode_offset_key({params.group_id, e.topic, e.partition}),
                               encode_offset_value(v));
        }
        if (int16_t error = append(params.group_id, std::move(records)); error != 0) {
          return all(error);
        }
        for (auto& e : params.entries) g->put_offset({e.topic, e.partition}, e.offset);
        all(0);
      },
      [done, n] { done(std::vector<int16_t>(n, code(ErrorCode::kNotCoordinator))); });
}

void GroupCoordinator::fetch_offsets(std::string group_id,
                                     std::optional<std::vector<TopicPartitionKey>> partitions,
                                     std::function<void(FetchedOffsets)> done) {
  run(
      [=, this] {
        FetchedOffsets r;
        if ((r.error = check_coordinator(group_id)) != 0) return done(std::move(r));
        const Group* g = find_group(group_id);
        if (g == nullptr) return done(std::move(r));
        if (!partitions) {
          r.offsets = g->offsets();
        } else {
          for (const auto& tp : *partitions) {
            auto it = g->offsets().find(tp);
            if (it != g->offsets().end()) r.offsets.insert(*it);
          }
        }
        done(std::move(r));
      },
      [done] {
        FetchedOffsets r;
        r.error = code(ErrorCode::kNotCoordinator);
        done(std::move(r));
      });
}

}  // namespace samsa::server::group
