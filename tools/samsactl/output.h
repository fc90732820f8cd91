// How results reach the user: aligned tables for people (the default), JSON or YAML for scripts.
// Commands build one JSON document for the machine formats and a table (or text) from the same
// data, so the two can never disagree about what was found.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace samsa::ctl {

enum class OutputFormat { kTable, kJson, kYaml };

// "table" / "text", "json", "yaml" (or "yml"); throws CliError(kUsage) otherwise.
OutputFormat parse_output_format(const std::string& name);

// rpk's table style: upper-case headers, columns padded to the widest cell and separated by two
// spaces, no borders, so `awk '{print $1}'` works on it.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// A JSON value as a table cell: strings bare, null empty, arrays joined with commas.
std::string cell(const nlohmann::json& v);

// Block-style YAML for a JSON tree; strings that YAML would read as something else (numbers,
// booleans, null, empty, leading/trailing spaces, special characters) are double-quoted.
std::string to_yaml(const nlohmann::json& v);

// Prints `doc` as JSON or YAML, or `table_text` for the table format.
void emit(std::ostream& out, OutputFormat format, const nlohmann::json& doc,
          const std::string& table_text);

}  // namespace samsa::ctl
