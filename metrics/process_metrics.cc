#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "metrics/families.h"

namespace samsa::metrics {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// "read_bytes: N" / "write_bytes: N" from /proc/self/io (absent without task I/O accounting).
std::optional<double> io_field(const std::string& io, const std::string& key) {
  auto pos = io.find("\n" + key + ": ");
  if (pos == std::string::npos) pos = io.rfind(key + ": ", 0) == 0 ? 0 : std::string::npos;
  if (pos == std::string::npos) return std::nullopt;
  pos = io.find(':', pos) + 1;
  return std::strtod(io.c_str() + pos, nullptr);
}

double open_fds() {
  double n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

std::optional<ProcessStat> parse_proc_stat(const std::string& text, double ticks, double page,
                                           double boot) {
  // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos || ticks <= 0) return std::nullopt;
  std::istringstream in(text.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  std::string f;
  while (in >> f) fields.push_back(f);
  if (fields.size() < 22) return std::nullopt;
  auto num = [&](size_t field) { return std::strtod(fields[field - 3].c_str(), nullptr); };
  ProcessStat s;
  s.cpu_seconds = (num(14) + num(15)) / ticks;  // utime + stime
  s.start_time_seconds = boot + num(22) / ticks;
  s.virtual_bytes = num(23);
  s.resident_bytes = num(24) * page;
  return s;
}

ProcessMetrics::ProcessMetrics(std::string version, int32_t node_id,
                               std::vector<std::filesystem::path> log_dirs)
    : version_(std::move(version)),
      node_id_(node_id),
      log_dirs_(std::move(log_dirs)),
      started_(std::chrono::steady_clock::now()) {}

void ProcessMetrics::set_cluster_id(std::string cluster_id) {
  std::lock_guard lock(mutex_);
  cluster_id_ = std::move(cluster_id);
}

void ProcessMetrics::set_offline_dirs_source(
    std::function<std::vector<std::filesystem::path>()> source) {
  std::lock_guard lock(mutex_);
  offline_dirs_ = std::move(source);
}

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  static const double kBoot = boot_time();
  if (auto s =
          parse_proc_stat(read_file("/proc/self/stat"), static_cast<double>(sysconf(_SC_CLK_TCK)),
                          static_cast<double>(sysconf(_SC_PAGESIZE)), kBoot)) {
    add_counter(add_family(out, "process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds", MetricType::Counter),
                {}, s->cpu_seconds);
    add_single_gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes",
                     s->resident_bytes);
    add_single_gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes",
                     s->virtual_bytes);
    add_single_gauge(out, "process_start_time_seconds",
                     "Start time of the process since unix epoch in seconds",
                     s->start_time_seconds);
  }
  add_single_gauge(out, "process_open_fds", "Number of open file descriptors", open_fds());
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    add_single_gauge(out, "process_max_fds", "Maximum number of open file descriptors",
                     limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(limit.rlim_cur));
  }
  const std::string io = read_file("/proc/self/io");
  if (auto v = io_field(io, "read_bytes")) {
    add_single_gauge(out, "kafka_server_kafkaserver_linux_disk_read_bytes",
                     "Bytes the broker process has read from storage", *v);
  }
  if (auto v = io_field(io, "write_bytes")) {
    add_single_gauge(out, "kafka_server_kafkaserver_linux_disk_write_bytes",
                     "Bytes the broker process has written to storage", *v);
  }

  auto free_bytes =
      make_family("samsa_storage_disk_free_bytes",
                  "Bytes available to the broker on the log dir's file system", MetricType::Gauge);
  auto total_bytes = make_family("samsa_storage_disk_total_bytes",
                                 "Size of the log dir's file system in bytes", MetricType::Gauge);
  std::vector<std::filesystem::path> failed;
  {
    std::lock_guard lock(mutex_);
    if (offline_dirs_) failed = offline_dirs_();
  }
  auto dir_offline = make_family("samsa_storage_log_dir_offline",
                                 "1 while the log dir is offline (a write or fsync in it failed, "
                                 "or it cannot be stat'ed); cleared only by a restart",
                                 MetricType::Gauge);
  int offline = 0;
  for (const auto& dir : log_dirs_) {
    struct statvfs st {};
    std::error_code ec;
    Labels labels{{"log_dir", dir.string()}};
    const bool io_failed = std::find(failed.begin(), failed.end(), dir) != failed.end();
    if (!std::filesystem::is_directory(dir, ec) || statvfs(dir.c_str(), &st) != 0) {
      ++offline;
      add_gauge(dir_offline, labels, 1);
      continue;
    }
    offline += io_failed ? 1 : 0;
    add_gauge(dir_offline, labels, io_failed ? 1 : 0);
    add_gauge(free_bytes, labels, static_cast<double>(st.f_bavail) * st.f_frsize);
    add_gauge(total_bytes, labels, static_cast<double>(st.f_blocks) * st.f_frsize);
  }
  out.push_back(std::move(free_bytes));
  out.push_back(std::move(total_bytes));
  out.push_back(std::move(dir_offline));
  add_single_gauge(out, "kafka_log_logmanager_offlinelogdirectorycount",
                   "Log directories that cannot be used", offline);

  std::string cluster_id;
  {
    std::lock_guard lock(mutex_);
    cluster_id = cluster_id_;
  }
  add_gauge(
      add_family(out, "samsa_build_info", "Samsa version and identity; always 1",
                 MetricType::Gauge),
      {{"cluster_id", cluster_id}, {"node_id", std::to_string(node_id_)}, {"version", version_}},
      1);
  add_single_gauge(
      out, "samsa_uptime_seconds", "Seconds since the broker started",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  return out;
}

}  // namespace samsa::metrics
