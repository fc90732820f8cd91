#include "admin-http/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "admin-http/https.h"
#include "security/principal.h"

namespace samsa::admin_http {
namespace {

std::string url_decode(const std::string& s) {
  std::string out(s.size() + 1, '\0');
  int n = mg_url_decode(s.data(), static_cast<int>(s.size()), out.data(),
                        static_cast<int>(out.size()), /*is_form_url_encoded=*/1);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::map<std::string, std::string> parse_query(const char* qs) {
  std::map<std::string, std::string> out;
  if (!qs) return out;
  std::string q(qs);
  size_t i = 0;
  while (i <= q.size()) {
    size_t amp = q.find('&', i);
    if (amp == std::string::npos) amp = q.size();
    std::string pair = q.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = url_decode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
      out.emplace(std::move(key), std::move(value));
    }
    i = amp + 1;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void send_response(mg_connection* conn, const HttpResponse& r) {
  mg_response_header_start(conn, r.status);
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  std::string length = std::to_string(r.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  for (const auto& [name, value] : r.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  if (!r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
}

// Reads the whole body, refusing more than `limit` bytes. nullopt when it is too large.
std::optional<std::string> read_body(mg_connection* conn, long long content_length, size_t limit) {
  if (content_length > static_cast<long long>(limit)) return std::nullopt;
  std::string body;
  if (content_length > 0) body.reserve(static_cast<size_t>(content_length));
  char buf[16384];
  for (;;) {
    int n = mg_read(conn, buf, sizeof buf);
    if (n <= 0) break;
    if (body.size() + static_cast<size_t>(n) > limit) return std::nullopt;
    body.append(buf, static_cast<size_t>(n));
  }
  return body;
}

// CivetWeb reports a failed bind only as "Failed to setup server ports"; probe first so the
// operator (and the test fixture's port-clash retry) sees which address is in use.
void probe_bind(const config::AdminListener& l) {
  bool v6 = l.host.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = 0;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(l.port));
    if (inet_pton(AF_INET6, l.host.c_str(), &a.sin6_addr) == 1) {
      rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(l.port));
    if (inet_pton(AF_INET, l.host.c_str(), &a.sin_addr) == 1) {
      rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
  }
  int err = errno;
  close(fd);
  if (rc != 0) {
    throw std::runtime_error("admin.listeners: cannot bind " + l.host + ":" +
                             std::to_string(l.port) + ": " + std::strerror(err));
  }
}

}  // namespace

AdminHttpServer::AdminHttpServer(AdminHttpOptions options, const Router& router,
                                 const Readiness& readiness, HttpAuth& auth)
    : options_(std::move(options)), router_(router), readiness_(readiness), auth_(auth) {}

AdminHttpServer::~AdminHttpServer() {
  stop();
}

void AdminHttpServer::start() {
  if (options_.listeners.empty()) return;
  std::string ports;
  bool https = false;
  for (const auto& l : options_.listeners) {
    probe_bind(l);
    if (!ports.empty()) ports += ",";
    ports += (l.host.find(':') != std::string::npos ? "[" + l.host + "]" : l.host) + ":" +
             std::to_string(l.port);
    // CivetWeb's marker of a TLS port.
    if (l.scheme == "https") {
      ports += "s";
      https = true;
    }
  }
  if (https) {
    if (!options_.tls) throw std::logic_error("admin.listeners: https without TLS settings");
    enable_civetweb_tls();
  }
  static const unsigned init_once = mg_init_library(0);
  (void)init_once;
  const std::string threads = std::to_string(options_.threads);
  const std::string timeout = std::to_string(options_.request_timeout_ms);
  const char* opts[] = {"listening_ports", ports.c_str(), "num_threads", threads.c_str(),
                        // Bounds how long a slow client may hold a worker thread.
                        "request_timeout_ms", timeout.c_str(), "enable_keep_alive", "yes",
                        // No linger option: linger_timeout_ms=0 meant an abortive close (RST),
                        // which dropped the unsent tail of a large response (a /metrics scrape
                        // with "Connection: close" then failed with a reset).
                        "keep_alive_timeout_ms", "5000",
                        // Connections beyond the worker threads wait here, not in a new thread.
                        "connection_queue", "256", "listen_backlog", "256", nullptr};
  mg_callbacks callbacks{};
  // CivetWeb logs errors through this; route them to our log format.
  callbacks.log_message = [](const mg_connection*, const char* message) {
    spdlog::warn("event=admin_http_error message=\"{}\"", message);
    return 1;
  };
  if (https) {
    callbacks.init_ssl = [](void* ssl_ctx, void* self) {
      serve_tls_from(ssl_ctx, static_cast<AdminHttpServer*>(self)->options_.tls.get());
      return 1;  // the context is set up: CivetWeb loads no certificate of its own
    };
  }
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = opts;
  char error_text[256] = {0};
  mg_error_data error{};
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  ctx_ = mg_start2(&init, &error);
  if (!ctx_) {
    throw std::runtime_error("admin.listeners: cannot serve on " + ports + ": " + error_text);
  }
  mg_set_request_handler(ctx_, "/", &AdminHttpServer::handle, this);
}

void AdminHttpServer::stop() {
  if (ctx_) {
    mg_stop(ctx_);
    ctx_ = nullptr;
  }
}

std::vector<int> AdminHttpServer::bound_ports() const {
  std::vector<int> out;
  if (!ctx_) return out;
  mg_server_port ports[16];
  int n = mg_get_server_ports(ctx_, 16, ports);
  for (int i = 0; i < n; ++i) out.push_back(ports[i].port);
  return out;
}

int AdminHttpServer::handle(mg_connection* conn, void* self) {
  return static_cast<AdminHttpServer*>(self)->serve(conn);
}

std::optional<HttpResponse> AdminHttpServer::admit(mg_connection* conn, HttpRequest& req,
                                                   const Router::Match& m) const {
  const mg_request_info* info = mg_get_request_info(conn);
  req.route = m.pattern;
  req.path_params = m.params;
  req.session.listener = kAdminListenerName;
  req.session.client_host = security::java_host_address(info->remote_addr);
  req.authorize = [this, &req](const security::Action& action, bool audit) {
    return auth_.authorize(req, action, audit);
  };
  if (auth_.is_open(req.path)) return std::nullopt;
  HttpPeer peer;
  peer.client_host = req.session.client_host;
  peer.tls = info->is_ssl != 0;
  if (peer.tls && options_.tls) {
    peer.mapper = options_.tls->current()->principal_mapper;
    if (info->client_cert != nullptr)
      peer.certificate = static_cast<X509*>(info->client_cert->peer_cert);
  }
  if (auto refused = auth_.authenticate(req, peer)) return refused;
  return auth_.check(req, m.options.access);
}

int AdminHttpServer::serve(mg_connection* conn) {
  const auto started = std::chrono::steady_clock::now();
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req;
  req.method = info->request_method ? info->request_method : "";
  req.path = info->local_uri ? info->local_uri : "/";
  req.query = parse_query(info->query_string);
  for (int i = 0; i < info->num_headers; ++i) {
    req.headers[lower(info->http_headers[i].name)] = info->http_headers[i].value;
  }
  req.base_url = std::string(info->is_ssl ? "https://" : "http://") +
                 (req.headers.count("host") ? req.headers["host"]
                                            : "127.0.0.1:" + std::to_string(info->server_port));

  HttpResponse response;
  try {
    Router::Match m = router_.match(req.method, req.path);
    if (!m.handler) {
      response = m.path_known ? HttpResponse::error(405, 405, "HTTP 405 Method Not Allowed")
                              : HttpResponse::error(404, 404, "HTTP 404 Not Found");
    } else if (!m.options.available_while_starting && !readiness_.ready()) {
      response = HttpResponse::error(503, 50302, "Broker not available: " + readiness_.reason());
    } else if (auto refused = admit(conn, req, m)) {
      response = std::move(*refused);
      // An unread body must not be taken for the next request.
      if (info->content_length != 0) response.headers["Connection"] = "close";
    } else {
      HttpExchange exchange;
      exchange.read = [conn](char* buf, size_t n) { return mg_read(conn, buf, n); };
      exchange.start_chunked = [conn](int status, const std::string& content_type) {
        mg_response_header_start(conn, status);
        mg_response_header_add(conn, "Content-Type", content_type.c_str(), -1);
        mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
        mg_response_header_send(conn);
      };
      exchange.send_chunk = [conn](const std::string& data) {
        return mg_send_chunk(conn, data.data(), static_cast<unsigned>(data.size())) > 0;
      };
      req.exchange = &exchange;
      bool body_ok = true;
      if (!m.options.streaming) {
        auto body = read_body(conn, info->content_length, options_.max_body_bytes);
        if (body) {
          req.body = std::move(*body);
        } else {
          body_ok = false;
          response = HttpResponse::error(413, 413,
                                         "Request body exceeds admin.http.max.body.bytes (" +
                                             std::to_string(options_.max_body_bytes) + " bytes)");
          // The rest of the body is unread; do not try to reuse the connection.
          response.headers["Connection"] = "close";
        }
      }
      if (body_ok) {
        response = (*m.handler)(req);
        if (!m.options.change.empty())
          auth_.audit_change(req, m.options.access, m.options.change, response);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("event=admin_http_route_failed method={} path={} error=\"{}\"", req.method,
                  req.path, e.what());
    response = HttpResponse::error(500, 500, std::string("Internal error: ") + e.what());
  }
  if (response.streamed) {
    mg_send_chunk(conn, "", 0);
  } else {
    send_response(conn, response);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  spdlog::debug("event=admin_http_request method={} path={} status={} ms={}", req.method, req.path,
                response.status, ms);
  return response.status;
}

}  // namespace samsa::admin_http
