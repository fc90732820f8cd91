#include "admin-http/router.h"

#include <stdexcept>

namespace samsa::admin_http {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// A parameter segment may carry a literal suffix ("{topic_name}" matches "t1", and the literal
// segment "configs:alter" must not be taken as a parameter value).
bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                    std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      params[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(const std::string& method, const std::string& pattern, RouteHandler handler,
                 RouteOptions options) {
  if (options.access.kind == Access::Kind::kUnset) {
    throw std::logic_error("admin route " + method + " " + pattern + " states no access rule");
  }
  routes_.push_back(Route{method, pattern, split_path(pattern), std::move(handler), options});
}

void Router::add_v3(const std::string& method, const std::string& pattern, RouteHandler handler,
                    RouteOptions options) {
  add(method, "/v3" + pattern, handler, options);
  add(method, "/kafka/v3" + pattern, std::move(handler), options);
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match out;
  const auto segments = split_path(path);
  // Literal segments win over parameters: try routes with fewer parameters first.
  const Route* best = nullptr;
  size_t best_params = SIZE_MAX;
  std::map<std::string, std::string> best_values;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> values;
    if (!match_segments(r.segments, segments, values)) continue;
    if (r.method != method) {
      out.path_known = true;
      continue;
    }
    if (values.size() < best_params) {
      best = &r;
      best_params = values.size();
      best_values = std::move(values);
    }
  }
  if (best) {
    out.handler = &best->handler;
    out.options = best->options;
    out.params = std::move(best_values);
    out.pattern = best->pattern;
  }
  return out;
}

}  // namespace samsa::admin_http
