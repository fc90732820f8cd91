#include "server/response_regions.h"

#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "storage/segment.h"

namespace samsa::server {
namespace {

// A records field is at most INT32_MAX bytes and a response is bounded by fetch.max.bytes, so 2 GiB
// of placeholder addresses per response is never the limit in practice. Reserving address space
// PROT_NONE with MAP_NORESERVE costs no memory; every response uses the same addresses, since a
// sink only ever resolves the placeholders it handed out itself.
constexpr size_t kPlaceholderSpace = size_t{1} << 31;

const uint8_t* placeholder_space() {
  static const uint8_t* const base = [] {
    void* p = ::mmap(nullptr, kPlaceholderSpace, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<const uint8_t*>(p);
  }();
  return base;
}

// The largest single sendfile(2) call: Linux transfers at most 0x7ffff000 bytes per call anyway.
constexpr int64_t kMaxSendfileChunk = 1 << 30;

asio::awaitable<void> send_bytes(asio::ip::tcp::socket& socket, std::span<const uint8_t> bytes,
                                 bool more_follows) {
  // MSG_MORE: the file bytes that follow should share TCP segments with this chunk (TCP_NODELAY
  // is on, so without it every chunk between two regions would leave as its own small packet).
  const int flags = more_follows ? MSG_MORE : 0;
  while (!bytes.empty()) {
    size_t n = co_await socket.async_send(asio::buffer(bytes.data(), bytes.size()), flags,
                                          asio::use_awaitable);
    bytes = bytes.subspan(n);
  }
}

asio::awaitable<void> send_region(asio::ip::tcp::socket& socket,
                                  const storage::FileRegion& region) {
  socket.native_non_blocking(true);
  const int out_fd = socket.native_handle();
  const int in_fd = region.segment->log_fd();
  off_t offset = static_cast<off_t>(region.position);
  int64_t left = region.length;
  while (left > 0) {
    ssize_t n =
        ::sendfile(out_fd, in_fd, &offset, static_cast<size_t>(std::min(left, kMaxSendfileChunk)));
    if (n > 0) {
      left -= n;
      continue;
    }
    if (n == 0) {
      throw std::system_error(std::make_error_code(std::errc::io_error),
                              "sendfile: segment file shorter than the fetched region");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      co_await socket.async_wait(asio::ip::tcp::socket::wait_write, asio::use_awaitable);
      continue;
    }
    throw std::system_error(errno, std::system_category(), "sendfile");
  }
}

}  // namespace

std::optional<std::span<const uint8_t>> ResponseFileRegions::placeholder(
    std::vector<storage::FileRegion> regions) {
  const uint8_t* base = placeholder_space();
  size_t length = 0;
  for (const auto& r : regions) length += static_cast<size_t>(r.length);
  if (base == nullptr || length == 0 || length > kPlaceholderSpace - reserved_) return std::nullopt;
  const uint8_t* address = base + reserved_;
  reserved_ += length;
  pending_.push_back(Pending{address, length, std::move(regions)});
  return std::span<const uint8_t>(address, length);
}

bool ResponseFileRegions::claim(std::span<const uint8_t> records, size_t buffer_offset) {
  if (records.empty()) return false;
  // Fields are encoded in the order their placeholders were handed out, so the search starts after
  // the last claim (a response with thousands of partitions stays linear); then from the start.
  for (size_t n = 0; n < pending_.size(); ++n) {
    const size_t i = (next_claim_ + n) % pending_.size();
    Pending& p = pending_[i];
    if (p.address != records.data() || p.length != records.size() || p.regions.empty()) continue;
    for (auto& r : p.regions) {
      placed_bytes_ += r.length;
      placed_.push_back(Placed{buffer_offset, std::move(r)});
    }
    p.regions.clear();  // claimed once: encoding the same field twice would be a bug
    next_claim_ = i + 1;
    return true;
  }
  return false;
}

void ResponseFileRegions::clear() {
  pending_.clear();
  placed_.clear();
  reserved_ = 0;
  next_claim_ = 0;
  placed_bytes_ = 0;
}

asio::awaitable<void> write_with_regions(asio::ip::tcp::socket& socket,
                                         std::span<const uint8_t> buffer,
                                         const std::vector<ResponseFileRegions::Placed>& placed) {
  size_t cursor = 0;
  for (const auto& p : placed) {
    if (p.buffer_offset > cursor) {
      co_await send_bytes(socket, buffer.subspan(cursor, p.buffer_offset - cursor), true);
      cursor = p.buffer_offset;
    }
    co_await send_region(socket, p.region);
  }
  co_await send_bytes(socket, buffer.subspan(cursor), false);
}

}  // namespace samsa::server
