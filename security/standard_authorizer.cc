#include "security/standard_authorizer.h"

#include <cctype>

#include "security/acl/acl_rules.h"

namespace samsa::security {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// An ALLOW for `granted` also allows `wanted` (ALL, and Kafka's implied DESCRIBE /
// DESCRIBE_CONFIGS). A DENY only ever denies what it names, or everything for ALL.
bool allow_grants(AclOperation granted, AclOperation wanted) {
  if (granted == AclOperation::kAll || granted == wanted) return true;
  if (wanted == AclOperation::kDescribe) {
    return granted == AclOperation::kRead || granted == AclOperation::kWrite ||
           granted == AclOperation::kDelete || granted == AclOperation::kAlter;
  }
  if (wanted == AclOperation::kDescribeConfigs) return granted == AclOperation::kAlterConfigs;
  return false;
}

}  // namespace

std::set<std::string> parse_super_users(std::string_view text) {
  std::set<std::string> out;
  while (!text.empty()) {
    const auto semi = text.find(';');
    auto part = trim(text.substr(0, semi));
    if (!part.empty()) out.emplace(part);
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return out;
}

StandardAuthorizer::StandardAuthorizer(AuthorizerOptions options)
    : options_(std::move(options)), index_(std::make_shared<const Index>()) {}

template <typename F>
void StandardAuthorizer::for_each_matching(const Index& index, ResourceType type,
                                           std::string_view name, F&& f) {
  const auto& m = index.by_resource;
  if (auto it = m.find(KeyView(type, PatternType::kLiteral, name)); it != m.end()) f(it->second);
  if (name != kWildcardResource) {
    auto it = m.find(KeyView(type, PatternType::kLiteral, kWildcardResource));
    if (it != m.end()) f(it->second);
  }
  // Every prefix of the name, the whole name included: one lookup per length keeps this
  // O(len * log n) whatever the number of PREFIXED ACLs.
  for (size_t len = 1; len <= name.size(); ++len) {
    auto it = m.find(KeyView(type, PatternType::kPrefixed, name.substr(0, len)));
    if (it != m.end()) f(it->second);
  }
}

bool StandardAuthorizer::entry_applies(const Entry& e, const std::string& principal,
                                       const Session& session) {
  if (e.principal != principal && e.principal != kWildcardPrincipal) return false;
  return e.host == kWildcardHost || e.host == session.client_host;
}

bool StandardAuthorizer::authorize(const Session& session, const Action& action) const {
  const std::string principal = session.principal.to_string();
  if (options_.super_users.count(principal) != 0) return true;
  const auto index = index_.load();
  bool any_acl = false, allowed = false, denied = false;
  for_each_matching(
      *index, action.resource_type, action.resource_name, [&](const std::vector<Entry>& entries) {
        any_acl = any_acl || !entries.empty();
        for (const Entry& e : entries) {
          if (!entry_applies(e, principal, session)) continue;
          if (e.permission == AclPermissionType::kDeny) {
            if (e.operation == AclOperation::kAll || e.operation == action.operation) {
              denied = true;
            }
          } else if (allow_grants(e.operation, action.operation)) {
            allowed = true;
          }
        }
      });
  if (denied) return false;
  if (allowed) return true;
  return !any_acl && options_.allow_everyone_if_no_acl_found;
}

bool StandardAuthorizer::authorize_any(const Session& session, AclOperation operation,
                                       ResourceType type) const {
  // Kafka's authorizeByResourceType: a made-up name lets super users and allow-everyone through.
  if (authorize(session, {operation, type, "hardcode"})) return true;
  const std::string principal = session.principal.to_string();
  const auto index = index_.load();
  std::set<std::string_view> deny_literals, deny_prefixes, allow_literals, allow_prefixes;
  auto lo = index->by_resource.lower_bound(KeyView(type, PatternType::kUnknown, ""));
  for (auto it = lo; it != index->by_resource.end() && std::get<0>(it->first) == type; ++it) {
    const auto pattern = std::get<1>(it->first);
    const std::string& name = std::get<2>(it->first);
    for (const Entry& e : it->second) {
      if (!entry_applies(e, principal, session)) continue;
      if (e.operation != operation && e.operation != AclOperation::kAll) continue;
      const bool literal = pattern == PatternType::kLiteral;
      if (e.permission == AclPermissionType::kDeny) {
        if (literal && name == kWildcardResource) return false;
        (literal ? deny_literals : deny_prefixes).insert(name);
      } else {
        (literal ? allow_literals : allow_prefixes).insert(name);
      }
    }
  }
  auto dominated = [&](std::string_view name) {
    for (std::string_view p : deny_prefixes) {
      if (name.substr(0, p.size()) == p) return true;
    }
    return false;
  };
  for (std::string_view l : allow_literals) {
    if (l == kWildcardResource) return true;
    if (deny_literals.count(l) == 0 && !dominated(l)) return true;
  }
  for (std::string_view p : allow_prefixes) {
    if (!dominated(p)) return true;
  }
  return false;
}

void StandardAuthorizer::publish(std::shared_ptr<const Index> index) {
  index_.store(std::move(index));
}

void StandardAuthorizer::update(const std::vector<AclBinding>& acls) {
  auto index = std::make_shared<Index>();
  for (const AclBinding& b : acls) {
    index->by_resource[Key(b.resource_type, b.pattern_type, b.resource_name)].push_back(
        {b.principal, b.host, b.operation, b.permission});
  }
  publish(std::move(index));
}

void StandardAuthorizer::update(const cluster::MetadataImage& image) {
  // One writer (the metadata publisher thread), so a load-compare-store needs no lock.
  if (index_.load()->source == image.acls_ptr()) return;
  auto index = std::make_shared<Index>();
  index->source = image.acls_ptr();
  for (const auto& [id, e] : image.acls()) {
    const AclBinding b = binding_from_entry(e);
    index->by_resource[Key(b.resource_type, b.pattern_type, b.resource_name)].push_back(
        {b.principal, b.host, b.operation, b.permission});
  }
  publish(std::move(index));
}

std::vector<AclBinding> StandardAuthorizer::acls() const {
  const auto index = index_.load();
  std::vector<AclBinding> out;
  for (const auto& [key, entries] : index->by_resource) {
    for (const Entry& e : entries) {
      out.push_back({std::get<0>(key), std::get<2>(key), std::get<1>(key), e.principal, e.host,
                     e.operation, e.permission});
    }
  }
  return out;
}

}  // namespace samsa::security
