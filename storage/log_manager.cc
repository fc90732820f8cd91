#include "storage/log_manager.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>

#include <algorithm>
#include <sstream>

namespace samsa::storage {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMetaProperties = "meta.properties";
constexpr const char* kCleanShutdown = ".kafka_cleanshutdown";
constexpr const char* kRecoveryCheckpoint = "recovery-point-offset-checkpoint";
constexpr const char* kLogStartCheckpoint = "log-start-offset-checkpoint";
constexpr const char* kReplicationCheckpoint = "replication-offset-checkpoint";
constexpr const char* kPartitionMetadata = "partition.metadata";

std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::optional<Uuid16> read_topic_id(const fs::path& partition_dir) {
  auto text = read_small_file(partition_dir / kPartitionMetadata, 4096);
  if (!text) return std::nullopt;
  auto pos = text->find("topic_id: ");
  if (pos == std::string::npos) return std::nullopt;
  std::string b64 = text->substr(pos + 10, 22);
  return uuid_from_base64(b64);
}

void write_topic_id(const fs::path& partition_dir, const Uuid16& id) {
  write_file_atomic(partition_dir / kPartitionMetadata,
                    "version: 0\ntopic_id: " + uuid_to_base64(id) + "\n");
}

// nullopt (after a warning naming the file and what follows) for a damaged checkpoint: each caller
// decides what is safe without it. It is never read as offsets of 0.
std::optional<std::map<TopicPartition, int64_t>> read_checkpoint(const fs::path& p,
                                                                 const char* consequence) {
  try {
    return read_offset_checkpoint(p);
  } catch (const StorageIoError&) {
    throw;  // the disk, not the file: the dir goes offline
  } catch (const StorageError& e) {
    spdlog::warn("event=checkpoint_unreadable error=\"{}\": {}", e.what(), consequence);
    return std::nullopt;
  }
}

}  // namespace

LogManager::LogManager(std::vector<fs::path> log_dirs, std::string cluster_id, int32_t node_id,
                       LogConfig defaults, int flush_threads, LoadProgress progress)
    : dirs_(std::move(log_dirs)), defaults_(defaults), progress_(std::move(progress)) {
  if (dirs_.empty()) throw StorageError("no log dirs configured");
  locks_.resize(dirs_.size());
  for (const auto& d : dirs_) health_.push_back(std::make_shared<LogDirHealth>(d));
  if (flush_threads > 0) flusher_ = std::make_shared<FlushPool>(flush_threads);
  try {
    for (size_t i = 0; i < dirs_.size(); ++i) init_dir(i, cluster_id, node_id);
    size_t offline = 0;
    for (size_t i = 0; i < dirs_.size(); ++i) {
      try {
        load_dir(i);
      } catch (const StorageIoError& e) {
        // As Kafka: a dir that cannot be read goes offline; the others serve.
        health_[i]->mark_offline(std::string("loading the log dir: ") + e.what());
      } catch (const LogDirOfflineError&) {
      }
      if (health_[i]->offline()) ++offline;
    }
    if (offline == dirs_.size())
      throw StorageError("every log dir is offline: " + health_.front()->error());
  } catch (...) {
    for (auto& t : deleters_) t.join();
    throw;
  }
}

LogManager::~LogManager() {
  std::lock_guard lk(delete_mu_);
  for (auto& t : deleters_)
    if (t.joinable()) t.join();
}

std::optional<std::string> LogManager::read_cluster_id(const fs::path& log_dir) {
  auto text = read_small_file(log_dir / kMetaProperties, 64 * 1024);
  if (!text) return std::nullopt;
  auto props = parse_properties(*text);
  auto it = props.find("cluster.id");
  if (it == props.end()) return std::nullopt;
  return it->second;
}

void LogManager::init_dir(size_t index, const std::string& cluster_id, int32_t node_id) {
  const fs::path& dir = dirs_[index];
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StorageError("cannot create log dir " + dir.string() + ": " + ec.message());
  locks_[index] = open_file(dir / ".lock", O_RDWR | O_CREAT);
  if (::flock(locks_[index].get(), LOCK_EX | LOCK_NB) != 0)
    throw StorageError("log dir " + dir.string() + " is in use by another process");

  fs::path meta = dir / kMetaProperties;
  auto text = read_small_file(meta, 64 * 1024);
  if (text) {
    auto props = parse_properties(*text);
    if (props.count("cluster.id") && props["cluster.id"] != cluster_id)
      throw StorageError("log dir " + dir.string() + " belongs to cluster " + props["cluster.id"] +
                         ", but this broker is configured for cluster " + cluster_id);
    if (props.count("node.id") && props["node.id"] != std::to_string(node_id))
      throw StorageError("log dir " + dir.string() + " belongs to node " + props["node.id"] +
                         ", but this broker is node " + std::to_string(node_id));
    if (props.count("cluster.id") && props.count("node.id")) return;
  }
  write_file_atomic(meta, "#\n#Written by samsa\nversion=1\ncluster.id=" + cluster_id +
                              "\nnode.id=" + std::to_string(node_id) +
                              "\ndirectory.id=" + uuid_to_base64(random_uuid()) + "\n");
}

void LogManager::load_dir(size_t index) {
  const fs::path& dir = dirs_[index];
  bool clean = fs::exists(dir / kCleanShutdown);
  auto recovery_read = read_checkpoint(dir / kRecoveryCheckpoint,
                                       "every partition in the dir is recovered from its start");
  // Without the recovery points nothing says which segments reached the disk: recover them all,
  // as after an unclean shutdown (Kafka resets the recovery point to 0).
  if (!recovery_read) clean = false;
  auto recovery = recovery_read.value_or(std::map<TopicPartition, int64_t>{});
  // Kafka's rule for a damaged log-start checkpoint: each log starts at its first segment's base
  // offset. Records that DeleteRecords had hidden in that segment become readable again; nothing
  // retention deleted comes back (its segments are gone).
  auto starts = read_checkpoint(dir / kLogStartCheckpoint,
                                "each log starts at its first segment's base offset; records "
                                "removed by DeleteRecords may be readable again")
                    .value_or(std::map<TopicPartition, int64_t>{});
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    if (name.ends_with("-delete")) {
      delete_in_background(entry.path());  // a removal interrupted by a restart
      continue;
    }
    if (name.starts_with("__cluster_metadata")) continue;  // the quorum's log, not ours
    auto tp = parse_partition_dir(name);
    if (!tp) continue;
    if (logs_.count(*tp))
      throw StorageError("partition " + name + " exists in two log dirs: " +
                         dirs_[dir_of_[*tp]].string() + " and " + dir.string());
    int64_t rp = recovery.count(*tp) ? recovery[*tp] : 0;
    int64_t ls = starts.count(*tp) ? starts[*tp] : 0;
    logs_[*tp] = Log::open(*tp, entry.path(), defaults_, clean, rp, ls,
                           LogDirContext{health_[index], flusher_});
    dir_of_[*tp] = index;
    if (progress_ && logs_.size() % 100 == 0)
      progress_("recovering log dir " + dir.string() + ": " + std::to_string(logs_.size()) +
                " partitions loaded" + (clean ? "" : " (unclean shutdown: recovering segments)"));
  }
  // From here on a crash is an unclean shutdown.
  std::error_code ec;
  fs::remove(dir / kCleanShutdown, ec);
  if (!logs_.empty())
    spdlog::info("log dir {}: loaded {} partitions ({} shutdown)", dir.string(), logs_.size(),
                 clean ? "clean" : "unclean");
}

std::shared_ptr<Log> LogManager::get_or_create(const TopicPartition& tp, const Uuid16& topic_id,
                                               const LogConfig& cfg) {
  std::lock_guard lk(mu_);
  if (shut_down_) throw StorageError("log manager is shut down");
  auto it = logs_.find(tp);
  if (it != logs_.end()) {
    auto existing = read_topic_id(it->second->dir());
    if (!existing) {
      write_topic_id(it->second->dir(), topic_id);
    } else if (*existing != topic_id) {
      throw StorageError("partition " + tp.dir_name() + " on disk has topic id " +
                         uuid_to_base64(*existing) + ", not " + uuid_to_base64(topic_id));
    }
    return it->second;
  }
  std::vector<size_t> counts(dirs_.size(), 0);
  for (const auto& [p, d] : dir_of_) ++counts[d];
  std::optional<size_t> best;
  for (size_t i = 0; i < counts.size(); ++i)
    if (!health_[i]->offline() && (!best || counts[i] < counts[*best])) best = i;
  if (!best)
    throw LogDirOfflineError("cannot create " + tp.dir_name() + ": every log dir is offline");
  fs::path pdir = dirs_[*best] / tp.dir_name();
  auto log = with_dir_io(*health_[*best], "creation of", tp.dir_name(), [&] {
    auto l = Log::open(tp, pdir, cfg, true, 0, 0, LogDirContext{health_[*best], flusher_});
    write_topic_id(pdir, topic_id);
    return l;
  });
  const size_t chosen = *best;
  logs_[tp] = log;
  dir_of_[tp] = chosen;
  return log;
}

std::shared_ptr<Log> LogManager::get(const TopicPartition& tp) const {
  std::lock_guard lk(mu_);
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second;
}

std::vector<TopicPartition> LogManager::partitions() const {
  std::lock_guard lk(mu_);
  std::vector<TopicPartition> out;
  for (const auto& [tp, log] : logs_) out.push_back(tp);
  return out;
}

void LogManager::remove(const TopicPartition& tp) {
  std::shared_ptr<Log> log;
  {
    std::lock_guard lk(mu_);
    auto it = logs_.find(tp);
    if (it == logs_.end()) return;
    log = it->second;
    logs_.erase(it);
    dir_of_.erase(tp);
  }
  log->close();
  std::string suffix = uuid_to_base64(random_uuid());
  for (char& c : suffix)
    if (c == '-') c = '_';  // keep the name parseable: only the final "-delete" has a dash
  fs::path target = log->dir().parent_path() / (tp.dir_name() + "." + suffix + "-delete");
  std::error_code ec;
  fs::rename(log->dir(), target, ec);
  if (ec) throw StorageError("cannot rename " + log->dir().string() + ": " + ec.message());
  delete_in_background(target);
}

void LogManager::delete_in_background(fs::path dir) {
  std::lock_guard lk(delete_mu_);
  deleters_.emplace_back([dir = std::move(dir)] {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) spdlog::error("cannot delete {}: {}", dir.string(), ec.message());
  });
}

void LogManager::checkpoint(const std::map<TopicPartition, int64_t>& high_watermarks) {
  std::lock_guard lk(mu_);
  std::vector<std::map<TopicPartition, int64_t>> rp(dirs_.size()), ls(dirs_.size()),
      hw(dirs_.size());
  for (const auto& [tp, log] : logs_) {
    size_t d = dir_of_[tp];
    rp[d][tp] = log->recovery_point();
    ls[d][tp] = log->log_start_offset();
    auto h = high_watermarks.find(tp);
    if (h != high_watermarks.end()) hw[d][tp] = h->second;
  }
  for (size_t d = 0; d < dirs_.size(); ++d) {
    if (health_[d]->offline()) continue;
    try {
      with_dir_io(*health_[d], "checkpoint of", dirs_[d].string(), [&] {
        write_offset_checkpoint(dirs_[d] / kRecoveryCheckpoint, rp[d]);
        write_offset_checkpoint(dirs_[d] / kLogStartCheckpoint, ls[d]);
        write_offset_checkpoint(dirs_[d] / kReplicationCheckpoint, hw[d]);
      });
    } catch (const LogDirOfflineError&) {
      // Logged by the dir's health; the other dirs are still checkpointed.
    }
  }
}

void LogManager::shutdown(const std::map<TopicPartition, int64_t>& high_watermarks) {
  {
    std::lock_guard lk(mu_);
    if (shut_down_) return;
    for (auto& [tp, log] : logs_) log->close();
  }
  checkpoint(high_watermarks);
  {
    std::lock_guard lk(mu_);
    shut_down_ = true;
  }
  for (size_t d = 0; d < dirs_.size(); ++d) {
    if (health_[d]->offline()) {
      spdlog::warn(
          "log dir {} is offline: no clean-shutdown marker, it is recovered at the next "
          "start",
          dirs_[d].string());
      continue;
    }
    try {
      with_dir_io(*health_[d], "clean-shutdown marker in", dirs_[d].string(), [&] {
        write_file_atomic(dirs_[d] / kCleanShutdown, "{\"version\":0,\"brokerEpoch\":-1}");
      });
    } catch (const LogDirOfflineError&) {
    }
  }
  std::lock_guard lk(delete_mu_);
  for (auto& t : deleters_)
    if (t.joinable()) t.join();
  deleters_.clear();
}

std::map<TopicPartition, int64_t> LogManager::read_high_watermarks() const {
  std::map<TopicPartition, int64_t> out;
  for (const auto& dir : dirs_) {
    // Without it the high watermarks restart from the log start; followers and the leader's ISR
    // bring them back up (with one replica, the first append does).
    auto m = read_checkpoint(dir / kReplicationCheckpoint,
                             "high watermarks of the dir's partitions restart from the log start");
    if (m) out.insert(m->begin(), m->end());
  }
  return out;
}

void LogManager::roll_if_due(int64_t now_ms) {
  std::vector<std::shared_ptr<Log>> logs;
  {
    std::lock_guard lk(mu_);
    for (const auto& [tp, log] : logs_) logs.push_back(log);
  }
  for (auto& log : logs) log->roll_if_due(now_ms);
}

std::vector<LogDirDescription> LogManager::describe_dirs() const {
  std::vector<LogDirDescription> out(dirs_.size());
  for (size_t d = 0; d < dirs_.size(); ++d) {
    out[d].dir = dirs_[d];
    out[d].offline_error = health_[d]->error();
    std::error_code ec;
    auto space = fs::space(dirs_[d], ec);
    if (!ec) {
      out[d].total_bytes = static_cast<int64_t>(space.capacity);
      out[d].usable_bytes = static_cast<int64_t>(space.available);
    }
  }
  std::lock_guard lk(mu_);
  for (const auto& [tp, log] : logs_)
    out[dir_of_.at(tp)].partitions.emplace_back(tp, static_cast<int64_t>(log->size_bytes()));
  return out;
}

std::vector<std::pair<fs::path, std::string>> LogManager::offline_dirs() const {
  std::vector<std::pair<fs::path, std::string>> out;
  for (size_t d = 0; d < dirs_.size(); ++d)
    if (health_[d]->offline()) out.emplace_back(dirs_[d], health_[d]->error());
  return out;
}

void LogManager::schedule_deletion(std::vector<fs::path> files, int64_t due_ms) {
  std::lock_guard lk(pending_mu_);
  for (auto& f : files) pending_deletions_.emplace_back(due_ms, std::move(f));
}

size_t LogManager::delete_due_files(int64_t now_ms) {
  std::vector<fs::path> due;
  {
    std::lock_guard lk(pending_mu_);
    auto split = std::stable_partition(pending_deletions_.begin(), pending_deletions_.end(),
                                       [&](const auto& p) { return p.first > now_ms; });
    for (auto it = split; it != pending_deletions_.end(); ++it) due.push_back(it->second);
    pending_deletions_.erase(split, pending_deletions_.end());
  }
  // Unlinked outside every lock: removing a large file can take a while.
  size_t removed = 0;
  for (const auto& f : due) {
    std::error_code ec;
    if (fs::remove(f, ec)) ++removed;
    if (ec) spdlog::warn("cannot delete {}: {}", f.string(), ec.message());
  }
  return removed;
}

}  // namespace samsa::storage
