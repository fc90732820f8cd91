#include "server/connection.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics/kafka_metrics.h"
#include "protocol/headers.h"
#include "protocol/messages/response_header.h"
#include "security/tls/distinguished_name.h"
#include "server/api_table.h"

namespace samsa::server {
namespace {

constexpr int16_t kApiVersionsKey = 18;
constexpr int16_t kSaslHandshakeKey = 17;
constexpr int16_t kSaslAuthenticateKey = 36;
// Response buffers are reused across requests (a fresh multi-megabyte buffer per fetch costs page
// faults), but one unusually large response must not pin its memory.
constexpr size_t kKeptResponseBytes = 8u << 20;
// A frame buffer starts this small and doubles as bytes arrive; one up to kKeptFrameBytes is kept
// between requests (what lies beyond the first chunk stays accounted in the request-bytes
// budget).
constexpr size_t kFirstChunkBytes = 16u << 10;
constexpr size_t kKeptFrameBytes = 64u << 10;

int32_t read_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}
int16_t read_be16(const uint8_t* p) {
  return static_cast<int16_t>((uint16_t{p[0]} << 8) | uint16_t{p[1]});
}

// How often the watchdog looks: a fraction of the shortest timeout, so a connection is closed
// within about a quarter of its timeout late.
// A TLS handshake must finish within request.timeout.ms, or this when that is off: a silent
// or slow peer holds a connection slot, never a thread, but must not hold it for ever.
constexpr std::chrono::milliseconds kDefaultHandshakeTimeout{30000};
constexpr uint8_t kTlsHandshakeRecord = 0x16;

std::chrono::milliseconds handshake_timeout(const ConnectionSettings& s) {
  return s.request_timeout.count() > 0 ? s.request_timeout : kDefaultHandshakeTimeout;
}

network::Stream make_stream(asio::ip::tcp::socket socket, const ConnectionSettings& s) {
  if (s.tls) return network::Stream(std::move(socket), s.tls->ssl);
  return network::Stream(std::move(socket));
}

std::chrono::milliseconds watchdog_tick(const ConnectionSettings& s) {
  auto shortest = std::chrono::milliseconds::max();
  if (s.tls) shortest = handshake_timeout(s);
  if (s.idle_timeout.count() > 0) shortest = std::min(shortest, s.idle_timeout);
  if (s.request_timeout.count() > 0) shortest = std::min(shortest, s.request_timeout);
  if (s.sasl.authentication_timeout_ms > 0)
    shortest = std::min(shortest, std::chrono::milliseconds(s.sasl.authentication_timeout_ms));
  if (s.sasl.max_reauth_ms > 0)
    shortest = std::min(shortest, std::chrono::milliseconds(s.sasl.max_reauth_ms));
  return std::clamp(shortest / 4, std::chrono::milliseconds(20), std::chrono::milliseconds(1000));
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, Services& services,
                       ConnectionSettings settings, security::Session session,
                       metrics::ConnectionCounters* counters)
    : stream_(make_stream(std::move(socket), settings)),
      services_(services),
      settings_(settings),
      session_(std::move(session)),
      counters_(counters),
      phase_since_(std::chrono::steady_clock::now()),
      watchdog_timer_(stream_.get_executor()),
      wait_timer_(std::make_shared<asio::steady_timer>(stream_.get_executor())),
      zero_copy_records_(!stream_.is_tls()) {
  std::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  sasl_.counters = counters_;
}

Connection::~Connection() {
  give_back_frame_memory(false);
  if (holds_slot_ && settings_.request_slots != nullptr) settings_.request_slots->release(1);
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

void Connection::give_back_frame_memory(bool keep_small) {
  if (keep_small && frame_.capacity() <= kKeptFrameBytes) return;
  frame_.release();
  if (frame_accounted_ > 0 && settings_.request_bytes != nullptr)
    settings_.request_bytes->release(frame_accounted_);
  frame_accounted_ = 0;
}

asio::awaitable<void> Connection::watchdog() {
  auto self = shared_from_this();  // the watchdog ends when run() does, never after
  const auto tick = watchdog_tick(settings_);
  while (!closing_) {
    watchdog_timer_.expires_after(tick);
    std::error_code ec;
    co_await watchdog_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closing_) co_return;
    const auto waited = std::chrono::steady_clock::now() - phase_since_;
    const char* reason = nullptr;
    if (phase_ == Phase::kIdle && settings_.idle_timeout.count() > 0 &&
        waited >= settings_.idle_timeout) {
      reason = "idle";  // Kafka's connections.max.idle.ms
      if (counters_ != nullptr) counters_->expired_idle++;
    } else if (phase_ == Phase::kReading && settings_.request_timeout.count() > 0 &&
               waited >= settings_.request_timeout) {
      reason = "request_timeout";
      if (counters_ != nullptr) counters_->expired_request_timeout++;
    } else if (phase_ == Phase::kHandshake && waited >= handshake_timeout(settings_)) {
      reason = "tls_handshake_timeout";
      if (counters_ != nullptr) counters_->expired_request_timeout++;
    }
    if (reason == nullptr) {
      reason = sasl_expiry_reason(std::chrono::steady_clock::now());
      if (reason != nullptr && counters_ != nullptr) counters_->expired_authentication++;
    }
    if (reason == nullptr) continue;
    spdlog::info("event=connection_expired reason={} peer={} waited_ms={} frame_bytes={}", reason,
                 peer_, std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(),
                 frame_.size());
    closing_ = true;
    stream_.close();        // fails the pending read
    wait_timer_->cancel();  // and a pending budget wait
    co_return;
  }
}

const char* Connection::sasl_expiry_reason(std::chrono::steady_clock::time_point now) const {
  if (!security::uses_sasl(session_.protocol)) return nullptr;
  if (!session_.authenticated) {
    const auto timeout = std::chrono::milliseconds(settings_.sasl.authentication_timeout_ms);
    if (timeout.count() > 0 && now - connected_at_ >= timeout) return "authentication_timeout";
    return nullptr;
  }
  // KIP-368: past its session's end the connection is closed, unless a re-authentication is
  // under way (Kafka lets it finish).
  if (session_.expiry && now >= *session_.expiry &&
      sasl_.stage != SaslConnectionState::Stage::kAuthenticate)
    return "session_expired";
  return nullptr;
}

asio::awaitable<void> Connection::failed_authentication_delay() {
  if (settings_.sasl.failed_delay_ms <= 0) co_return;
  asio::steady_timer timer(stream_.get_executor());
  timer.expires_after(std::chrono::milliseconds(settings_.sasl.failed_delay_ms));
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<bool> Connection::handle_raw_token(int32_t size) {
  // Kafka reads these with sasl.server.max.receive.size as the bound; a negative size is
  // malformed. An empty token is legal.
  if (size < 0 || size > settings_.sasl.max_receive_size) {
    reject(size < 0 ? "negative SASL token size"
                    : "SASL token larger than sasl.server.max.receive.size");
    co_return false;
  }
  co_await read_body(static_cast<size_t>(size));
  phase_ = Phase::kHandling;
  const auto outcome =
      evaluate_sasl_token(services_, session_, sasl_, peer_,
                          {size == 0 ? nullptr : frame_.data(), static_cast<size_t>(size)});
  if (outcome.status == TokenOutcome::Status::kFailed) {
    // No error can be sent in the raw protocol: the client sees the connection close.
    co_await failed_authentication_delay();
    co_return false;
  }
  std::vector<uint8_t> out(4 + outcome.challenge.size());
  const auto n = static_cast<uint32_t>(outcome.challenge.size());
  out[0] = static_cast<uint8_t>(n >> 24);
  out[1] = static_cast<uint8_t>(n >> 16);
  out[2] = static_cast<uint8_t>(n >> 8);
  out[3] = static_cast<uint8_t>(n);
  std::copy(outcome.challenge.begin(), outcome.challenge.end(), out.begin() + 4);
  co_await stream_.write_all(asio::buffer(out));
  if (outcome.status == TokenOutcome::Status::kDone) sasl_.raw_tokens = false;
  give_back_frame_memory(true);
  co_return true;
}

asio::awaitable<int32_t> Connection::read_size() {
  uint8_t size_bytes[4];
  size_t got = 0;
  while (got < sizeof size_bytes) {
    got += co_await stream_.read_some(asio::buffer(size_bytes + got, sizeof size_bytes - got));
    if (phase_ == Phase::kIdle) {
      // request.timeout.ms counts from the request's first byte.
      phase_ = Phase::kReading;
      phase_since_ = std::chrono::steady_clock::now();
    }
  }
  co_return read_be32(size_bytes);
}

asio::awaitable<void> Connection::read_body(size_t size) {
  frame_.clear();
  while (frame_.size() < size) {
    if (frame_.spare() == 0) {
      if (frame_.capacity() == 0 && stream_.available() == 0) {
        // Nothing has arrived after the size: allocate nothing until something does.
        co_await stream_.wait_readable();
      }
      const size_t available = stream_.available();
      const size_t target = std::min(
          size, std::max({kFirstChunkBytes, frame_.capacity() * 2, frame_.size() + available}));
      // The first chunk is every connection's own, outside the budget, so small requests
      // (Metadata, heartbeats, commits) never wait behind large produce requests; it is bounded
      // by the number of connections.
      const auto more =
          static_cast<int64_t>(target - std::max(frame_.capacity(), kFirstChunkBytes));
      if (settings_.request_bytes != nullptr && more > 0) {
        co_await network::async_acquire(*settings_.request_bytes, more, wait_timer_, &closing_);
        frame_accounted_ += more;
      }
      frame_.reallocate(target);
    }
    const size_t want = std::min(frame_.spare(), size - frame_.size());
    frame_.advance(co_await stream_.read_some(asio::buffer(frame_.end(), want)));
  }
}

asio::awaitable<void> Connection::run() {
  services_.stats.connections_open++;
  if (counters_ != nullptr) {
    counters_->open++;
    counters_->created++;
  }
  if (settings_.idle_timeout.count() > 0 || settings_.request_timeout.count() > 0 ||
      stream_.is_tls() || security::uses_sasl(session_.protocol)) {
    asio::co_spawn(stream_.get_executor(), watchdog(), asio::detached);
  }
  std::vector<uint8_t> out;
  try {
    bool open = !stream_.is_tls() || co_await tls_handshake();
    while (open) {
      phase_ = Phase::kIdle;
      phase_since_ = std::chrono::steady_clock::now();
      const int32_t size = co_await read_size();
      if (sasl_.raw_tokens && sasl_.stage == SaslConnectionState::Stage::kAuthenticate) {
        if (!co_await handle_raw_token(size)) break;
        continue;
      }
      // Bounded before allocating: a hostile size prefix must not reserve memory. Until SASL is
      // done, Kafka bounds every frame by sasl.server.max.receive.size.
      const bool in_sasl =
          security::uses_sasl(session_.protocol) &&
          (!session_.authenticated || sasl_.stage == SaslConnectionState::Stage::kAuthenticate);
      if (in_sasl && size > settings_.sasl.max_receive_size) {
        reject("frame larger than sasl.server.max.receive.size before authentication");
        break;
      }
      if (size < 8 || size > settings_.max_request_bytes) {
        reject(size < 8 ? "frame too small" : "frame larger than socket.request.max.bytes");
        break;
      }
      co_await read_body(static_cast<size_t>(size));
      if (settings_.request_slots != nullptr) {
        co_await network::async_acquire(*settings_.request_slots, 1, wait_timer_, &closing_);
        holds_slot_ = true;
      }
      phase_ = Phase::kHandling;
      // Kafka's TotalTimeMs runs from the whole request being read to the response being sent.
      const auto received = std::chrono::steady_clock::now();
      out.clear();
      if (!co_await handle_frame(out)) break;
      if (sasl_.failed || close_after_write_) {
        // The connection's last answer. A failed authentication's waits out its delay without
        // holding a request slot, so failing clients cannot starve the others.
        if (holds_slot_) {
          settings_.request_slots->release(1);
          holds_slot_ = false;
        }
        if (sasl_.failed) co_await failed_authentication_delay();
        if (!out.empty()) co_await write_response(out);
        record_request(received);
        break;
      }
      if (!out.empty()) co_await write_response(out);
      record_request(received);
      if (holds_slot_) {
        settings_.request_slots->release(1);
        holds_slot_ = false;
      }
      give_back_frame_memory(true);
      if (out.capacity() > kKeptResponseBytes) std::vector<uint8_t>().swap(out);
    }
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::eof && e.code() != asio::error::connection_reset &&
        e.code() != asio::error::operation_aborted &&
        e.code() != asio::ssl::error::stream_truncated) {
      spdlog::debug("event=connection_error peer={} error=\"{}\"", peer_, e.what());
    }
  } catch (const std::exception& e) {
    spdlog::error("event=connection_error peer={} error=\"{}\"", peer_, e.what());
  }
  closing_ = true;
  watchdog_timer_.cancel();
  if (holds_slot_) {
    settings_.request_slots->release(1);
    holds_slot_ = false;
  }
  give_back_frame_memory(false);
  services_.stats.connections_open--;
  if (counters_ != nullptr) {
    counters_->open--;
    counters_->closed++;
  }
  stream_.close();
}

asio::awaitable<bool> Connection::tls_handshake() {
  phase_ = Phase::kHandshake;
  phase_since_ = std::chrono::steady_clock::now();
  // A plaintext Kafka client's first bytes are a size prefix, not a TLS handshake record: say so
  // instead of leaving OpenSSL's "wrong version number" as the only trace.
  co_await stream_.socket().async_wait(asio::socket_base::wait_read, asio::use_awaitable);
  uint8_t first = 0;
  std::error_code ec;
  const size_t peeked =
      stream_.socket().receive(asio::buffer(&first, 1), asio::socket_base::message_peek, ec);
  if (ec || peeked == 0) co_return false;  // gone before saying anything
  if (first != kTlsHandshakeRecord) {
    spdlog::warn(
        "event=connection_closed reason=\"not a TLS handshake (plaintext client on a TLS "
        "listener?)\" listener={} peer={} first_byte=0x{:02x}",
        session_.listener, peer_, first);
    co_return false;
  }
  try {
    co_await stream_.handshake();
  } catch (const std::system_error& e) {
    if (closing_) co_return false;  // the watchdog closed it and said why
    std::string detail = e.code().message();
    const long verify = SSL_get_verify_result(stream_.native_tls());
    if (verify != X509_V_OK) detail += std::string(": ") + X509_verify_cert_error_string(verify);
    spdlog::warn("event=tls_handshake_failed listener={} peer={} error=\"{}\"", session_.listener,
                 peer_, detail);
    // An untrusted or expired client certificate is a failed authentication.
    if (verify != X509_V_OK) audit_certificate("", false, detail);
    co_return false;
  }
  spdlog::debug("event=tls_handshake_done listener={} peer={} version={} cipher={}",
                session_.listener, peer_, SSL_get_version(stream_.native_tls()),
                SSL_get_cipher_name(stream_.native_tls()));
  // On SASL_SSL the SASL exchange decides the principal; the certificate only secured the channel.
  if (session_.protocol == security::SecurityProtocol::kSsl && !authenticate_certificate()) {
    co_return false;
  }
  co_return true;
}

void Connection::audit_certificate(const std::string& principal, bool ok,
                                   const std::string& reason) {
  if (services_.audit == nullptr || !services_.audit->enabled()) return;
  security::AuditEvent e;
  e.kind = security::AuditEvent::Kind::kAuthentication;
  e.principal = principal;
  e.client = session_.client_host;
  e.listener = session_.listener;
  e.api = "TlsHandshake";
  e.resource = "Mechanism:SSL";
  e.operation = "AUTHENTICATE";
  e.result = ok ? "success" : "failure";
  e.reason = reason;
  services_.audit->record(e);
}

bool Connection::authenticate_certificate() {
  X509* cert = SSL_get0_peer_certificate(stream_.native_tls());
  if (cert == nullptr) {
    session_.principal = security::anonymous_principal();
    spdlog::info(
        "event=authentication result=success listener={} protocol=SSL peer={} "
        "principal={} dn=\"\"",
        session_.listener, peer_, session_.principal.to_string());
    return true;
  }
  const std::string dn = security::tls::java_rfc2253_name(X509_get_subject_name(cert));
  const auto name = settings_.tls->principal_mapper->map(dn);
  if (!name || name->empty()) {
    spdlog::warn(
        "event=authentication result=failure listener={} protocol=SSL peer={} dn=\"{}\" "
        "reason=\"no ssl.principal.mapping.rules rule matches the certificate subject\"",
        session_.listener, peer_, dn);
    audit_certificate("", false, "no ssl.principal.mapping.rules rule matches " + dn);
    return false;
  }
  session_.principal = security::KafkaPrincipal{"User", *name};
  audit_certificate(session_.principal.to_string(), true, "");
  spdlog::info(
      "event=authentication result=success listener={} protocol=SSL peer={} principal={} "
      "dn=\"{}\"",
      session_.listener, peer_, session_.principal.to_string(), dn);
  return true;
}

asio::awaitable<bool> Connection::handle_frame(std::vector<uint8_t>& out) {
  const uint8_t* frame = frame_.data();
  const int16_t api_key = read_be16(frame);
  const int16_t api_version = read_be16(frame + 2);
  const ApiEntry* api = find_api(api_key);
  if (api == nullptr) {
    reject("unknown api key", api_key, api_version);
    co_return false;
  }
  if (!session_.authenticated && !api->before_authentication) {
    // Kafka's SaslServerAuthenticator: any other request before SASL is done is a protocol
    // violation, and the connection is closed.
    reject("request before SASL authentication", api_key, api_version);
    co_return false;
  }
  if (!session_.authenticated && sasl_.stage == SaslConnectionState::Stage::kAuthenticate &&
      api_key != kSaslAuthenticateKey && api_key != kSaslHandshakeKey) {
    // After SaslHandshake v1 Kafka accepts only SaslAuthenticate until the exchange ends (a
    // second SaslHandshake is answered ILLEGAL_SASL_STATE by its handler, then closed).
    reject("request other than SaslAuthenticate during the SASL exchange", api_key, api_version);
    co_return false;
  }
  if (session_.expiry && std::chrono::steady_clock::now() >= *session_.expiry &&
      api_key != kSaslHandshakeKey && api_key != kSaslAuthenticateKey) {
    // KIP-368: an expired session may only re-authenticate.
    spdlog::info("event=connection_expired reason=session_expired peer={} listener={}", peer_,
                 session_.listener);
    co_return false;
  }
  const bool supported = api_version >= api->min_version && api_version <= api->max_version;
  if (!supported && api_key != kApiVersionsKey) {
    reject("unsupported api version", api_key, api_version);
    co_return false;
  }

  protocol::Reader reader(frame, frame_.size());
  protocol::RequestHeader header;
  protocol::Writer writer(out);
  file_regions_.clear();
  ResponseFileRegions* file_regions = zero_copy_records_ ? &file_regions_ : nullptr;
  writer.set_records_sink(file_regions);
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
      RequestContext ctx{header, reader, writer, services_, peer_, session_};
      ctx.on_park = [this] {
        if (holds_slot_) {
          settings_.request_slots->release(1);
          holds_slot_ = false;
        }
      };
      ctx.file_regions = file_regions;
      ctx.sasl = &sasl_;
      co_await api->handler(ctx);
      if (!ctx.send_response) {
        out.clear();
        file_regions_.clear();
      }
      if (ctx.close_connection) co_return false;
      close_after_write_ = ctx.close_after_response;
    }
  } catch (const protocol::DecodeError& e) {
    reject(e.what(), api_key, api_version);
    co_return false;
  }
  services_.stats.requests_handled++;
  if (!out.empty()) {
    // Responses are bounded well below this (fetch.max.bytes); a larger one is a bug, not a
    // reason to send a wrapped length.
    const int64_t body_bytes = static_cast<int64_t>(out.size() - 4) + file_regions_.placed_bytes();
    if (body_bytes > INT32_MAX) throw std::length_error("response larger than 2 GiB");
    const auto body_size = static_cast<int32_t>(body_bytes);
    out[0] = static_cast<uint8_t>(body_size >> 24);
    out[1] = static_cast<uint8_t>(body_size >> 16);
    out[2] = static_cast<uint8_t>(body_size >> 8);
    out[3] = static_cast<uint8_t>(body_size);
  }
  co_return true;
}

asio::awaitable<void> Connection::write_response(const std::vector<uint8_t>& out) {
  if (file_regions_.placed().empty()) {
    co_await stream_.write_all(asio::buffer(out));
  } else {
    co_await write_with_regions(stream_.socket(), out, file_regions_.placed());
  }
  file_regions_.clear();  // releases the segments
}

}  // namespace samsa::server
