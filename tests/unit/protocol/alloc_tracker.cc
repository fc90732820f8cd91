#include "alloc_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_tracking{false};
std::atomic<size_t> g_largest{0};
}  // namespace

void* operator new(size_t n) {
  if (g_tracking.load(std::memory_order_relaxed) && n > g_largest.load()) g_largest = n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace samsa::protocol::testing {

AllocationTracker::AllocationTracker() {
  g_largest = 0;
  g_tracking = true;
}
AllocationTracker::~AllocationTracker() {
  g_tracking = false;
}
size_t AllocationTracker::largest() const {
  return g_largest.load();
}

}  // namespace samsa::protocol::testing
