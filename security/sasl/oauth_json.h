#pragma once
// Strict JSON for the OAUTHBEARER code: JWT headers and claim sets, and JWKS documents, come from
// outside. As jose4j (Kafka's JWT library) does, an object naming a key twice is rejected, so a
// claim cannot mean one thing to an issuer and another to us; nesting is bounded so that a hostile
// token cannot cost deep recursion.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::security::oauth {

namespace detail {

// A SAX pass that only checks: depth and duplicate keys.
class StrictJsonCheck : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit StrictJsonCheck(size_t max_depth) : max_depth_(max_depth) {}
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return push(); }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second) {
      problem = "duplicate key '" + k + "'";
      return false;
    }
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override { return push(); }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    problem = "not valid JSON";
    return false;
  }
  std::string problem;

 private:
  bool push() {
    if (keys_.size() >= max_depth_) {
      problem = "nested too deeply";
      return false;
    }
    keys_.emplace_back();
    return true;
  }
  bool pop() {
    keys_.pop_back();
    return true;
  }
  size_t max_depth_;
  std::vector<std::set<std::string>> keys_;
};

}  // namespace detail

// The parsed document, or nullopt with `problem` set.
inline std::optional<nlohmann::json> parse_strict_json(std::string_view text, size_t max_depth,
                                                       std::string* problem) {
  detail::StrictJsonCheck check(max_depth);
  if (!nlohmann::json::sax_parse(text, &check)) {
    if (problem != nullptr) *problem = check.problem.empty() ? "not valid JSON" : check.problem;
    return std::nullopt;
  }
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace samsa::security::oauth
