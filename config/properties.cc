#include "config/properties.h"

#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <vector>

#include "config/config_def.h"

namespace samsa::config {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<uint32_t> hex4(std::string_view s) {
  if (s.size() < 4) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

// Resolves escapes in a key or value taken from one logical line. `line_no` is for messages.
std::string unescape(std::string_view s, int line_no) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      // A lone trailing backslash cannot remain after continuation handling except at EOF,
      // where Java drops it.
      if (c != '\\') out += c;
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        auto cp = hex4(s.substr(i + 1));
        if (!cp) throw ConfigError("", fmt::format("line {}: malformed \\uXXXX escape", line_no));
        i += 4;
        // Join a UTF-16 surrogate pair written as two escapes into one code point.
        if (*cp >= 0xD800 && *cp <= 0xDBFF && s.substr(i + 1, 2) == "\\u") {
          auto low = hex4(s.substr(i + 3));
          if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
            i += 6;
          }
        }
        if (*cp >= 0xD800 && *cp <= 0xDFFF) *cp = 0xFFFD;  // unpaired surrogate
        append_utf8(out, *cp);
        break;
      }
      default:
        out += e;
        break;  // \\ \= \: \# \! \space and any other char stand for themselves
    }
  }
  return out;
}

// Splits the text into natural lines (\n, \r or \r\n), keeping their line numbers.
std::vector<std::string_view> natural_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

bool ends_with_odd_backslashes(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[s.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

}  // namespace

std::map<std::string, std::string> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  auto lines = natural_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    std::string_view first = lines[i];
    size_t p = 0;
    while (p < first.size() && is_blank(first[p])) ++p;
    if (p == first.size()) continue;
    if (first[p] == '#' || first[p] == '!') continue;  // comments never continue

    // Build the logical line: a trailing odd backslash joins the next line minus its indent.
    std::string logical(first.substr(p));
    while (ends_with_odd_backslashes(logical) && i + 1 < lines.size()) {
      logical.pop_back();
      std::string_view next = lines[++i];
      size_t q = 0;
      while (q < next.size() && is_blank(next[q])) ++q;
      logical.append(next.substr(q));
    }

    // The key ends at the first unescaped '=', ':' or blank.
    size_t k = 0;
    bool escaped = false;
    for (; k < logical.size(); ++k) {
      char c = logical[k];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '=' || c == ':' || is_blank(c)) {
        break;
      }
    }
    std::string_view rest = std::string_view(logical).substr(k);
    size_t v = 0;
    while (v < rest.size() && is_blank(rest[v])) ++v;
    if (v < rest.size() && (rest[v] == '=' || rest[v] == ':')) {
      ++v;
      while (v < rest.size() && is_blank(rest[v])) ++v;
    }
    std::string key = unescape(std::string_view(logical).substr(0, k), line_no);
    out[key] = unescape(rest.substr(v), line_no);
  }
  return out;
}

std::map<std::string, std::string> parse_properties_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    throw ConfigError("",
                      fmt::format("cannot read config file {}: {}", path.string(), ec.message()));
  }
  if (size > kMaxPropertiesFileBytes) {
    throw ConfigError("", fmt::format("config file {} is {} bytes; the limit is {}", path.string(),
                                      size, kMaxPropertiesFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("", fmt::format("cannot open config file {}", path.string()));
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  // The file may have changed since stat; use what was actually read, never more than the limit.
  text.resize(static_cast<size_t>(in.gcount()));
  try {
    return parse_properties(text);
  } catch (const ConfigError& e) {
    throw ConfigError(e.key, fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace samsa::config
