#include "security/sasl/jwks_endpoint.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

namespace samsa::security::oauth {
namespace {

using namespace std::chrono_literals;

// Kafka's RefreshingHttpsJwks: a kid is looked for again at most this often, and at most this
// many kids are remembered.
constexpr auto kMissingKidInterval = 60s;
constexpr size_t kMaxMissingKids = 16;
constexpr size_t kMaxKidLength = 1000;

void init_curl_once() {
  // curl_global_init is not thread-safe; the first JwksEndpoint is made at startup, before any
  // network thread, and call_once covers several listeners.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw JwksError("libcurl could not be initialised");
  });
}

struct Body {
  std::string text;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const size_t n = size * count;
  if (body->text.size() + n > kMaxJwksDocumentBytes) {
    body->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  body->text.append(data, n);
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

std::string fetch_jwks_document(const JwksEndpointOptions& options, bool* retryable) {
  init_curl_once();
  if (retryable) *retryable = false;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw JwksError("libcurl could not make a request for " + options.url);
  Body body;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, options.url.c_str());
  // Only the scheme configured: no redirect to file:, ftp: or anywhere else.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxJwksDocumentBytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "samsa-broker");
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

  const CURLcode rc = curl_easy_perform(c);
  if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED)
    throw JwksError(options.url + ": the JWKS is larger than 4 MiB");
  if (rc != CURLE_OK) {
    // TLS verification failures will not go away by retrying; the network may.
    if (retryable)
      *retryable = rc != CURLE_PEER_FAILED_VERIFICATION && rc != CURLE_SSL_CACERT_BADFILE &&
                   rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_URL_MALFORMAT;
    throw JwksError(options.url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    if (retryable) *retryable = status >= 500 || status == 429;
    throw JwksError(options.url + ": HTTP status " + std::to_string(status));
  }
  return std::move(body.text);
}

namespace {

std::shared_ptr<const JsonWebKeySet> parse_document(const std::string& url,
                                                    const std::string& text) {
  try {
    auto set = std::make_shared<const JsonWebKeySet>(JsonWebKeySet::parse(text));
    for (const auto& s : set->skipped()) spdlog::warn("JWKS {}: skipped {}", url, s);
    return set;
  } catch (const JwksError& e) {
    throw JwksError(url + ": " + e.what());
  }
}

}  // namespace

JwksEndpoint::JwksEndpoint(JwksEndpointOptions options) : options_(std::move(options)) {
  std::unique_lock lock(mu_);
  set_ = fetch_with_retries(lock);
  if (!set_) throw JwksError(options_.url + ": stopped before the JWKS was fetched");
  spdlog::info("JWKS {} fetched: {} key(s); refetched every {} ms", options_.url,
               set_->keys().size(), options_.refresh_ms);
  lock.unlock();
  thread_ = std::thread([this] { run(); });
}

JwksEndpoint::~JwksEndpoint() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const JsonWebKeySet> JwksEndpoint::current() {
  std::lock_guard lock(mu_);
  return set_;
}

uint64_t JwksEndpoint::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

bool JwksEndpoint::reload() {
  {
    std::lock_guard lock(mu_);
    refresh_now_ = true;
  }
  wake_.notify_all();
  return true;
}

void JwksEndpoint::key_not_found(std::string_view kid) {
  if (kid.size() > kMaxKidLength) return;
  const auto now = Clock::now();
  {
    std::lock_guard lock(mu_);
    if (auto it = missing_kids_.find(kid);
        it != missing_kids_.end() && now - it->second < kMissingKidInterval)
      return;
    if (missing_kids_.size() >= kMaxMissingKids) {
      auto oldest = std::min_element(missing_kids_.begin(), missing_kids_.end(),
                                     [](auto& a, auto& b) { return a.second < b.second; });
      missing_kids_.erase(oldest);
    }
    missing_kids_.insert_or_assign(std::string(kid), now);
    if (expedite_at_) return;  // one early refetch already scheduled covers this kid too
    const auto spacing = std::chrono::milliseconds(options_.retry_backoff_max_ms);
    expedite_at_ = std::max(now, last_expedited_ + spacing);
  }
  wake_.notify_all();
}

std::shared_ptr<const JsonWebKeySet> JwksEndpoint::fetch_with_retries(
    std::unique_lock<std::mutex>& lock) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.retry_backoff_max_ms);
  auto backoff = std::chrono::milliseconds(std::max<int64_t>(options_.retry_backoff_ms, 1));
  for (int attempt = 1;; ++attempt) {
    std::string error;
    bool retryable = false;
    lock.unlock();  // current() keeps answering with the old keys meanwhile
    try {
      auto set = parse_document(options_.url, fetch_jwks_document(options_, &retryable));
      lock.lock();
      ++fetches_;
      return set;
    } catch (const JwksError& e) {
      error = e.what();
    }
    lock.lock();
    const auto now = Clock::now();
    if (!retryable || now + backoff > deadline || stop_) {
      if (attempt > 1) error += " (after " + std::to_string(attempt) + " attempts)";
      throw JwksError(error);
    }
    spdlog::warn("JWKS fetch failed ({}); retrying in {} ms", error, backoff.count());
    if (wake_.wait_for(lock, backoff, [this] { return stop_; })) return nullptr;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(options_.retry_backoff_max_ms));
  }
}

void JwksEndpoint::run() {
  const auto period = std::chrono::milliseconds(std::max<int64_t>(options_.refresh_ms, 1000));
  std::unique_lock lock(mu_);
  auto periodic_at = Clock::now() + period;
  while (!stop_) {
    auto now = Clock::now();
    const bool expedite_due = expedite_at_ && now >= *expedite_at_;
    if (!refresh_now_ && !expedite_due && now < periodic_at) {
      // Woken by reload(), key_not_found() (which may bring the deadline forward) or stop.
      wake_.wait_until(lock, expedite_at_ ? std::min(*expedite_at_, periodic_at) : periodic_at);
      continue;
    }
    if (expedite_due) {
      last_expedited_ = now;
      expedite_at_.reset();
    }
    refresh_now_ = false;
    periodic_at = now + period;
    try {
      auto set = fetch_with_retries(lock);
      if (!set) break;
      spdlog::info("JWKS {} refetched: {} key(s)", options_.url, set->keys().size());
      set_ = std::move(set);
    } catch (const JwksError& e) {
      spdlog::error("JWKS not refetched ({}); keeping the keys loaded before", e.what());
    }
  }
}

std::shared_ptr<KeySource> make_key_source(JwksEndpointOptions options) {
  const std::string& url = options.url;
  if (url.starts_with("https://") || url.starts_with("http://"))
    return std::make_shared<JwksEndpoint>(std::move(options));
  return std::make_shared<JwksFile>(jwks_path_from_url(url));
}

}  // namespace samsa::security::oauth
