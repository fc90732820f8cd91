#pragma once
// Strict parsing of numbers from paths, query strings and JSON: the whole text must be a number in
// range ("1x", "", " 1" and overflow are rejected), so a typo is a 400, never a silent 0.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace samsa::admin_http {

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace samsa::admin_http
