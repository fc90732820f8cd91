#include "throttler.h"

namespace samsa::perf {

Throttler::Clock::time_point Throttler::due(uint64_t sent) const {
  if (!enabled()) return start_;
  auto offset = std::chrono::duration<double>(static_cast<double>(sent) / rate_);
  return start_ + std::chrono::duration_cast<Clock::duration>(offset);
}

Throttler::Clock::duration Throttler::wait_for(uint64_t sent, Clock::time_point now) const {
  auto when = due(sent);
  return when > now ? when - now : Clock::duration::zero();
}

}  // namespace samsa::perf
