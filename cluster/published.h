#pragma once
// Published<T>: the latest immutable snapshot of something built from the metadata image (the
// image itself, the ACL index, the SCRAM credentials, per-topic produce settings). One writer
// publishes a new snapshot; any thread loads the current one and keeps it as long as it needs.
//
// Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its internal lock with a
// relaxed store, so a reader's copy of the pointer is not ordered before the next writer's swap
// (a data race by the memory model, and what ThreadSanitizer reports). A mutex held for a
// pointer copy costs about the same as that spin lock and is correct.
#include <memory>
#include <mutex>

namespace samsa::cluster {

template <typename T>
class Published {
 public:
  Published() = default;
  explicit Published(std::shared_ptr<const T> initial) : value_(std::move(initial)) {}
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mu_);
    return value_;
  }

  void store(std::shared_ptr<const T> next) {
    // The old snapshot is released outside the lock: its destructor may be large.
    std::lock_guard lock(mu_);
    value_.swap(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_;
};

}  // namespace samsa::cluster
