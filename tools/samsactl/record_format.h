// The console producer's and consumer's record text: rpk/kcat-style format strings (%k %v ...)
// for output and a matching parser for input lines, plus the JSON form of a record. Pure, so
// the formats are unit-tested without a broker.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace samsa::ctl {

struct ConsoleRecord {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Output format: %t topic, %p partition, %o offset, %T timestamp (ms), %k key, %v value,
// %K key length, %V value length, %h headers (k:v,k2:v2), %% a percent sign; escapes \n \t \\ .
// Throws CliError(kUsage) for an unknown directive.
std::string render_record(const std::string& format, const ConsoleRecord& r);
void validate_output_format(const std::string& format);

// {"topic","partition","offset","timestamp","key","value","headers":[{"key","value"}]}; a null
// key or value stays null.
nlohmann::json record_json(const ConsoleRecord& r);

// Input format for the producer: literals, %k (key) and %v (value), e.g. "%k %v" or
// "%k\t%v"; each field reads up to the literal after it, the last one to the end of the record.
class InputFormat {
 public:
  explicit InputFormat(const std::string& format);  // throws CliError(kUsage)
  // nullopt when the line does not match (a literal is missing).
  std::optional<ConsoleRecord> parse(const std::string& line) const;

 private:
  struct Token {
    char field = 0;  // 'k', 'v', or 0 for a literal
    std::string literal;
  };
  std::vector<Token> tokens_;
};

// "name:value" (-H); the first ':' splits, a missing ':' is a usage error.
std::pair<std::string, std::string> parse_header(const std::string& text);

// "\n" -> newline etc. for --delimiter-like flags typed in a shell.
std::string unescape(const std::string& text);

}  // namespace samsa::ctl
