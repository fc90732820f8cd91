#include "record_format.h"

#include "cli_error.h"

namespace samsa::ctl {

std::string unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    switch (text[++i]) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '0':
        out.push_back('\0');
        break;
      case '\\':
        out.push_back('\\');
        break;
      default:
        out.push_back('\\');
        out.push_back(text[i]);
    }
  }
  return out;
}

namespace {

std::string headers_text(const ConsoleRecord& r) {
  std::string out;
  for (const auto& [k, v] : r.headers) {
    if (!out.empty()) out += ',';
    out += k + ":" + v.value_or("");
  }
  return out;
}

// Walks `format`, calling on_directive for each %x (after escapes were applied).
template <typename OnLiteral, typename OnDirective>
void walk_format(const std::string& format, OnLiteral on_literal, OnDirective on_directive) {
  const std::string f = unescape(format);
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      on_literal(f[i]);
      continue;
    }
    if (i + 1 == f.size()) throw CliError(ExitCode::kUsage, "format ends with a lone '%'");
    on_directive(f[++i]);
  }
}

}  // namespace

std::string render_record(const std::string& format, const ConsoleRecord& r) {
  std::string out;
  walk_format(
      format, [&](char c) { out.push_back(c); },
      [&](char d) {
        switch (d) {
          case 't':
            out += r.topic;
            break;
          case 'p':
            out += std::to_string(r.partition);
            break;
          case 'o':
            out += std::to_string(r.offset);
            break;
          case 'T':
            out += std::to_string(r.timestamp);
            break;
          case 'k':
            out += r.key.value_or("");
            break;
          case 'v':
            out += r.value.value_or("");
            break;
          case 'K':
            out += std::to_string(r.key ? static_cast<int64_t>(r.key->size()) : -1);
            break;
          case 'V':
            out += std::to_string(r.value ? static_cast<int64_t>(r.value->size()) : -1);
            break;
          case 'h':
            out += headers_text(r);
            break;
          case '%':
            out.push_back('%');
            break;
          default:
            throw CliError(ExitCode::kUsage, std::string("unknown format directive %") + d +
                                                 " (known: %t %p %o %T %k %v %K %V %h %%)");
        }
      });
  return out;
}

void validate_output_format(const std::string& format) {
  render_record(format, ConsoleRecord{});
}

nlohmann::json record_json(const ConsoleRecord& r) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
  };
  auto headers = nlohmann::json::array();
  for (const auto& [k, v] : r.headers) headers.push_back({{"key", k}, {"value", opt(v)}});
  return {{"topic", r.topic},         {"partition", r.partition}, {"offset", r.offset},
          {"timestamp", r.timestamp}, {"key", opt(r.key)},        {"value", opt(r.value)},
          {"headers", headers}};
}

InputFormat::InputFormat(const std::string& format) {
  walk_format(
      format,
      [&](char c) {
        if (tokens_.empty() || tokens_.back().field != 0) tokens_.push_back({});
        tokens_.back().literal.push_back(c);
      },
      [&](char d) {
        if (d == '%') {
          if (tokens_.empty() || tokens_.back().field != 0) tokens_.push_back({});
          tokens_.back().literal.push_back('%');
        } else if (d == 'k' || d == 'v') {
          if (!tokens_.empty() && tokens_.back().field != 0) {
            throw CliError(ExitCode::kUsage,
                           "input format: two fields need a separator between them");
          }
          tokens_.push_back({d, ""});
        } else {
          throw CliError(ExitCode::kUsage,
                         std::string("input format: only %k and %v can be read, not %") + d);
        }
      });
  bool has_value = false;
  for (const auto& t : tokens_) has_value = has_value || t.field == 'v';
  if (!has_value) throw CliError(ExitCode::kUsage, "input format needs %v");
}

std::optional<ConsoleRecord> InputFormat::parse(const std::string& line) const {
  ConsoleRecord r;
  size_t pos = 0;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const auto& t = tokens_[i];
    if (t.field == 0) {
      if (line.compare(pos, t.literal.size(), t.literal) != 0) return std::nullopt;
      pos += t.literal.size();
      continue;
    }
    size_t end = line.size();
    if (i + 1 < tokens_.size()) {
      end = line.find(tokens_[i + 1].literal, pos);
      if (end == std::string::npos) return std::nullopt;
    }
    (t.field == 'k' ? r.key : r.value) = line.substr(pos, end - pos);
    pos = end;
  }
  if (pos != line.size()) return std::nullopt;
  return r;
}

std::pair<std::string, std::string> parse_header(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw CliError(ExitCode::kUsage, "-H " + text + ": expected name:value");
  }
  return {text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace samsa::ctl
