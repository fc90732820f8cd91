#include "security/sasl/bootstrap_credentials.h"

#include <openssl/crypto.h>

#include <fstream>
#include <stdexcept>

namespace samsa::security {
namespace {

[[noreturn]] void bad(const std::string& why) {
  throw std::invalid_argument(why);
}

int32_t parse_iterations(std::string_view v) {
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string_view::npos) {
    bad("iterations must be a number");
  }
  const int32_t n = std::stoi(std::string(v));
  if (n < kScramMinIterations) bad("Too few iterations (minimum 4096)");
  if (n > kScramMaxIterations) bad("Too many iterations (maximum 16384)");
  return n;
}

Bytes parse_base64(std::string_view key, std::string_view v) {
  auto b = base64_decode(v);
  if (!b || b->empty()) bad(std::string(key) + " must be non-empty base64");
  return *b;
}

}  // namespace

BootstrapCredential parse_bootstrap_credential(std::string_view spec) {
  BootstrapCredential out;
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) bad("expected MECHANISM=[name=...,password=...]");
  out.mechanism = scram_mechanism_from_name(spec.substr(0, eq));
  if (out.mechanism == ScramMechanism::kUnknown) {
    bad("unknown SCRAM mechanism '" + std::string(spec.substr(0, eq)) +
        "' (SCRAM-SHA-256 or SCRAM-SHA-512)");
  }
  std::string_view body = spec.substr(eq + 1);
  if (body.size() < 2 || body.front() != '[' || body.back() != ']') {
    bad("the credential must be in brackets: MECHANISM=[name=...,password=...]");
  }
  body = body.substr(1, body.size() - 2);
  bool seen_iterations = false;
  size_t pos = 0;
  while (pos < body.size()) {
    const auto keq = body.find('=', pos);
    if (keq == std::string_view::npos) bad("expected key=value in the credential");
    const std::string key(body.substr(pos, keq - pos));
    std::string value;
    pos = keq + 1;
    if (pos < body.size() && body[pos] == '"') {
      const auto close = body.find('"', pos + 1);
      if (close == std::string_view::npos) bad("unterminated quoted value for " + key);
      value = body.substr(pos + 1, close - pos - 1);
      pos = close + 1;
      if (pos < body.size() && body[pos] != ',') bad("expected , after the quoted " + key);
    } else {
      const auto comma = body.find(',', pos);
      const auto end = comma == std::string_view::npos ? body.size() : comma;
      value = body.substr(pos, end - pos);
      pos = end;
    }
    if (pos < body.size()) ++pos;  // the comma
    if (key == "name") {
      if (value.empty()) bad("name must not be empty");
      out.name = value;
    } else if (key == "password") {
      out.password = value;
    } else if (key == "saltedpassword") {
      out.salted_password = parse_base64(key, value);
    } else if (key == "salt") {
      out.salt = parse_base64(key, value);
    } else if (key == "iterations") {
      out.iterations = parse_iterations(value);
      seen_iterations = true;
    } else {
      bad("unknown key '" + key + "' (name, password, iterations, salt, saltedpassword)");
    }
  }
  if (out.name.empty()) bad("name= is required");
  if (out.password.has_value() == out.salted_password.has_value()) {
    bad("exactly one of password= and saltedpassword= is required");
  }
  if (out.salted_password && (!out.salt || !seen_iterations)) {
    bad("saltedpassword= needs salt= and iterations=");
  }
  return out;
}

std::vector<BootstrapCredential> read_bootstrap_credentials(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<BootstrapCredential> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    try {
      out.push_back(parse_bootstrap_credential(std::string_view(line).substr(start)));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file.string() + " line " + std::to_string(number) + ": " +
                                  e.what());
    }
    OPENSSL_cleanse(line.data(), line.size());
  }
  return out;
}

cluster::UserScramCredentialRecord bootstrap_record(const BootstrapCredential& c) {
  ScramCredential derived =
      c.password ? make_scram_credential(c.mechanism, *c.password, c.iterations, c.salt)
                 : scram_credential_from_salted_password(c.mechanism, *c.salt, *c.salted_password,
                                                         c.iterations);
  cluster::UserScramCredentialRecord r;
  r.name = c.name;
  r.mechanism = static_cast<int8_t>(c.mechanism);
  r.credential.salt = std::move(derived.salt);
  r.credential.stored_key = std::move(derived.stored_key);
  r.credential.server_key = std::move(derived.server_key);
  r.credential.iterations = c.iterations;
  return r;
}

bool bootstrap_applied(const cluster::MetadataImage& image, const BootstrapCredential& c) {
  const auto* stored = image.scram_credential(c.name, static_cast<int8_t>(c.mechanism));
  if (stored == nullptr || stored->iterations != c.iterations) return false;
  if (c.salt && *c.salt != stored->salt) return false;
  ScramCredential have{stored->salt, stored->stored_key, stored->server_key, stored->iterations};
  if (c.password) return scram_password_matches(c.mechanism, have, *c.password);
  const auto again = scram_credential_from_salted_password(c.mechanism, stored->salt,
                                                           *c.salted_password, c.iterations);
  return again.stored_key.size() == have.stored_key.size() &&
         CRYPTO_memcmp(again.stored_key.data(), have.stored_key.data(), have.stored_key.size()) ==
             0;
}

}  // namespace samsa::security
