#include "request_builders.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "cli_error.h"
#include "rest_client.h"

namespace samsa::ctl {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw CliError(ExitCode::kUsage, message);
}

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t v = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool looks_like_date(const std::string& text) {
  return text.size() >= 10 && std::isdigit(static_cast<unsigned char>(text[0])) && text[4] == '-' &&
         text[7] == '-';
}

}  // namespace

KeyValues parse_key_values(const std::vector<std::string>& items, const std::string& what) {
  KeyValues out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      usage(what + ": expected key=value, got '" + item + "'");
    }
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += (out.empty() ? "?" : "&") + url_encode(key) + "=" + url_encode(value);
  }
  return out;
}

nlohmann::json create_topic_body(const std::string& name, int partitions, int replicas,
                                 const KeyValues& configs, bool dry_run) {
  nlohmann::json body{{"topic_name", name}};
  if (partitions > 0) body["partitions_count"] = partitions;
  if (replicas > 0) body["replication_factor"] = replicas;
  auto list = nlohmann::json::array();
  for (const auto& [k, v] : configs) list.push_back({{"name", k}, {"value", v}});
  if (!list.empty()) body["configs"] = list;
  if (dry_run) body["validate_only"] = true;
  return body;
}

nlohmann::json alter_configs_body(const KeyValues& sets, const std::vector<std::string>& deletes) {
  auto data = nlohmann::json::array();
  for (const auto& [k, v] : sets) data.push_back({{"name", k}, {"value", v}, {"operation", "SET"}});
  for (const auto& k : deletes) data.push_back({{"name", k}, {"operation", "DELETE"}});
  if (data.empty()) usage("nothing to change: give --set key=value or --delete key");
  return {{"data", data}};
}

nlohmann::json seek_body(const std::string& to, const std::vector<std::string>& topics,
                         bool dry_run) {
  nlohmann::json body{{"dry_run", dry_run}};
  if (to == "start" || to == "earliest") {
    body["to"] = "earliest";
  } else if (to == "end" || to == "latest") {
    body["to"] = "latest";
  } else if (!to.empty() && (to[0] == '+' || to[0] == '-')) {
    auto n = parse_int(to);
    if (!n) usage("--to " + to + ": a shift is +N or -N");
    body["to"] = "shift_by";
    body["shift_by"] = *n;
  } else if (!to.empty() && to[0] == '@') {
    auto ms = parse_int(to.substr(1));
    if (!ms || *ms < 0) usage("--to " + to + ": a timestamp is @EPOCH_MILLISECONDS");
    body["to"] = "timestamp";
    body["timestamp"] = *ms;
  } else if (looks_like_date(to)) {
    body["to"] = "timestamp";
    body["timestamp"] = to;  // RFC 3339; the broker parses it
  } else if (auto n = parse_int(to); n && *n >= 0) {
    body["to"] = "offset";
    body["offset"] = *n;
  } else {
    usage("--to " + to + ": expected start, end, an offset, +N/-N, @EPOCH_MS or an RFC 3339 time");
  }
  if (!topics.empty()) {
    auto list = nlohmann::json::array();
    for (const auto& spec : topics) {
      const auto colon = spec.find(':');
      nlohmann::json entry{{"topic", spec.substr(0, colon)}};
      if (entry["topic"].get<std::string>().empty()) usage("--topics: empty topic name");
      if (colon != std::string::npos) {
        auto parts = nlohmann::json::array();
        std::string rest = spec.substr(colon + 1);
        size_t pos = 0;
        while (pos <= rest.size()) {
          const auto comma = std::min(rest.find(',', pos), rest.size());
          auto p = parse_int(rest.substr(pos, comma - pos));
          if (!p || *p < 0) usage("--topics " + spec + ": partitions are topic:0,1,2");
          parts.push_back(*p);
          pos = comma + 1;
        }
        entry["partitions"] = parts;
      }
      list.push_back(entry);
    }
    body["topics"] = list;
  }
  return body;
}

StartOffset parse_start_offset(const std::string& text) {
  StartOffset s;
  if (text == "start" || text == "oldest" || text == "beginning") {
    s.kind = StartOffset::Kind::kStart;
  } else if (text == "end" || text == "newest") {
    s.kind = StartOffset::Kind::kEnd;
  } else if (!text.empty() && text[0] == '@') {
    auto ms = parse_int(text.substr(1));
    if (!ms || *ms < 0) usage("--offset " + text + ": a timestamp is @EPOCH_MILLISECONDS");
    s.kind = StartOffset::Kind::kTimestamp;
    s.value = *ms;
  } else if (auto n = parse_int(text); n && *n >= 0 && text[0] != '+') {
    s.kind = StartOffset::Kind::kOffset;
    s.value = *n;
  } else {
    usage("--offset " + text + ": expected start, end, an offset or @EPOCH_MS");
  }
  return s;
}

std::string normalize_principal(const std::string& p) {
  if (p.find(':') != std::string::npos) return p;
  return "User:" + p;
}

std::string normalize_enum(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '-' || c == ' ') {
      out.push_back('_');
    } else if (std::isupper(static_cast<unsigned char>(c)) && i > 0 &&
               std::islower(static_cast<unsigned char>(text[i - 1]))) {
      out.push_back('_');  // CamelCase -> CAMEL_CASE
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

namespace {

struct AclResource {
  std::string type;
  std::string name;
};

std::vector<AclResource> resources_of(const AclFlags& f) {
  std::vector<AclResource> out;
  for (const auto& t : f.topics) out.push_back({"TOPIC", t});
  for (const auto& g : f.groups) out.push_back({"GROUP", g});
  for (const auto& t : f.transactional_ids) out.push_back({"TRANSACTIONAL_ID", t});
  if (f.cluster) out.push_back({"CLUSTER", "kafka-cluster"});
  return out;
}

struct AclPrincipal {
  std::string principal;
  std::string permission;
  std::vector<std::string> hosts;
};

std::vector<AclPrincipal> principals_of(const AclFlags& f, const std::string& default_host) {
  std::vector<AclPrincipal> out;
  auto hosts = [&](const std::vector<std::string>& given) {
    return given.empty() ? std::vector<std::string>{default_host} : given;
  };
  for (const auto& p : f.allow_principals)
    out.push_back({normalize_principal(p), "ALLOW", hosts(f.allow_hosts)});
  for (const auto& p : f.deny_principals)
    out.push_back({normalize_principal(p), "DENY", hosts(f.deny_hosts)});
  return out;
}

std::string pattern_of(const AclFlags& f) {
  const std::string p = normalize_enum(f.pattern);
  if (p != "LITERAL" && p != "PREFIXED" && p != "ANY" && p != "MATCH") {
    usage("--resource-pattern-type " + f.pattern + ": expected literal, prefixed, any or match");
  }
  return p;
}

}  // namespace

std::vector<nlohmann::json> acl_create_entries(const AclFlags& flags) {
  const auto principals = principals_of(flags, "*");
  const auto resources = resources_of(flags);
  if (principals.empty()) usage("give at least one --allow-principal or --deny-principal");
  if (flags.operations.empty()) usage("give at least one --operation");
  if (resources.empty())
    usage("give a resource: --topic, --group, --transactional-id or --cluster");
  const std::string pattern = pattern_of(flags);
  if (pattern != "LITERAL" && pattern != "PREFIXED") {
    usage("ACLs are created with --resource-pattern-type literal or prefixed");
  }
  std::vector<nlohmann::json> out;
  for (const auto& p : principals) {
    for (const auto& host : p.hosts) {
      for (const auto& op : flags.operations) {
        for (const auto& r : resources) {
          out.push_back({{"resource_type", r.type},
                         {"resource_name", r.name},
                         {"pattern_type", pattern},
                         {"principal", p.principal},
                         {"host", host},
                         {"operation", normalize_enum(op)},
                         {"permission", p.permission}});
        }
      }
    }
  }
  return out;
}

std::vector<std::vector<std::pair<std::string, std::string>>> acl_filters(const AclFlags& flags,
                                                                          bool for_delete) {
  const std::string any = for_delete ? "ANY" : "";
  auto principals = principals_of(flags, "");
  if (principals.empty()) principals.push_back({"", any, {""}});
  auto resources = resources_of(flags);
  if (resources.empty()) resources.push_back({any, ""});
  std::vector<std::string> ops;
  for (const auto& op : flags.operations) ops.push_back(normalize_enum(op));
  if (ops.empty()) ops.push_back(any);
  // An omitted pattern filter means "any" when filtering, unlike creation's literal default.
  const std::string pattern = flags.pattern.empty() ? any : pattern_of(flags);
  std::vector<std::vector<std::pair<std::string, std::string>>> out;
  for (const auto& p : principals) {
    for (const auto& host : p.hosts) {
      for (const auto& r : resources) {
        for (const auto& op : ops) {
          out.push_back({{"resource_type", r.type},
                         {"resource_name", r.name},
                         {"pattern_type", pattern},
                         {"principal", p.principal},
                         {"host", host},
                         {"operation", op},
                         {"permission", p.permission}});
        }
      }
    }
  }
  return out;
}

}  // namespace samsa::ctl
