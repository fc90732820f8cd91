#include "storage/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace samsa::storage {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void throw_errno(const std::string& what) {
  const int err = errno;
  throw StorageIoError(what + ": " + std::strerror(err), err);
}
// Checkpoint files are tiny per partition; this bounds a corrupt or hostile file.
constexpr size_t kMaxCheckpointBytes = 64 << 20;
}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Fd open_file(const fs::path& p, int flags, int mode) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) throw_errno("open " + p.string());
  return Fd(fd);
}

int64_t file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("fstat");
  return st.st_size;
}

size_t pread_full(int fd, uint8_t* buf, size_t len, int64_t pos) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, buf + done, len - done, pos + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("pread");
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

void pwrite_full(int fd, const uint8_t* buf, size_t len, int64_t pos) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pwrite(fd, buf + done, len - done, pos + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("pwrite");
    }
    done += static_cast<size_t>(n);
  }
}

void truncate_fd(int fd, int64_t size) {
  if (::ftruncate(fd, size) != 0) throw_errno("ftruncate");
}

void sync_fd(int fd) {
  if (fd >= 0 && ::fdatasync(fd) != 0) throw_errno("fdatasync");
}

Fd dup_fd(int fd) {
  if (fd < 0) return Fd();
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw_errno("dup");
  return Fd(copy);
}

std::optional<std::string> read_small_file(const fs::path& p, size_t max_bytes) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  Fd fd = open_file(p, O_RDONLY);
  int64_t size = file_size(fd.get());
  if (size < 0 || static_cast<uint64_t>(size) > max_bytes)
    throw StorageError(p.string() + " is too large (" + std::to_string(size) + " bytes)");
  std::string s(static_cast<size_t>(size), '\0');
  s.resize(pread_full(fd.get(), reinterpret_cast<uint8_t*>(s.data()), s.size(), 0));
  return s;
}

void write_file_atomic(const fs::path& p, const std::string& content) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    pwrite_full(fd.get(), reinterpret_cast<const uint8_t*>(content.data()), content.size(), 0);
    sync_fd(fd.get());
  }
  rename_file(tmp, p);
  // Make the rename itself durable.
  sync_dir(p.parent_path());
}

void rename_file(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw_errno("rename " + from.string() + " to " + to.string());
}

void sync_dir(const fs::path& dir) {
  Fd fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (::fsync(fd.get()) != 0) throw_errno("fsync of directory " + dir.string());
}

std::map<TopicPartition, int64_t> read_offset_checkpoint(const fs::path& p) {
  std::map<TopicPartition, int64_t> out;
  auto text = read_small_file(p, kMaxCheckpointBytes);
  if (!text) return out;
  // Line by line, as Kafka's CheckpointFile reader: every line must be exactly what the writer
  // produces, so a torn or hand-edited file is refused instead of half read.
  std::istringstream in(*text);
  std::string line;
  auto fail = [&](const std::string& why) -> StorageError {
    return StorageError("malformed checkpoint file " + p.string() + ": " + why);
  };
  int64_t count = -1;
  if (!std::getline(in, line) || line != "0") throw fail("unsupported version line '" + line + "'");
  if (!std::getline(in, line)) throw fail("no entry count");
  {
    std::istringstream c(line);
    if (!(c >> count) || count < 0 || !(c >> std::ws).eof()) throw fail("bad entry count");
  }
  for (int64_t i = 0; i < count; ++i) {
    if (!std::getline(in, line)) throw fail("fewer entries than its count");
    std::istringstream e(line);
    TopicPartition tp;
    int64_t off;
    if (!(e >> tp.topic >> tp.partition >> off) || !(e >> std::ws).eof() || tp.partition < 0 ||
        off < 0)
      throw fail("bad entry '" + line + "'");
    out[tp] = off;
  }
  while (std::getline(in, line))
    if (!line.empty()) throw fail("more entries than its count");
  return out;
}

void write_offset_checkpoint(const fs::path& p, const std::map<TopicPartition, int64_t>& offsets) {
  std::string s = "0\n" + std::to_string(offsets.size()) + "\n";
  for (const auto& [tp, off] : offsets)
    s += tp.topic + " " + std::to_string(tp.partition) + " " + std::to_string(off) + "\n";
  write_file_atomic(p, s);
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string uuid_to_base64(const Uuid16& id) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : id) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::optional<Uuid16> uuid_from_base64(const std::string& s) {
  if (s.size() != 22) return std::nullopt;
  Uuid16 id{};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : s) {
    const char* pos = std::strchr(kB64, c);
    if (c == '\0' || pos == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(pos - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < id.size()) id[n++] = static_cast<uint8_t>((acc >> bits) & 0xFF);
    }
  }
  return n == id.size() ? std::optional<Uuid16>(id) : std::nullopt;
}

Uuid16 random_uuid() {
  std::random_device rd;
  Uuid16 id{};
  for (auto& b : id) b = static_cast<uint8_t>(rd());
  id[6] = static_cast<uint8_t>((id[6] & 0x0F) | 0x40);  // version 4, as Java's randomUUID
  id[8] = static_cast<uint8_t>((id[8] & 0x3F) | 0x80);
  return id;
}

std::optional<TopicPartition> parse_partition_dir(const std::string& name) {
  auto dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  std::string num = name.substr(dash + 1);
  if (num.size() > 9) return std::nullopt;
  for (char c : num)
    if (c < '0' || c > '9') return std::nullopt;
  std::string topic = name.substr(0, dash);
  if (topic.size() > 249) return std::nullopt;
  for (char c : topic) {
    bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
    if (!legal) return std::nullopt;
  }
  return TopicPartition{topic, std::stoi(num)};
}

std::string segment_file_name(int64_t base_offset, const char* suffix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  return std::string(buf) + suffix;
}

}  // namespace samsa::storage
