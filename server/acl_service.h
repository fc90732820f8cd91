#pragma once
// ACL administration for every face (the Kafka ACL APIs now, REST later): validated bindings go to
// the controller as metadata records, and callers hear back once the metadata publisher has applied
// them, so the authorizer on this broker already decides with the change.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cluster/controller.h"
#include "cluster/metadata_publisher.h"
#include "security/acl/acl_rules.h"

namespace samsa::server {

struct AclCreateResult {
  int16_t error_code = 0;
  std::string error_message;  // empty = null on the wire
};

struct AclDeleteResult {
  int16_t error_code = 0;
  std::string error_message;
  std::vector<security::AclBinding> matched;  // what the filter removed
};

class AclService {
 public:
  AclService(cluster::Controller& controller, cluster::MetadataPublisher& publisher)
      : controller_(controller), publisher_(publisher) {}

  // One result per binding, in order; invalid bindings fail alone with INVALID_REQUEST.
  void create(std::vector<security::AclBinding> bindings,
              std::function<void(std::vector<AclCreateResult>)> done);
  // One result per filter, in order; a binding matched by several filters is listed by each.
  void remove(std::vector<security::AclBindingFilter> filters,
              std::function<void(std::vector<AclDeleteResult>)> done);
  // The ACLs in force on this broker that `filter` matches.
  std::vector<security::AclBinding> describe(const security::AclBindingFilter& filter) const;

 private:
  template <typename T>
  std::function<void(int16_t)> when_applied(std::shared_ptr<T> results,
                                            std::function<void(T)> done);

  cluster::Controller& controller_;
  cluster::MetadataPublisher& publisher_;
};

}  // namespace samsa::server
