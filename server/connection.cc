#include "server/connection.h"

#include <spdlog/spdlog.h>

#include "metrics/kafka_metrics.h"
#include "protocol/headers.h"
#include "protocol/messages/response_header.h"
#include "server/api_table.h"

namespace samsa::server {
namespace {

constexpr int16_t kApiVersionsKey = 18;
constexpr size_t kKeptBufferBytes = 8u << 20;

int32_t read_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}
int16_t read_be16(const uint8_t* p) {
  return static_cast<int16_t>((uint16_t{p[0]} << 8) | uint16_t{p[1]});
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, Services& services, int32_t max_request_bytes,
                       metrics::ConnectionCounters* counters)
    : socket_(std::move(socket)),
      services_(services),
      max_request_bytes_(max_request_bytes),
      counters_(counters) {
  std::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::reject(const char* reason, int16_t api_key, int16_t api_version) {
  services_.stats.malformed_requests++;
  spdlog::warn("event=connection_closed reason=\"{}\" peer={} api_key={} api_version={}", reason,
               peer_, api_key, api_version);
}

void Connection::record_request(std::chrono::steady_clock::time_point received) {
  if (services_.metrics == nullptr) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count();
  services_.metrics->requests->record(api_key_, api_version_, seconds, errors_.counts());
}

asio::awaitable<void> Connection::run() {
  services_.stats.connections_open++;
  if (counters_ != nullptr) {
    counters_->open++;
    counters_->created++;
  }
  std::vector<uint8_t> frame;
  std::vector<uint8_t> out;
  try {
    for (;;) {
      uint8_t size_bytes[4];
      co_await asio::async_read(socket_, asio::buffer(size_bytes), asio::use_awaitable);
      int32_t size = read_be32(size_bytes);
      // Bounded before allocating: a hostile size prefix must not reserve memory.
      if (size < 8 || size > max_request_bytes_) {
        reject(size < 8 ? "frame too small" : "frame larger than socket.request.max.bytes");
        break;
      }
      frame.resize(static_cast<size_t>(size));
      co_await asio::async_read(socket_, asio::buffer(frame), asio::use_awaitable);
      // Kafka's TotalTimeMs runs from the whole request being read to the response being sent.
      const auto received = std::chrono::steady_clock::now();
      out.clear();
      if (!co_await handle_frame(frame, out)) break;
      if (!out.empty()) {
        co_await asio::async_write(socket_, asio::buffer(out), asio::use_awaitable);
      }
      record_request(received);
      // Buffers are reused across requests (a fresh multi-megabyte buffer per fetch costs page
      // faults and zeroing), but one unusually large request must not pin its memory.
      if (frame.capacity() > kKeptBufferBytes) std::vector<uint8_t>().swap(frame);
      if (out.capacity() > kKeptBufferBytes) std::vector<uint8_t>().swap(out);
    }
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::eof && e.code() != asio::error::connection_reset &&
        e.code() != asio::error::operation_aborted) {
      spdlog::debug("event=connection_error peer={} error=\"{}\"", peer_, e.what());
    }
  } catch (const std::exception& e) {
    spdlog::error("event=connection_error peer={} error=\"{}\"", peer_, e.what());
  }
  services_.stats.connections_open--;
  if (counters_ != nullptr) {
    counters_->open--;
    counters_->closed++;
  }
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

asio::awaitable<bool> Connection::handle_frame(std::vector<uint8_t>& frame,
                                               std::vector<uint8_t>& out) {
  const int16_t api_key = read_be16(frame.data());
  const int16_t api_version = read_be16(frame.data() + 2);
  const ApiEntry* api = find_api(api_key);
  if (api == nullptr) {
    reject("unknown api key", api_key, api_version);
    co_return false;
  }
  const bool supported = api_version >= api->min_version && api_version <= api->max_version;
  if (!supported && api_key != kApiVersionsKey) {
    reject("unsupported api version", api_key, api_version);
    co_return false;
  }

  protocol::Reader reader(frame.data(), frame.size());
  protocol::RequestHeader header;
  protocol::Writer writer(out);
  // The generated encoders count every ErrorCode they write (Kafka's ErrorsPerSec).
  api_key_ = api_key;
  api_version_ = api_version;
  errors_.clear();
  writer.set_error_tally(&errors_);
  try {
    // An ApiVersions version we do not know is answered, not dropped: librdkafka reconnects forever
    // otherwise. Its header is read as the newest layout we know; the body is ignored (KIP-511).
    int16_t header_version = protocol::request_header_version(
        api_key, supported ? api_version : std::max<int16_t>(api_version, 3));
    header.decode(reader, header_version);
    writer.write_int32(0);  // size, patched below
    protocol::ResponseHeader response_header;
    response_header.correlation_id = header.correlation_id;
    if (!supported) {
      response_header.encode(writer, 0);
      write_api_versions_fallback(writer);
    } else {
      response_header.encode(writer, protocol::response_header_version(api_key, api_version));
      RequestContext ctx{header, reader, writer, services_, peer_};
      co_await api->handler(ctx);
      if (!ctx.send_response) out.clear();
      if (ctx.close_connection) co_return false;
    }
  } catch (const protocol::DecodeError& e) {
    reject(e.what(), api_key, api_version);
    co_return false;
  }
  services_.stats.requests_handled++;
  if (!out.empty()) {
    int32_t body_size = static_cast<int32_t>(out.size() - 4);
    out[0] = static_cast<uint8_t>(body_size >> 24);
    out[1] = static_cast<uint8_t>(body_size >> 16);
    out[2] = static_cast<uint8_t>(body_size >> 8);
    out[3] = static_cast<uint8_t>(body_size);
  }
  co_return true;
}

}  // namespace samsa::server
