// Renders the configuration reference from the tables, so docs never drift from the code.

#include <fmt/format.h>

#include <limits>

#include "config/broker_config.h"

namespace samsa::config {

namespace {

// Keeps a table cell on one row: pipes would split the cell, newlines the row.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string default_cell(const ConfigDef& def) {
  if (!def.default_value) return "(none)";
  if (def.sensitive()) return "(hidden)";
  if (def.default_value->empty()) return "\"\"";
  if (*def.default_value == std::to_string(std::numeric_limits<int64_t>::max())) {
    return "`" + *def.default_value + "` (Long.MAX_VALUE)";
  }
  if (*def.default_value == std::to_string(std::numeric_limits<int32_t>::max())) {
    return "`" + *def.default_value + "` (Integer.MAX_VALUE)";
  }
  return "`" + cell(*def.default_value) + "`";
}

std::string join_names(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", `" : "`") + v[i] + "`";
  return out;
}

void render_table(std::string& out, const std::vector<ConfigDef>& defs, bool topic) {
  if (topic) {
    out += "| Name | Type | Default | Valid values | Broker default from | Description |\n";
    out += "|---|---|---|---|---|---|\n";
  } else {
    out += "| Name | Type | Default | Valid values | Update mode | Importance | Description |\n";
    out += "|---|---|---|---|---|---|---|\n";
  }
  for (const auto& d : defs) {
    std::string valid = d.validator.describe();
    if (d.type == Type::kBoolean) valid = "true, false";
    if (topic) {
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", d.name, type_name(d.type),
                         default_cell(d), cell(valid), join_names(d.synonyms), cell(d.doc));
    } else {
      std::string doc = d.doc;
      if (!d.synonyms.empty()) doc += " Lower-precedence synonyms: " + join_names(d.synonyms) + ".";
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", d.name, type_name(d.type),
                         default_cell(d), cell(valid), dynamic_scope_name(d.dynamic),
                         importance_name(d.importance), cell(doc));
    }
  }
}

}  // namespace

std::string render_markdown_reference() {
  std::string out;
  out += "# Samsa configuration reference\n\n";
  out +=
      "Generated from the configuration table in `config/` by `samsa-config-docs`; do not edit "
      "by hand.\n\n";
  out +=
      "Broker settings are read from `broker.properties` (Java properties format) and "
      "`--override key=value`. A bad value stops the broker at startup, naming the key. "
      "Unknown keys are logged and ignored.\n\n";
  out +=
      "Update mode: `read-only` needs a restart; `per-broker` may be changed for one broker "
      "at runtime; `cluster-wide` may be changed for all brokers at runtime.\n\n";
  out += "## Broker configuration\n\n";
  render_table(out, broker_config_defs(), false);
  out += "\n## Topic configuration\n\n";
  out +=
      "Set per topic at creation or later with AlterConfigs. A topic without an override takes "
      "the broker setting in \"Broker default from\", the first one that is set (hours and "
      "minutes are converted to milliseconds), else the default shown.\n\n";
  render_table(out, topic_config_defs(), true);
  return out;
}

}  // namespace samsa::config
