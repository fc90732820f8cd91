#pragma once
// Test helper: families rendered in the Prometheus text format, as /metrics serves them.
#include <string>
#include <vector>

#include "metrics/text_format.h"

namespace samsa::metrics::testing {

inline std::string render(const std::vector<prometheus::MetricFamily>& families) {
  return serialize_text(families);
}

// True when `text` has a line starting with `series` followed by a space and `value`.
inline bool has_sample(const std::string& text, const std::string& series,
                       const std::string& value) {
  return text.find("\n" + series + " " + value + "\n") != std::string::npos ||
         text.rfind(series + " " + value + "\n", 0) == 0;
}

}  // namespace samsa::metrics::testing
