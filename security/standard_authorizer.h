#pragma once
// Kafka's StandardAuthorizer (../shared/notes/security.md §5.3) over an immutable, sorted ACL
// index. The index is rebuilt whenever the metadata image's ACLs change and swapped in atomically:
// request threads load the current index and never lock against the writer.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/published.h"
#include "security/acl/acl.h"
#include "security/authorizer.h"

namespace samsa::security {

struct AuthorizerOptions {
  // super.users: principals allowed everything, before any ACL is looked at ("User:admin").
  std::set<std::string> super_users;
  // allow.everyone.if.no.acl.found: the answer for a resource no ACL names at all.
  bool allow_everyone_if_no_acl_found = false;
};

// super.users is `;`-separated, entries trimmed, empty entries skipped.
std::set<std::string> parse_super_users(std::string_view text);

class StandardAuthorizer final : public Authorizer {
 public:
  explicit StandardAuthorizer(AuthorizerOptions options);

  bool authorize(const Session& session, const Action& action) const override;
  bool authorize_any(const Session& session, AclOperation operation,
                     ResourceType type) const override;

  // Replaces every ACL (builds a new index, then publishes it).
  void update(const std::vector<AclBinding>& acls);
  // From the metadata image: rebuilds only when the image's ACL map is not the one indexed.
  void update(const cluster::MetadataImage& image);
  // The ACLs in force (for DescribeAcls/DeleteAcls, which read the same index).
  std::vector<AclBinding> acls() const;

 private:
  struct Entry {
    std::string principal;
    std::string host;
    AclOperation operation;
    AclPermissionType permission;
  };
  // (resource type, pattern type, name) -> entries; std::less<> allows string_view lookups.
  using Key = std::tuple<ResourceType, PatternType, std::string>;
  using KeyView = std::tuple<ResourceType, PatternType, std::string_view>;
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return KeyView(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
             KeyView(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    }
  };
  struct Index {
    std::map<Key, std::vector<Entry>, KeyLess> by_resource;
    std::shared_ptr<const cluster::AclMap> source;  // the image map this index was built from
  };

  // Calls f(entries) for every ACL list that applies to the literal resource (type, name): the
  // exact LITERAL name, the LITERAL wildcard, every PREFIXED prefix of the name.
  template <typename F>
  static void for_each_matching(const Index& index, ResourceType type, std::string_view name,
                                F&& f);
  static bool entry_applies(const Entry& e, const std::string& principal, const Session& session);
  void publish(std::shared_ptr<const Index> index);

  AuthorizerOptions options_;
  cluster::Published<Index> index_;
};

}  // namespace samsa::security
