#pragma once
// Process and host-facing families read at scrape time:
// - the standard process_* series (cpu, memory, file descriptors, start time) from /proc/self, so
//   the usual "CPU" and "Open File Descriptors" panels work;
// - kafka_server_kafkaserver_linux_disk_{read,write}_bytes from /proc/self/io (Strimzi's disk
//   panels);
// - per log dir: samsa_storage_disk_{free,total}_bytes{log_dir} and
//   kafka_log_logmanager_offlinelogdirectorycount and samsa_storage_log_dir_offline{log_dir} (a
//   dir is offline once a write or fsync in it failed, see storage::LogDirHealth, or if it cannot
//   be stat'ed);
// - samsa_build_info{version,node_id,cluster_id} = 1 and samsa_uptime_seconds.
#include <prometheus/collectable.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace samsa::metrics {

struct ProcessStat {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // since the epoch
};

// Parses /proc/<pid>/stat text (exposed for tests); nullopt if malformed. `ticks` is
// sysconf(_SC_CLK_TCK), `page` the page size, `boot_time` /proc/stat's btime.
std::optional<ProcessStat> parse_proc_stat(const std::string& text, double ticks, double page,
                                           double boot_time);

class ProcessMetrics : public prometheus::Collectable {
 public:
  ProcessMetrics(std::string version, int32_t node_id, std::vector<std::filesystem::path> log_dirs);

  // Known only once the log dirs have been read.
  void set_cluster_id(std::string cluster_id);
  // The dirs the log manager has taken offline (called at scrape time; set once it exists).
  void set_offline_dirs_source(std::function<std::vector<std::filesystem::path>()> source);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string version_;
  int32_t node_id_;
  std::vector<std::filesystem::path> log_dirs_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::string cluster_id_;
  std::function<std::vector<std::filesystem::path>()> offline_dirs_;
};

}  // namespace samsa::metrics
