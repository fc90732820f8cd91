#include "metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace samsa::metrics {
namespace {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void append_number(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
void append_escaped(std::string& out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// name{labels[,extra_name="extra_value"]} — the braces are left out when there are no labels.
void append_series(std::string& out, const std::string& name, std::string_view suffix,
                   const std::vector<prometheus::ClientMetric::Label>& labels,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    append_escaped(out, l.value, true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

template <class V>
void append_sample(std::string& out, const std::string& name, std::string_view suffix,
                   const std::vector<prometheus::ClientMetric::Label>& labels, V value,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  append_series(out, name, suffix, labels, extra_name, extra_value);
  out += ' ';
  append_number(out, value);
  out += '\n';
}

const char* type_name(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Histogram:
      return "histogram";
    default:
      return "untyped";
  }
}

std::string number_text(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

}  // namespace

std::string serialize_text(const std::vector<prometheus::MetricFamily>& families) {
  size_t series = 0;
  for (const auto& f : families) series += f.metric.size();
  std::string out;
  out.reserve(series * 96 + families.size() * 128);
  for (const auto& f : families) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          append_sample(out, f.name, "", m.label, m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          append_sample(out, f.name, "", m.label, m.gauge.value);
          break;
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            append_sample(out, f.name, "", m.label, q.value, "quantile", number_text(q.quantile));
          }
          append_sample(out, f.name, "_sum", m.label, m.summary.sample_sum);
          append_sample(out, f.name, "_count", m.label, m.summary.sample_count);
          break;
        case prometheus::MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            append_sample(out, f.name, "_bucket", m.label, b.cumulative_count, "le",
                          number_text(b.upper_bound));
          }
          append_sample(out, f.name, "_sum", m.label, m.histogram.sample_sum);
          append_sample(out, f.name, "_count", m.label, m.histogram.sample_count);
          break;
        default:
          append_sample(out, f.name, "", m.label, m.untyped.value);
      }
    }
  }
  return out;
}

}  // namespace samsa::metrics
