#pragma once
// Text encodings the REST faces need for record data: base64 (Confluent's BINARY type and header
// values), UTF-8 validity (browse shows a value as text only when it is text) and RFC 3339
// timestamps (produce's "timestamp", delivery reports).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace samsa::admin_http {

// Standard alphabet with padding.
std::string base64_encode(std::string_view bytes);
// Standard alphabet; padding optional, whitespace and other characters rejected.
std::optional<std::string> base64_decode(std::string_view text);

// Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// "2021-02-05T19:14:42Z", "...42.123Z", "...42+02:00" -> epoch milliseconds.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);
// Epoch milliseconds -> "2021-02-05T19:14:42.123Z".
std::string format_rfc3339_ms(int64_t ms);

}  // namespace samsa::admin_http
