#include "security/sasl/scram_server.h"

#include <cctype>

#include "security/sasl/scram_crypto.h"

namespace samsa::security {
namespace {

// Kafka's ScramMessages grammar, character classes:
//   SASLNAME  ([\x01-\x7F] except '=' ',') | "=2C" | "=3D", one or more
//   VALUE     [\x01-\x7F] except ','
//   PRINTABLE [\x21-\x7E] except ','
bool value_char(unsigned char c) {
  return c >= 0x01 && c <= 0x7F && c != ',';
}
bool printable_char(unsigned char c) {
  return c >= 0x21 && c <= 0x7E && c != ',';
}

// Decodes a saslname (=2C -> ',', =3D -> '='); nullopt if it breaks the grammar.
std::optional<std::string> decode_saslname(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '=') {
      const auto code = s.substr(i + 1, 2);
      if (code == "2C") {
        out += ',';
      } else if (code == "3D") {
        out += '=';
      } else {
        return std::nullopt;
      }
      i += 2;
    } else if (c == ',' || c < 0x01 || c > 0x7F) {
      return std::nullopt;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

bool all_of(std::string_view s, bool (*pred)(unsigned char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(static_cast<unsigned char>(c))) return false;
  return true;
}

// `key=value` extension attribute: ALPHA+ '=' VALUE+.
bool is_extension(std::string_view attr, std::string_view* key, std::string_view* value) {
  const size_t eq = attr.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  for (size_t i = 0; i < eq; ++i)
    if (!std::isalpha(static_cast<unsigned char>(attr[i]))) return false;
  *key = attr.substr(0, eq);
  *value = attr.substr(eq + 1);
  return all_of(*value, value_char);
}

std::string random_nonce() {
  // 18 random bytes -> 24 base64 characters, none of them ','.
  return scram::base64_encode(scram::random_bytes(18));
}

// Kafka tells the client this for every SaslException (as opposed to SaslAuthenticationException,
// whose own message is passed on), so it does not say whether the user exists.
std::string generic_message(const std::string& mechanism) {
  return "Authentication failed during authentication due to invalid credentials with SASL "
         "mechanism " +
         mechanism;
}

}  // namespace

ScramServer::ScramServer(ScramMechanism mechanism, const CredentialStore* store,
                         std::function<std::string()> server_nonce)
    : mech_(mechanism),
      name_(scram::mechanism_name(mechanism)),
      store_(store),
      server_nonce_(server_nonce ? std::move(server_nonce) : random_nonce) {}

SaslStep ScramServer::fail(std::string reason, std::string client_message) {
  state_ = State::kDone;
  return SaslStep::failed(
      client_message.empty() ? generic_message(name_) : std::move(client_message),
      std::move(reason));
}

SaslStep ScramServer::evaluate(std::span<const uint8_t> client_token) {
  const std::string_view message(reinterpret_cast<const char*>(client_token.data()),
                                 client_token.size());
  switch (state_) {
    case State::kFirst:
      return client_first(message);
    case State::kFinal:
      return client_final(message);
    case State::kDone:
      break;
  }
  return fail("token after the SCRAM exchange ended");
}

SaslStep ScramServer::client_first(std::string_view message) {
  // gs2-header: "n," [ "a=" saslname ] ","  — 'y' and 'p=' (channel binding) are refused.
  if (message.substr(0, 2) != "n,") return fail("client-first: gs2 header is not 'n,'");
  const size_t header_end = message.find(',', 2);
  if (header_end == std::string_view::npos) return fail("client-first: no gs2 header end");
  const std::string_view authz_attr = message.substr(2, header_end - 2);
  std::string authzid;
  if (!authz_attr.empty()) {
    if (authz_attr.substr(0, 2) != "a=") return fail("client-first: bad authzid attribute");
    auto decoded = decode_saslname(authz_attr.substr(2));
    if (!decoded) return fail("client-first: bad authzid");
    authzid = std::move(*decoded);
  }
  gs2_header_ = std::string(message.substr(0, header_end + 1));
  client_first_bare_ = std::string(message.substr(header_end + 1));

  auto attrs = split_commas(client_first_bare_);
  size_t i = 0;
  if (i < attrs.size() && attrs[i].substr(0, 2) == "m=") ++i;  // reserved, ignored as Kafka does
  if (i + 1 >= attrs.size() || attrs[i].substr(0, 2) != "n=" || attrs[i + 1].substr(0, 2) != "r=")
    return fail("client-first: expected n= and r=");
  auto user = decode_saslname(attrs[i].substr(2));
  if (!user) return fail("client-first: bad user name");
  const std::string_view client_nonce = attrs[i + 1].substr(2);
  if (!all_of(client_nonce, printable_char)) return fail("client-first: bad nonce");
  bool token_auth = false;
  for (size_t j = i + 2; j < attrs.size(); ++j) {
    std::string_view key, value;
    if (!is_extension(attrs[j], &key, &value)) return fail("client-first: bad extension");
    // Kafka understands only tokenauth (delegation tokens, which we do not have yet).
    if (key == "tokenauth" && value == "true") token_auth = true;
  }
  user_ = std::move(*user);
  if (token_auth) return fail("delegation token authentication is not supported");
  // Kafka looks the credential up before anything else: an unknown user fails here, with the
  // same client message as a wrong password.
  std::optional<ScramCredential> credential;
  if (store_ != nullptr) credential = store_->scram(user_, mech_);
  if (!credential) return fail("unknown user or no " + name_ + " credential");
  if (!authzid.empty() && authzid != user_) {
    return fail("authzid differs from user",
                "Authentication failed: Client requested an authorization id that is different "
                "from username");
  }
  if (credential->iterations < kMinIterations) {
    return fail("credential has " + std::to_string(credential->iterations) +
                " iterations, fewer than the minimum " + std::to_string(kMinIterations));
  }
  credential_ = std::move(*credential);
  nonce_ = std::string(client_nonce) + server_nonce_();
  server_first_ = "r=" + nonce_ + ",s=" + scram::base64_encode(credential_.salt) +
                  ",i=" + std::to_string(credential_.iterations);
  state_ = State::kFinal;
  SaslStep step;
  step.status = SaslStep::Status::kContinue;
  step.challenge.assign(server_first_.begin(), server_first_.end());
  return step;
}

SaslStep ScramServer::client_final(std::string_view message) {
  // c=<base64 gs2 header>,r=<nonce>[,ext=value]*,p=<base64 proof>
  const size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail("client-final: no proof");
  const std::string_view without_proof = message.substr(0, proof_at);
  const auto attrs = split_commas(without_proof);
  if (attrs.size() < 2 || attrs[0].substr(0, 2) != "c=" || attrs[1].substr(0, 2) != "r=")
    return fail("client-final: expected c= and r=");
  const auto channel = scram::base64_decode(attrs[0].substr(2));
  if (!channel || std::string_view(reinterpret_cast<const char*>(channel->data()),
                                   channel->size()) != gs2_header_)
    return fail("client-final: channel binding does not match the gs2 header");
  const std::string_view nonce = attrs[1].substr(2);
  if (!all_of(nonce, printable_char)) return fail("client-final: bad nonce");
  for (size_t j = 2; j < attrs.size(); ++j) {
    std::string_view key, value;
    if (!is_extension(attrs[j], &key, &value)) return fail("client-final: bad extension");
  }
  // Kafka 3.8.1+: endsWith, so librdkafka's <cnonce><cnonce+snonce> still passes while the
  // server's fresh nonce is still bound.
  if (nonce.size() < nonce_.size() || nonce.substr(nonce.size() - nonce_.size()) != nonce_)
    return fail("client-final: nonce does not end with the server nonce");
  const auto proof = scram::base64_decode(message.substr(proof_at + 3));
  if (!proof) return fail("client-final: proof is not base64");

  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const auto client_signature =
      scram::hmac(mech_, credential_.stored_key, scram::as_bytes(auth_message));
  if (proof->size() != client_signature.size()) return fail("client-final: proof length");
  scram::Bytes client_key(proof->size());
  for (size_t k = 0; k < client_key.size(); ++k) client_key[k] = (*proof)[k] ^ client_signature[k];
  if (!scram::constant_time_equal(scram::hash(mech_, client_key), credential_.stored_key))
    return fail("invalid client proof");

  state_ = State::kDone;
  const std::string server_final =
      "v=" + scram::base64_encode(
                 scram::hmac(mech_, credential_.server_key, scram::as_bytes(auth_message)));
  SaslStep step;
  step.status = SaslStep::Status::kDone;
  step.challenge.assign(server_final.begin(), server_final.end());
  step.authorization_id = user_;
  return step;
}

}  // namespace samsa::security
