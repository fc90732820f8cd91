#pragma once

// raft.h has no extern "C" and checks its ABI with static_assert(sizeof(struct { ... })), which is
// valid C but not C++ (types may not be defined in sizeof). Those checks guard the library's own
// build, not ours, so they are compiled out here; include libraft only through this header.
#include <uv.h>

#define static_assert(...)
extern "C" {
#include <raft.h>
#include <raft/uv.h>
}
#undef static_assert
