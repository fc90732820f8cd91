// Records the largest single heap allocation made while a tracker is alive. The global
// operator new replacement lives in alloc_tracker.cc (its own TU, so callers never inline it).
#pragma once

#include <cstddef>

namespace samsa::protocol::testing {

class AllocationTracker {
 public:
  AllocationTracker();
  ~AllocationTracker();
  AllocationTracker(const AllocationTracker&) = delete;
  AllocationTracker& operator=(const AllocationTracker&) = delete;
  size_t largest() const;
};

}  // namespace samsa::protocol::testing
