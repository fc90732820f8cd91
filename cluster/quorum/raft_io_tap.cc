#include "cluster/quorum/raft_io_tap.h"

#include <atomic>
#include <cstring>

namespace samsa::cluster {
namespace {

// The same function for every quorum, but quorums start on several threads (tests run three).
std::atomic<RaftIoTap* (*)(raft_io*)> g_locate{nullptr};

// Every message starts with an 8-byte type/length preamble in libraft's encoding.
constexpr uint64_t kPreamble = 8;

bool is_request(raft_message_type t) {
  return t == RAFT_APPEND_ENTRIES || t == RAFT_REQUEST_VOTE || t == RAFT_INSTALL_SNAPSHOT ||
         t == RAFT_TIMEOUT_NOW;
}

int tapped_send(raft_io* io, raft_io_send* req, const raft_message* message, raft_io_send_cb cb) {
  RaftIoTap* tap = g_locate.load(std::memory_order_acquire)(io);
  tap->recorder->on_sent(raft_message_bytes(*message), is_request(message->type));
  return tap->send(io, req, message, cb);
}

void tapped_recv(raft_io* io, raft_message* message) {
  RaftIoTap* tap = g_locate.load(std::memory_order_acquire)(io);
  tap->recorder->on_received(raft_message_bytes(*message), !is_request(message->type));
  tap->recv(io, message);
}

int tapped_start(raft_io* io, unsigned msecs, raft_io_tick_cb tick, raft_io_recv_cb recv) {
  RaftIoTap* tap = g_locate.load(std::memory_order_acquire)(io);
  tap->recv = recv;
  return tap->start(io, msecs, tick, &tapped_recv);
}

}  // namespace

void install_raft_io_tap(raft_io* io, RaftIoTap* tap, RaftIoTap* (*locate)(raft_io*)) {
  g_locate.store(locate, std::memory_order_release);
  tap->send = io->send;
  tap->start = io->start;
  io->send = &tapped_send;
  io->start = &tapped_start;
}

uint64_t raft_message_bytes(const raft_message& m) {
  switch (m.type) {
    case RAFT_APPEND_ENTRIES: {
      uint64_t n = kPreamble + 40;
      for (unsigned i = 0; i < m.append_entries.n_entries; ++i) {
        n += 16 + m.append_entries.entries[i].buf.len;
      }
      return n;
    }
    case RAFT_APPEND_ENTRIES_RESULT:
      return kPreamble + 32;
    case RAFT_REQUEST_VOTE:
      return kPreamble + 40;
    case RAFT_REQUEST_VOTE_RESULT:
      return kPreamble + 24;
    case RAFT_INSTALL_SNAPSHOT: {
      uint64_t n = kPreamble + 48 + m.install_snapshot.data.len;
      const auto& conf = m.install_snapshot.conf;
      for (unsigned i = 0; i < conf.n; ++i) {
        n += 16 + (conf.servers[i].address ? std::strlen(conf.servers[i].address) + 1 : 0);
      }
      return n;
    }
    case RAFT_TIMEOUT_NOW:
      return kPreamble + 24;
  }
  return kPreamble;
}

}  // namespace samsa::cluster
