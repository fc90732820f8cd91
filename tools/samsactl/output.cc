#include "output.h"

#include <algorithm>
#include <sstream>

#include "cli_error.h"

namespace samsa::ctl {

OutputFormat parse_output_format(const std::string& name) {
  if (name == "table" || name == "text") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml" || name == "yml") return OutputFormat::kYaml;
  throw CliError(ExitCode::kUsage, "unknown output format '" + name + "' (table, json or yaml)");
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {
  for (auto& h : headers_) std::transform(h.begin(), h.end(), h.begin(), ::toupper);
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<size_t> widths;
  for (const auto& h : headers_) widths.push_back(h.size());
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    // No trailing spaces, even when the last cells are empty.
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out.str();
}

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ",") + cell(e);
    return out;
  }
  return v.dump();
}

namespace {

bool needs_quotes(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return true;
  static const char* kReserved[] = {"true", "false", "yes",  "no",    "on",   "off",
                                    "null", "~",     "True", "False", "Yes",  "No",
                                    "On",   "Off",   "Null", "NULL",  "TRUE", "FALSE"};
  for (const char* r : kReserved) {
    if (s == r) return true;
  }
  // Anything a YAML reader could take for a number.
  if (s.find_first_not_of("0123456789+-.eE_xXoO") == std::string::npos) return true;
  if (std::string("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) return true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') return true;
  }
  return s.find(": ") != std::string::npos || s.find(" #") != std::string::npos;
}

std::string yaml_scalar(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    // A JSON string literal is a valid YAML double-quoted scalar.
    return needs_quotes(s)
               ? nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
               : s;
  }
  return v.dump();
}

bool is_empty_container(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void yaml_value(std::ostringstream& out, const nlohmann::json& v, int indent);

void yaml_entries(std::ostringstream& out, const nlohmann::json& v, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      out << pad << yaml_scalar(key) << ':';
      yaml_value(out, value, indent);
    }
  } else {
    for (const auto& value : v) {
      out << pad << '-';
      if (value.is_object() && !value.empty()) {
        // "- key: value" with the rest of the map aligned under the first key.
        std::ostringstream inner;
        yaml_entries(inner, value, indent + 2);
        out << ' ' << inner.str().substr(static_cast<size_t>(indent) + 2);
      } else {
        yaml_value(out, value, indent);
      }
    }
  }
}

// Writes what follows "key:" or "-": a scalar on the same line, a block on the next ones.
void yaml_value(std::ostringstream& out, const nlohmann::json& v, int indent) {
  if (is_empty_container(v)) {
    out << (v.is_object() ? " {}\n" : " []\n");
  } else if (v.is_object() || v.is_array()) {
    out << '\n';
    yaml_entries(out, v, indent + 2);
  } else {
    out << ' ' << yaml_scalar(v) << '\n';
  }
}

}  // namespace

std::string to_yaml(const nlohmann::json& v) {
  std::ostringstream out;
  if (is_empty_container(v)) return v.is_object() ? "{}\n" : "[]\n";
  if (v.is_object() || v.is_array()) {
    yaml_entries(out, v, 0);
  } else {
    out << yaml_scalar(v) << '\n';
  }
  return out.str();
}

void emit(std::ostream& out, OutputFormat format, const nlohmann::json& doc,
          const std::string& table_text) {
  switch (format) {
    case OutputFormat::kJson:
      out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      break;
    case OutputFormat::kYaml:
      out << to_yaml(doc);
      break;
    case OutputFormat::kTable:
      out << table_text;
      break;
  }
}

}  // namespace samsa::ctl
