#include "server/acl_service.h"

#include <map>
#include <memory>

#include "protocol/error_codes.h"

namespace samsa::server {
namespace {

using protocol::ErrorCode;

std::string default_message(int16_t error) {
  switch (error) {
    case static_cast<int16_t>(ErrorCode::kNotController):
      return "This is not the correct controller for this cluster.";
    case static_cast<int16_t>(ErrorCode::kRequestTimedOut):
      return "The request timed out.";
    default:
      return "The server experienced an unexpected error when processing the request.";
  }
}

}  // namespace

template <typename T>
std::function<void(int16_t)> AclService::when_applied(std::shared_ptr<T> results,
                                                      std::function<void(T)> done) {
  // Runs on the quorum thread; answers once the publisher has applied the image with the change.
  return [this, results, done = std::move(done)](int16_t error) {
    for (auto& r : *results) {
      if (error != 0 && r.error_code == 0) {
        r.error_code = error;
        r.error_message = default_message(error);
        if constexpr (std::is_same_v<T, std::vector<AclDeleteResult>>) r.matched.clear();
      }
    }
    publisher_.when_applied(controller_.image()->offset(),
                            [results, done] { done(std::move(*results)); });
  };
}

void AclService::create(std::vector<security::AclBinding> bindings,
                        std::function<void(std::vector<AclCreateResult>)> done) {
  auto results = std::make_shared<std::vector<AclCreateResult>>(bindings.size());
  std::vector<cluster::AclEntry> valid;
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (auto why = security::validate_new_acl(bindings[i])) {
      (*results)[i] = {static_cast<int16_t>(ErrorCode::kInvalidRequest), *why};
    } else {
      valid.push_back(security::entry_from_binding(bindings[i]));
    }
  }
  if (valid.empty()) {
    done(std::move(*results));
    return;
  }
  auto finish = when_applied(results, std::move(done));
  controller_.create_acls(std::move(valid), [finish](std::vector<int16_t> errors) {
    finish(errors.empty() ? 0 : errors.front());
  });
}

void AclService::remove(std::vector<security::AclBindingFilter> filters,
                        std::function<void(std::vector<AclDeleteResult>)> done) {
  auto results = std::make_shared<std::vector<AclDeleteResult>>(filters.size());
  // Matched against the quorum's newest image, the one the removal records apply to; an ACL
  // removed meanwhile is skipped by the controller.
  const auto image = controller_.image();
  std::vector<cluster::Uuid> ids;
  for (size_t i = 0; i < filters.size(); ++i) {
    if (auto why = filters[i].invalid_reason()) {
      (*results)[i].error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
      (*results)[i].error_message = *why;
      continue;
    }
    for (const auto& [id, entry] : image->acls()) {
      auto binding = security::binding_from_entry(entry);
      if (!filters[i].matches(binding)) continue;
      ids.push_back(id);
      (*results)[i].matched.push_back(std::move(binding));
    }
  }
  if (ids.empty()) {
    done(std::move(*results));
    return;
  }
  controller_.remove_acls(std::move(ids), when_applied(results, std::move(done)));
}

std::vector<security::AclBinding> AclService::describe(
    const security::AclBindingFilter& filter) const {
  std::vector<security::AclBinding> out;
  for (const auto& [id, entry] : publisher_.latest()->acls()) {
    auto binding = security::binding_from_entry(entry);
    if (filter.matches(binding)) out.push_back(std::move(binding));
  }
  return out;
}

}  // namespace samsa::server
