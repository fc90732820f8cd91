#include "log_dirs.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

constexpr int16_t kApiKey = 35;  // DescribeLogDirs
constexpr int16_t kVersion = 4;  // flexible; has TotalBytes/UsableBytes
constexpr uint32_t kMaxResponse = 64u << 20;

void put_int(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

[[noreturn]] void malformed(const std::string& what) {
  throw CliError(ExitCode::kError, "malformed DescribeLogDirs response: " + what);
}

// A bounds-checked reader of the flexible encoding (compact strings/arrays, tagged fields).
class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}
  int64_t fixed(int bytes) {
    if (pos_ + static_cast<size_t>(bytes) > data_.size()) malformed("truncated");
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_++]);
    // Sign-extend from `bytes` wide.
    const int shift = 64 - 8 * bytes;
    return static_cast<int64_t>(v << shift) >> shift;
  }
  uint64_t uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto b = static_cast<uint64_t>(fixed(1) & 0xff);
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    malformed("varint too long");
  }
  // Element count of a compact array; never more than bytes remain (each element is >= 1 byte).
  size_t array_length() {
    const uint64_t n = uvarint();
    if (n == 0) return 0;  // null array
    if (n - 1 > data_.size() - pos_) malformed("array longer than the response");
    return static_cast<size_t>(n - 1);
  }
  std::string compact_string() {
    const uint64_t n = uvarint();
    if (n == 0) return "";
    if (n - 1 > data_.size() - pos_) malformed("string longer than the response");
    std::string s = data_.substr(pos_, static_cast<size_t>(n - 1));
    pos_ += static_cast<size_t>(n - 1);
    return s;
  }
  void skip_tags() {
    for (uint64_t n = uvarint(); n > 0; --n) {
      uvarint();  // tag
      const uint64_t size = uvarint();
      if (size > data_.size() - pos_) malformed("tagged field longer than the response");
      pos_ += static_cast<size_t>(size);
    }
  }

 private:
  const std::string& data_;
  size_t pos_ = 0;
};

std::string error_name(int16_t code) {
  switch (code) {
    case 0:
      return "";
    case 57:
      return "KAFKA_STORAGE_ERROR (offline)";
    case 31:
      return "CLUSTER_AUTHORIZATION_FAILED";
    default:
      return "error " + std::to_string(code);
  }
}

class Socket {
 public:
  Socket(const std::string& host, int port, int timeout_ms) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string where = host + ":" + std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
      throw CliError(ExitCode::kUnreachable,
                     "cannot resolve broker " + where + ": " + gai_strerror(rc));
    }
    int last_errno = 0;
    for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd_ < 0) continue;
      timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        last_errno = errno;
        ::close(fd_);
        fd_ = -1;
      }
    }
    freeaddrinfo(res);
    if (fd_ < 0) {
      throw CliError(ExitCode::kUnreachable,
                     "cannot reach broker " + where + ": " + std::strerror(last_errno));
    }
    where_ = where;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write_all(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) fail("sending");
      done += static_cast<size_t>(n);
    }
  }
  std::string read_exact(size_t size) {
    std::string out(size, '\0');
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::recv(fd_, out.data() + done, size - done, 0);
      if (n <= 0) fail(n == 0 ? "reading (connection closed)" : "reading");
      done += static_cast<size_t>(n);
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw CliError(ExitCode::kUnreachable,
                   "broker " + where_ + ": " + what + " failed: " + std::strerror(errno));
  }
  int fd_ = -1;
  std::string where_;
};

}  // namespace

std::string encode_describe_log_dirs_request(int32_t correlation_id) {
  std::string body;
  put_int(body, static_cast<uint16_t>(kApiKey), 2);
  put_int(body, static_cast<uint16_t>(kVersion), 2);
  put_int(body, static_cast<uint32_t>(correlation_id), 4);
  const std::string client_id = "samsactl";
  put_int(body, client_id.size(), 2);  // request header v2: client_id is a classic string
  body += client_id;
  body.push_back('\0');  // header tagged fields
  body.push_back('\0');  // Topics: null (compact array length 0) = every topic
  body.push_back('\0');  // body tagged fields
  std::string frame;
  put_int(frame, body.size(), 4);
  return frame + body;
}

std::vector<LogDirInfo> decode_describe_log_dirs_response(const std::string& frame,
                                                          int32_t correlation_id) {
  Reader r(frame);
  if (r.fixed(4) != correlation_id) malformed("correlation id mismatch");
  r.skip_tags();  // response header v1
  r.fixed(4);     // throttle time
  const auto top_error = static_cast<int16_t>(r.fixed(2));
  if (top_error == 31) {
    throw CliError(ExitCode::kRefused,
                   "DescribeLogDirs refused: the principal may not DESCRIBE the cluster");
  }
  if (top_error != 0) {
    throw CliError(ExitCode::kError, "DescribeLogDirs failed: " + error_name(top_error));
  }
  std::vector<LogDirInfo> out;
  for (size_t i = r.array_length(); i > 0; --i) {
    LogDirInfo d;
    d.error = error_name(static_cast<int16_t>(r.fixed(2)));
    d.path = r.compact_string();
    for (size_t t = r.array_length(); t > 0; --t) {
      const std::string topic = r.compact_string();
      for (size_t p = r.array_length(); p > 0; --p) {
        LogDirPartition part;
        part.topic = topic;
        part.partition = static_cast<int32_t>(r.fixed(4));
        part.size_bytes = r.fixed(8);
        part.offset_lag = r.fixed(8);
        r.fixed(1);  // is_future_key
        r.skip_tags();
        d.partitions.push_back(part);
      }
      r.skip_tags();
    }
    d.total_bytes = r.fixed(8);
    d.usable_bytes = r.fixed(8);
    r.skip_tags();
    std::sort(d.partitions.begin(), d.partitions.end(), [](const auto& a, const auto& b) {
      return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<LogDirInfo> describe_log_dirs(const Profile& profile,
                                          const std::vector<BrokerAddress>& brokers,
                                          const std::vector<std::string>& topics) {
  if (!profile.user.empty() || profile.kafka_tls.enabled) {
    throw CliError(ExitCode::kUsage,
                   "cluster logdirs describe speaks to PLAINTEXT listeners only, not SASL or "
                   "TLS: run it without --user/--tls-* settings against brokers whose listed "
                   "listener is PLAINTEXT");
  }
  std::vector<LogDirInfo> out;
  int32_t correlation_id = 1;
  for (const auto& b : brokers) {
    Socket s(b.host, b.port, profile.timeout_ms);
    s.write_all(encode_describe_log_dirs_request(correlation_id));
    const std::string size_bytes = s.read_exact(4);
    uint32_t size = 0;
    for (char c : size_bytes) size = (size << 8) | static_cast<unsigned char>(c);
    if (size > kMaxResponse) malformed("response of " + std::to_string(size) + " bytes");
    for (auto& d : decode_describe_log_dirs_response(s.read_exact(size), correlation_id)) {
      d.broker_id = b.id;
      if (!topics.empty()) {
        std::erase_if(d.partitions, [&](const LogDirPartition& p) {
          return std::find(topics.begin(), topics.end(), p.topic) == topics.end();
        });
      }
      out.push_back(std::move(d));
    }
    ++correlation_id;
  }
  return out;
}

}  // namespace samsa::ctl
