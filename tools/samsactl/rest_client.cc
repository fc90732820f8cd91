#include "rest_client.h"

#include <curl/curl.h>

#include <cstring>

#include "cli_error.h"

namespace samsa::ctl {
namespace {

size_t collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// curl's texts ("Couldn't connect to server") say less than the OS error ("connection refused").
std::string transport_error(CURL* h, CURLcode rc, const char* errbuf) {
  long os_errno = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
  std::string why;
  if (rc == CURLE_COULDNT_CONNECT && os_errno != 0) {
    why = std::strerror(static_cast<int>(os_errno));
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  } else if (errbuf[0] != '\0') {
    why = errbuf;
  } else {
    why = curl_easy_strerror(rc);
  }
  return why;
}

}  // namespace

struct RestClient::Curl {
  CURL* handle = nullptr;
  ~Curl() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

std::string RestResponse::message() const {
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  if (body.is_string()) return body.get<std::string>();
  return body.is_null() ? "" : body.dump();
}

ExitCode exit_code_for_status(long status) {
  if (status == 401 || status == 403) return ExitCode::kRefused;
  if (status == 404) return ExitCode::kNotFound;
  if (status == 409) return ExitCode::kConflict;
  return ExitCode::kError;
}

std::string describe_http_error(const std::string& method, const std::string& path,
                                const RestResponse& r) {
  std::string what;
  if (r.status == 401) {
    what = "authentication failed";
  } else if (r.status == 403) {
    what = "refused";
  } else if (r.status == 404) {
    what = "not found";
  } else {
    what = "request failed";
  }
  std::string text =
      what + " (HTTP " + std::to_string(r.status) + " on " + method + " " + path + ")";
  const std::string msg = r.message();
  if (!msg.empty()) text += ": " + msg;
  if (r.status == 401) text += " (check --user/--password or the profile's admin credentials)";
  return text;
}

std::string url_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

RestClient::RestClient(const Profile& profile)
    : curl_(std::make_unique<Curl>()), profile_(profile), base_url_(profile.admin_url) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (base_url_.rfind("http://", 0) != 0 && base_url_.rfind("https://", 0) != 0) {
    throw CliError(ExitCode::kUsage,
                   "--admin-url must start with http:// or https:// (got '" + base_url_ + "')");
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl_->handle = curl_easy_init();
  if (curl_->handle == nullptr) throw CliError(ExitCode::kError, "libcurl initialisation failed");
}

RestClient::~RestClient() = default;

RestResponse RestClient::send(const std::string& method, const std::string& path,
                              const nlohmann::json* body) {
  CURL* h = curl_->handle;
  curl_easy_reset(h);
  const std::string url = base_url_ + path;
  std::string response_text;
  std::string payload = body != nullptr ? body->dump() : "";
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response_text);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(profile_.timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(profile_.timeout_ms, 10000)));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (!profile_.effective_admin_user().empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, profile_.effective_admin_user().c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, profile_.effective_admin_password().c_str());
  }
  const auto& tls = profile_.admin_tls;
  if (!tls.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    throw CliError(ExitCode::kUnreachable, "cannot reach admin API at " + base_url_ + ": " +
                                               transport_error(h, rc, errbuf));
  }
  RestResponse r;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  if (!response_text.empty()) {
    r.body = nlohmann::json::parse(response_text, nullptr, false);
    if (r.body.is_discarded()) r.body = response_text;
  }
  return r;
}

nlohmann::json RestClient::call(const std::string& method, const std::string& path,
                                const nlohmann::json* body) {
  auto r = send(method, path, body);
  if (r.status >= 400) {
    throw CliError(exit_code_for_status(r.status), describe_http_error(method, path, r));
  }
  return r.body;
}

const std::string& RestClient::cluster_path() {
  if (cluster_path_.empty()) {
    const auto clusters = get("/v3/clusters");
    if (!clusters.is_object() || !clusters.contains("data") || clusters["data"].empty()) {
      throw CliError(ExitCode::kError, "GET /v3/clusters returned no cluster");
    }
    cluster_path_ =
        "/v3/clusters/" + url_encode(clusters["data"][0].value("cluster_id", std::string()));
  }
  return cluster_path_;
}

}  // namespace samsa::ctl
