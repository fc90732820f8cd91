#pragma once
// Counts the metadata quorum's raft traffic by routing libraft's raft_io send and receive through
// thin wrappers: libraft's TCP transport keeps no byte counters of its own. Sizes are those of the
// messages' fields and payloads (entries, snapshot data), close to but not exactly what
// libraft's encoder puts on the wire.
#include "cluster/quorum/quorum_status.h"
#include "cluster/quorum/raft_include.h"

namespace samsa::cluster {

struct RaftIoTap {
  QuorumStatusRecorder* recorder = nullptr;
  int (*send)(raft_io*, raft_io_send*, const raft_message*, raft_io_send_cb) = nullptr;
  int (*start)(raft_io*, unsigned, raft_io_tick_cb, raft_io_recv_cb) = nullptr;
  raft_io_recv_cb recv = nullptr;
};

// Wraps io->send and io->start (call after raft_uv_init, before raft_start). The wrappers find
// the tap through `locate`, which gets the io and must return the tap installed for it.
void install_raft_io_tap(raft_io* io, RaftIoTap* tap, RaftIoTap* (*locate)(raft_io*));

uint64_t raft_message_bytes(const raft_message& m);

}  // namespace samsa::cluster
