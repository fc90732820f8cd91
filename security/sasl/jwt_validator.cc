#include "security/sasl/jwt_validator.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "security/sasl/oauth_json.h"

namespace samsa::security::oauth {
namespace {

constexpr size_t kMaxTokenJsonDepth = 16;
constexpr auto kStatInterval = std::chrono::seconds(1);
// Larger than any JWKS an identity provider publishes; bounds what a mistaken path can cost.
constexpr std::streamsize kMaxJwksFileBytes = 4 << 20;

using nlohmann::json;

JwtResult refused(std::string why) {
  JwtResult r;
  r.error = std::move(why);
  return r;
}

// Java's String.trim(): strips every char <= ' ' at both ends.
std::string java_trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

// jose4j's NumericDate: any JSON number, truncated to whole seconds. nullopt when absent; an
// error string when present but not a number.
struct DateClaim {
  std::optional<int64_t> seconds;
  std::string error;
};

DateClaim date_claim(const json& claims, const char* name) {
  DateClaim d;
  auto it = claims.find(name);
  if (it == claims.end()) return d;
  if (!it->is_number()) {
    d.error = std::string("the '") + name + "' claim is not a number";
    return d;
  }
  const double v = it->get<double>();
  // Far outside any date; keeps the millisecond arithmetic below from overflowing.
  if (!std::isfinite(v) || std::fabs(v) > 1e13) {
    d.error = std::string("the '") + name + "' claim is out of range";
    return d;
  }
  d.seconds = it->is_number_float() ? static_cast<int64_t>(v) : it->get<int64_t>();
  return d;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + printable(i);
  return "[" + out + "]";
}

std::optional<json> decode_part(std::string_view part, const char* what, std::string* error) {
  auto bytes = base64url_decode(part);
  if (!bytes) {
    *error = std::string("the JWT ") + what + " is not base64url";
    return std::nullopt;
  }
  std::string problem;
  auto doc = parse_strict_json(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
      kMaxTokenJsonDepth, &problem);
  if (!doc || !doc->is_object()) {
    *error = std::string("the JWT ") + what + " is " + (doc ? "not a JSON object" : problem);
    return std::nullopt;
  }
  return doc;
}

}  // namespace

std::string jwks_path_from_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("file://")) {
    rest = url.substr(7);
    // file://host/path: only the local host is meaningful.
    if (!rest.empty() && rest.front() != '/') {
      if (rest.starts_with("localhost/")) {
        rest = rest.substr(9);
      } else {
        throw JwksError("file URL " + std::string(url) + " names a host; use file:///path");
      }
    }
  } else if (url.starts_with("file:/")) {
    rest = url.substr(5);
  } else {
    throw JwksError("'" + std::string(url) + "' is not a file:///path URL");
  }
  if (rest.empty() || rest.front() != '/' || rest.find('%') != std::string_view::npos)
    throw JwksError("'" + std::string(url) + "' is not a file:///absolute/path URL");
  return std::string(rest);
}

namespace {

JsonWebKeySet read_jwks(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JwksError("cannot read the JWKS file " + path);
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > static_cast<size_t>(kMaxJwksFileBytes))
      throw JwksError("the JWKS file " + path + " is larger than 4 MiB");
  }
  try {
    auto set = JsonWebKeySet::parse(text);
    for (const auto& s : set.skipped()) spdlog::warn("JWKS {}: skipped {}", path, s);
    return set;
  } catch (const JwksError& e) {
    throw JwksError(path + ": " + e.what());
  }
}

}  // namespace

JwksFile::JwksFile(std::string path) : path_(std::move(path)) {
  std::lock_guard lock(mu_);
  auto stamp = stat_file();
  if (!stamp) throw JwksError("cannot read the JWKS file " + path_);
  set_ = std::make_shared<const JsonWebKeySet>(read_jwks(path_));
  stamp_ = *stamp;
  next_check_ = std::chrono::steady_clock::now() + kStatInterval;
}

std::optional<JwksFile::Stamp> JwksFile::stat_file() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return std::nullopt;
  Stamp s;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.size = static_cast<int64_t>(st.st_size);
  return s;
}

bool JwksFile::load_locked(const Stamp& stamp) {
  // The stamp is taken before reading: a write that lands during the read changes it again and
  // the next check reloads.
  stamp_ = stamp;
  try {
    auto set = std::make_shared<const JsonWebKeySet>(read_jwks(path_));
    spdlog::info("JWKS file {} reloaded: {} key(s)", path_, set->keys().size());
    set_ = std::move(set);
    return true;
  } catch (const JwksError& e) {
    spdlog::error("JWKS file not usable ({}); keeping the keys loaded before", e.what());
    return false;
  }
}

std::shared_ptr<const JsonWebKeySet> JwksFile::current() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_check_) {
    next_check_ = now + kStatInterval;
    auto stamp = stat_file();
    if (stamp && !(*stamp == stamp_)) load_locked(*stamp);
  }
  return set_;
}

bool JwksFile::reload() {
  std::lock_guard lock(mu_);
  auto stamp = stat_file();
  if (!stamp) {
    spdlog::error("JWKS file {} cannot be read; keeping the keys loaded before", path_);
    return false;
  }
  return load_locked(*stamp);
}

JwtValidator::JwtValidator(JwtValidatorConfig config, std::shared_ptr<KeySource> keys)
    : config_(std::move(config)), keys_(std::move(keys)) {}

JwtResult JwtValidator::validate(std::string_view token, int64_t now_ms) const {
  if (token.size() > kMaxTokenBytes)
    return refused("the token is " + std::to_string(token.size()) + " bytes, more than " +
                   std::to_string(kMaxTokenBytes));
  // Compact JWS: header.payload.signature (a JWE has five parts and is not accepted).
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return refused("the token is not a JWS (header.payload.signature)");
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  std::string error;
  auto header = decode_part(header_b64, "header", &error);
  if (!header) return refused(error);
  auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string())
    return refused("the JWT header has no \"alg\"");
  const std::string alg = alg_it->get<std::string>();
  if (alg == "none") return refused("alg none (an unsecured JWT) is not accepted");
  if (!supported_algorithm(alg)) return refused("alg " + printable(alg) + " is not accepted");
  if (header->contains("crit")) return refused("the JWT header has a \"crit\" parameter");
  auto kid_it = header->find("kid");
  if (kid_it != header->end() && !kid_it->is_string())
    return refused("the JWT header's \"kid\" is not a string");
  const bool has_kid = kid_it != header->end();
  const std::string kid = has_kid ? kid_it->get<std::string>() : "";

  auto signature = base64url_decode(signature_b64);
  if (!signature || signature->empty()) return refused("the JWT signature is not base64url");
  auto payload = decode_part(payload_b64, "payload", &error);
  if (!payload) return refused(error);

  // The signature first: nothing below is read from a token that is not the issuer's.
  auto keys = keys_ ? keys_->current() : nullptr;
  if (!keys) return refused("no JWKS loaded");
  const auto candidates = keys->candidates(kid, has_kid, alg);
  if (candidates.empty()) {
    if (has_kid) keys_->key_not_found(kid);
    return refused(has_kid ? "no key with kid '" + printable(kid) + "' for " + alg + " in the JWKS"
                           : "no key for " + alg + " in the JWKS");
  }
  const std::string_view signing_input = token.substr(0, dot2);
  const bool verified = std::any_of(candidates.begin(), candidates.end(), [&](const auto* k) {
    return verify_signature(*k, alg, signing_input, *signature);
  });
  if (!verified) return refused("the JWT signature does not verify (" + alg + ")");

  const json& claims = *payload;
  const int64_t now_s = now_ms / 1000;
  const int64_t skew = config_.clock_skew_seconds;
  const DateClaim exp = date_claim(claims, "exp");
  const DateClaim iat = date_claim(claims, "iat");
  const DateClaim nbf = date_claim(claims, "nbf");
  for (const auto* d : {&exp, &iat, &nbf})
    if (!d->error.empty()) return refused(d->error);
  if (!exp.seconds) return refused("the token has no 'exp' claim");
  if (!iat.seconds) return refused("the token has no 'iat' claim");
  if (now_s >= *exp.seconds + skew) {
    return refused("the token expired at " + std::to_string(*exp.seconds) + " (now " +
                   std::to_string(now_s) + ", clock skew " + std::to_string(skew) + " s)");
  }
  if (nbf.seconds && now_s + skew < *nbf.seconds) {
    return refused("the token is not valid before " + std::to_string(*nbf.seconds) + " (now " +
                   std::to_string(now_s) + ")");
  }
  if (*exp.seconds < 0 || *iat.seconds < 0) return refused("'exp' or 'iat' is negative");

  auto iss_it = claims.find("iss");
  if (iss_it != claims.end() && !iss_it->is_string())
    return refused("the 'iss' claim is not a string");
  if (config_.expected_issuer) {
    if (iss_it == claims.end())
      return refused("the token has no 'iss' claim; expected " + *config_.expected_issuer);
    if (iss_it->get<std::string>() != *config_.expected_issuer) {
      return refused("issuer '" + printable(iss_it->get<std::string>()) +
                     "' is not the expected '" + *config_.expected_issuer + "'");
    }
  }

  std::vector<std::string> audiences;
  const bool has_aud = claims.contains("aud");
  if (has_aud) {
    const json& aud = claims["aud"];
    if (aud.is_string()) {
      audiences.push_back(aud.get<std::string>());
    } else if (aud.is_array()) {
      for (const auto& a : aud) {
        if (!a.is_string()) return refused("the 'aud' claim holds a non-string");
        audiences.push_back(a.get<std::string>());
      }
    } else {
      return refused("the 'aud' claim is neither a string nor an array");
    }
  }
  if (has_aud || !config_.expected_audiences.empty()) {
    if (!has_aud) return refused("the token has no 'aud' claim");
    const bool match = std::any_of(audiences.begin(), audiences.end(), [&](const auto& a) {
      return std::find(config_.expected_audiences.begin(), config_.expected_audiences.end(), a) !=
             config_.expected_audiences.end();
    });
    if (!match) {
      return refused("audience " + joined(audiences) + " names none of the expected " +
                     joined(config_.expected_audiences));
    }
  }

  if (auto sub = claims.find("sub"); sub != claims.end() && !sub->is_string())
    return refused("the 'sub' claim is not a string");
  auto principal_it = claims.find(config_.sub_claim);
  if (principal_it == claims.end())
    return refused("the token has no '" + config_.sub_claim + "' claim");
  if (!principal_it->is_string())
    return refused("the '" + config_.sub_claim + "' claim is not a string");
  const std::string principal = java_trim(principal_it->get<std::string>());
  if (principal.empty()) return refused("the '" + config_.sub_claim + "' claim is blank");

  ValidatedToken out;
  if (auto scope = claims.find(config_.scope_claim); scope != claims.end()) {
    std::vector<std::string> raw;
    if (scope->is_string()) {
      // As Kafka: a string is one scope, not split on spaces.
      raw.push_back(scope->get<std::string>());
    } else if (scope->is_array()) {
      for (const auto& s : *scope) {
        if (!s.is_string())
          return refused("the '" + config_.scope_claim + "' claim holds a non-string");
        raw.push_back(s.get<std::string>());
      }
    }
    std::set<std::string> seen;
    for (const auto& s : raw) {
      std::string trimmed = java_trim(s);
      if (trimmed.empty())
        return refused("the '" + config_.scope_claim + "' claim holds a blank scope");
      if (!seen.insert(trimmed).second)
        return refused("the '" + config_.scope_claim + "' claim names '" + printable(trimmed) +
                       "' twice");
      out.scopes.push_back(std::move(trimmed));
    }
  }
  out.principal = principal;
  out.expiry_ms = *exp.seconds * 1000;
  out.issued_at_ms = *iat.seconds * 1000;
  JwtResult r;
  r.token = std::move(out);
  return r;
}

}  // namespace samsa::security::oauth
