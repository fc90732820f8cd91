#pragma once

// Java .properties parsing, as java.util.Properties.load reads it, except that bytes are taken as
// UTF-8 rather than ISO-8859-1 (\uXXXX escapes are encoded as UTF-8).

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace samsa::config {

// Config files are small; anything larger is a mistake or an attack, refused before reading.
inline constexpr std::size_t kMaxPropertiesFileBytes = 4 * 1024 * 1024;

// Later duplicates win. Throws ConfigError (key = offending key or "") on a malformed \u escape.
std::map<std::string, std::string> parse_properties(std::string_view text);

// Throws ConfigError if the file cannot be read or exceeds kMaxPropertiesFileBytes.
std::map<std::string, std::string> parse_properties_file(const std::filesystem::path& path);

}  // namespace samsa::config
