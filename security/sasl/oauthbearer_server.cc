#include "security/sasl/oauthbearer_server.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <string_view>

namespace samsa::security {
namespace {

constexpr char kSeparator = '\x01';
// What Kafka tells the client when the SASL layer throws a plain SaslException.
constexpr const char* kGenericFailure =
    "Authentication failed during authentication due to invalid credentials with SASL mechanism "
    "OAUTHBEARER";

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_word(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}
// RFC 7628 / Kafka: value = 1*(%x21-7E / SP / HTAB / CR / LF)
bool is_value_char(char c) {
  return (c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
// RFC 6750 b64token as Kafka's pattern has it: [-_.a-zA-Z0-9]+ (no '+', '/', '=', '~').
bool is_token_char(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// saslname = 1*(%x01-7F except '=' and ',' / "=2C" / "=3D"); consumed up to the next ','.
bool parse_saslname(std::string_view& in, std::string* out) {
  size_t i = 0;
  while (i < in.size() && in[i] != ',') {
    const char c = in[i];
    if (c == '=') {
      if (in.substr(i, 3) != "=2C" && in.substr(i, 3) != "=3D") return false;
      i += 3;
    } else if (static_cast<unsigned char>(c) >= 0x01 && static_cast<unsigned char>(c) <= 0x7f) {
      ++i;
    } else {
      return false;
    }
  }
  if (i == 0) return false;
  *out = std::string(in.substr(0, i));
  in.remove_prefix(i);
  return true;
}

}  // namespace

std::optional<OAuthBearerInitialResponse> parse_oauthbearer_initial_response(
    std::span<const uint8_t> message, std::string* error) {
  std::string_view in(reinterpret_cast<const char*>(message.data()), message.size());
  auto bad = [&](const char* why) -> std::optional<OAuthBearerInitialResponse> {
    *error = std::string("Invalid OAUTHBEARER client first message: ") + why;
    return std::nullopt;
  };
  OAuthBearerInitialResponse out;
  // gs2 header: "n," [ "a=" saslname ] ","; no channel binding ('p=' / 'y') is accepted.
  if (!in.starts_with("n,")) return bad("the gs2 header is not n,");
  in.remove_prefix(2);
  if (in.starts_with("a=")) {
    in.remove_prefix(2);
    if (!parse_saslname(in, &out.authorization_id)) return bad("bad authzid");
  }
  if (!in.starts_with(",")) return bad("the gs2 header does not end with ,");
  in.remove_prefix(1);
  if (!in.starts_with(kSeparator)) return bad("no ^A after the gs2 header");
  in.remove_prefix(1);
  std::map<std::string, std::string, std::less<>> pairs;
  // kvpairs, each key=value^A, then the closing ^A.
  while (!in.empty() && in.front() != kSeparator) {
    size_t k = 0;
    while (k < in.size() && is_alpha(in[k])) ++k;
    if (k == 0 || k >= in.size() || in[k] != '=') return bad("bad key in a key=value pair");
    size_t v = k + 1;
    while (v < in.size() && is_value_char(in[v])) ++v;
    if (v == k + 1 || v >= in.size() || in[v] != kSeparator) return bad("bad key=value pair");
    // Utils.parseMap: a key given twice keeps its last value.
    pairs[std::string(in.substr(0, k))] = std::string(in.substr(k + 1, v - k - 1));
    in.remove_prefix(v + 1);
  }
  if (in.size() != 1) return bad("no closing ^A, or bytes after it");
  auto auth = pairs.find("auth");
  if (auth == pairs.end()) return bad("'auth' not specified");
  // auth = scheme 1*SP token, scheme matched case-insensitively against "Bearer".
  const std::string_view value = auth->second;
  size_t s = 0;
  while (s < value.size() && is_word(value[s])) ++s;
  size_t t = s;
  while (t < value.size() && value[t] == ' ') ++t;
  if (s == 0 || t == s || t == value.size()) return bad("invalid 'auth' format");
  for (size_t i = t; i < value.size(); ++i)
    if (!is_token_char(value[i])) return bad("invalid 'auth' format");
  std::string scheme(value.substr(0, s));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer") return bad("the auth scheme is not Bearer");
  out.token = std::string(value.substr(t));
  return out;
}

OAuthBearerServer::OAuthBearerServer(std::shared_ptr<const oauth::JwtValidator> validator,
                                     Clock clock)
    : validator_(std::move(validator)), clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

SaslStep OAuthBearerServer::evaluate(std::span<const uint8_t> client_token) {
  if (finished_)
    return SaslStep::failed(kGenericFailure, "OAUTHBEARER token after the exchange ended");
  if (error_json_ && client_token.size() == 1 && client_token[0] == kSeparator) {
    // The client acknowledged our error challenge: the exchange fails with that JSON as the
    // message, as Kafka's SaslAuthenticationException(errorMessage) does.
    finished_ = true;
    return SaslStep::failed(*error_json_, error_reason_);
  }
  // Anything else after an error challenge is a new first message (Kafka clears the error).
  error_json_.reset();
  std::string parse_error;
  auto response = parse_oauthbearer_initial_response(client_token, &parse_error);
  if (!response) {
    finished_ = true;
    return SaslStep::failed(kGenericFailure, parse_error);
  }
  if (!validator_) {
    finished_ = true;
    return SaslStep::failed(kGenericFailure,
                            "no OAUTHBEARER validator configured on this listener");
  }
  auto result = validator_->validate(response->token, clock_());
  if (!result.token) {
    error_json_ = kInvalidTokenChallenge;
    error_reason_ = "invalid token: " + result.error;
    // Logged here too, as Kafka's callback handler does: a client that hangs up instead of
    // answering the challenge leaves no other trace.
    spdlog::info("OAUTHBEARER token refused: {}", result.error);
    SaslStep step;
    step.status = SaslStep::Status::kContinue;
    step.challenge.assign(error_json_->begin(), error_json_->end());
    return step;
  }
  finished_ = true;
  const std::string& principal = result.token->principal;
  if (!response->authorization_id.empty() && response->authorization_id != principal) {
    return SaslStep::failed("Authentication failed: Client requested an authorization id (" +
                                oauth::printable(response->authorization_id) +
                                ") that is different from the token's principal name (" +
                                principal + ")",
                            "authzid " + oauth::printable(response->authorization_id) +
                                " is not the token's principal " + oauth::printable(principal));
  }
  SaslStep step;
  step.status = SaslStep::Status::kDone;
  step.authorization_id = principal;
  step.credential_expiry_ms = result.token->expiry_ms;
  return step;
}

}  // namespace samsa::security
