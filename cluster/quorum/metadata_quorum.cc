#include "cluster/quorum/metadata_quorum.h"

#include <fmt/format.h>
#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "cluster/errors.h"
#include "cluster/image_builder.h"
#include "cluster/quorum/raft_include.h"
#include "cluster/quorum/raft_io_tap.h"
#include "cluster/topic_rules.h"

namespace samsa::cluster {

struct QuorumAccess {
  static void publish(MetadataQuorum& q, std::shared_ptr<const MetadataImage> image) {
    q.publish(std::move(image));
  }
  static std::atomic<int64_t>& active_term(MetadataQuorum& q) { return q.active_term_; }
  static std::mutex& mu(MetadataQuorum& q) { return q.mu_; }
  static std::condition_variable& cv(MetadataQuorum& q) { return q.cv_; }
  static std::deque<MetadataWrite>& incoming(MetadataQuorum& q) { return q.incoming_; }
  static bool& stop_requested(MetadataQuorum& q) { return q.stop_requested_; }
  static QuorumStatusRecorder& status(MetadataQuorum& q) { return q.status_; }
  static bool& loaded(MetadataQuorum& q) { return q.loaded_; }
  static std::string& fatal(MetadataQuorum& q) { return q.fatal_; }
};

namespace {

// Whether `address` ("host:port", "[v6]:port") can be bound now, as libraft's transport will; an
// explanation when it cannot.
std::optional<std::string> probe_listen(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return "not host:port";
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rv = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rv != 0) {
    return std::string("cannot resolve: ") + gai_strerror(rv);
  }
  std::optional<std::string> error;
  int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd < 0) {
    error = std::strerror(errno);
  } else {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 1) != 0)
      error = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return error;
}

constexpr uint64_t kPollIntervalMs = 10;

struct ApplyRequest {
  struct raft_apply req {};
  MetadataQuorum::Impl* impl = nullptr;
  std::function<void(int16_t)> done;  // empty for the LeaderChange entry
  int64_t leader_change_term = 0;
  std::chrono::steady_clock::time_point proposed_at = std::chrono::steady_clock::now();
};

// libraft's disk format wants entry payloads in multiples of 8 bytes (raft_apply fails with
// RAFT_INVALID otherwise), so a batch is framed as u32 length + batch + zero padding.
std::string frame_entry(const std::string& batch) {
  std::string out;
  const uint32_t n = static_cast<uint32_t>(batch.size());
  out.reserve(4 + batch.size() + 8);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  out += batch;
  out.resize((out.size() + 7) / 8 * 8, '\0');
  return out;
}

std::optional<std::vector<MetadataRecord>> unframe_entry(std::span<const uint8_t> data,
                                                         std::string* error) {
  if (data.size() < 4) {
    *error = "entry shorter than its frame";
    return std::nullopt;
  }
  const uint32_t n = (uint32_t{data[0]} << 24) | (uint32_t{data[1]} << 16) |
                     (uint32_t{data[2]} << 8) | uint32_t{data[3]};
  if (n > data.size() - 4) {
    *error = "entry frame length out of bounds";
    return std::nullopt;
  }
  return decode_batch(data.subspan(4, n), error);
}

int16_t error_from_raft(int status) {
  if (status == 0) return kNone;
  if (status == RAFT_SHUTDOWN) return kRequestTimedOut;
  return kNotController;  // NOTLEADER, LEADERSHIPLOST: retriable, the caller must re-check
}

void run_guarded(const char* what, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("event=quorum_callback_failed what={} error=\"{}\"", what, e.what());
  } catch (...) {
    spdlog::error("event=quorum_callback_failed what={}", what);
  }
}

}  // namespace

// Everything here is owned by the loop thread once it runs (before that, by start()).
struct MetadataQuorum::Impl {
  MetadataQuorum* self = nullptr;
  uv_loop_t loop{};
  uv_async_t async{};
  uv_timer_t timer{};
  raft_uv_transport transport{};
  raft_io io{};
  raft_fsm fsm{};
  struct raft raft {};
  bool transport_initialized = false;
  bool io_initialized = false;
  bool raft_initialized = false;
  bool closing = false;
  RaftIoTap tap;

  std::shared_ptr<const MetadataImage> current = std::make_shared<const MetadataImage>();
  std::deque<MetadataWrite> pending;
  bool inflight = false;
  int64_t proposed_term = 0;  // term whose LeaderChange entry is in flight or applied

  // --- state machine -------------------------------------------------------------------------
  static int fsm_apply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
    auto* impl = static_cast<Impl*>(fsm->data);
    *result = nullptr;  // followers drop results: never allocate one
    // libraft sets last_applied after this returns, so this entry's index is the next one.
    const auto index = static_cast<int64_t>(raft_last_applied(&impl->raft) + 1);
    std::string error;
    auto records = unframe_entry({static_cast<const uint8_t*>(buf->base), buf->len}, &error);
    ImageBuilder builder(*impl->current);
    if (records) {
      builder.apply_all(*records);
      if (raft_state(&impl->raft) != RAFT_LEADER) {
        QuorumAccess::status(*impl->self).on_follower_applied(records->size());
      }
    } else {
      // Apply must not fail (it would stall the log); every replica skips the same bytes.
      spdlog::error("event=metadata_batch_undecodable offset={} error=\"{}\"", index, error);
    }
    if (builder.ignored() > 0) {
      spdlog::warn("event=metadata_records_ignored offset={} count={}", index, builder.ignored());
    }
    impl->current = builder.build(index);
    QuorumAccess::publish(*impl->self, impl->current);
    return 0;
  }

  static int fsm_snapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
    auto* impl = static_cast<Impl*>(fsm->data);
    std::string data = encode_snapshot(*impl->current);
    auto* arr = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    if (arr == nullptr) return RAFT_NOMEM;
    arr[0].len = data.size();
    arr[0].base = raft_malloc(data.size());
    if (arr[0].base == nullptr) {
      raft_free(arr);
      return RAFT_NOMEM;
    }
    std::memcpy(arr[0].base, data.data(), data.size());
    *bufs = arr;
    *n_bufs = 1;
    spdlog::info("event=metadata_snapshot offset={} bytes={}", impl->current->offset(),
                 data.size());
    return 0;
  }

  static int fsm_restore(raft_fsm* fsm, raft_buffer* buf) {
    auto* impl = static_cast<Impl*>(fsm->data);
    std::string error;
    auto image = decode_snapshot({static_cast<const uint8_t*>(buf->base), buf->len}, &error);
    raft_free(buf->base);
    if (!image) {
      spdlog::error("event=metadata_snapshot_corrupt error=\"{}\"", error);
      return RAFT_CORRUPT;
    }
    impl->current = std::move(image);
    QuorumAccess::publish(*impl->self, impl->current);
    return 0;
  }

  // --- loop-thread driving ------------------------------------------------------------------
  static void on_async(uv_async_t* handle) { static_cast<Impl*>(handle->data)->drain(); }
  static void on_timer(uv_timer_t* handle) { static_cast<Impl*>(handle->data)->tick(); }

  void drain() {
    bool stop = false;
    {
      std::lock_guard lock(QuorumAccess::mu(*self));
      auto& in = QuorumAccess::incoming(*self);
      while (!in.empty()) {
        pending.push_back(std::move(in.front()));
        in.pop_front();
      }
      stop = QuorumAccess::stop_requested(*self);
    }
    if (stop) {
      begin_close();
      return;
    }
    pump();
  }

  void fail_pending(int16_t error) {
    while (!pending.empty()) {
      auto w = std::move(pending.front());
      pending.pop_front();
      if (w.done) run_guarded("done", [&] { w.done(error); });
    }
  }

  void pump() {
    if (closing) return;
    const bool leader = raft_state(&raft) == RAFT_LEADER;
    const bool active = QuorumAccess::active_term(*self).load() != 0;
    if (!active) {
      // A fresh leader keeps writes until its LeaderChange entry is applied; others refuse.
      if (!leader) fail_pending(kNotController);
      return;
    }
    while (!inflight && !pending.empty()) {
      auto w = std::move(pending.front());
      pending.pop_front();
      std::vector<MetadataRecord> records;
      bool built = true;
      run_guarded("build", [&] {
        built = false;
        records = w.build(*current);
        built = true;
      });
      if (!built) {
        if (w.done) run_guarded("done", [&] { w.done(kUnknownServerError); });
        continue;
      }
      if (records.empty()) {
        if (w.done) run_guarded("done", [&] { w.done(kNone); });
        continue;
      }
      int rv = propose(records, std::move(w.done), 0);
      if (rv == 0) inflight = true;
    }
  }

  // Returns the raft_apply status; on failure `done` has already been called.
  int propose(const std::vector<MetadataRecord>& records, std::function<void(int16_t)> done,
              int64_t leader_change_term) {
    std::string data = frame_entry(encode_batch(records));
    raft_buffer buf;
    buf.len = data.size();
    buf.base = raft_malloc(data.size());
    if (buf.base == nullptr) {
      if (done) run_guarded("done", [&] { done(kUnknownServerError); });
      return RAFT_NOMEM;
    }
    std::memcpy(buf.base, data.data(), data.size());
    auto* req = new ApplyRequest;
    req->req.data = req;
    req->impl = this;
    req->done = std::move(done);
    req->leader_change_term = leader_change_term;
    int rv = raft_apply(&raft, &req->req, &buf, 1, &Impl::on_applied);
    if (rv == 0) QuorumAccess::status(*self).on_appended(records.size());
    if (rv != 0) {
      // Not freed: cowsql/raft's legacy path may already have released the buffer when a later
      // step fails (it frees the batch after copying it), so a leak is the safe side.
      spdlog::warn("event=metadata_propose_failed error=\"{}\"", raft_strerror(rv));
      if (req->done) run_guarded("done", [&] { req->done(error_from_raft(rv)); });
      delete req;
    }
    return rv;
  }

  static void on_applied(struct raft_apply* r, int status, void* /*result*/) {
    std::unique_ptr<ApplyRequest> req(static_cast<ApplyRequest*>(r->data));
    Impl* impl = req->impl;
    if (status == 0) {
      QuorumAccess::status(*impl->self)
          .on_committed(std::chrono::steady_clock::now() - req->proposed_at);
    }
    if (req->leader_change_term != 0) {
      if (status == 0 && raft_state(&impl->raft) == RAFT_LEADER &&
          static_cast<int64_t>(raft_current_term(&impl->raft)) == req->leader_change_term) {
        QuorumAccess::active_term(*impl->self).store(req->leader_change_term);
        spdlog::info("event=controller_active node={} term={}", impl->self->node_id(),
                     req->leader_change_term);
      } else if (status != 0) {
        impl->proposed_term = 0;  // the timer proposes again if we are still leader
      }
    } else {
      impl->inflight = false;
      int16_t err = error_from_raft(status);
      if (req->done) run_guarded("done", [&] { req->done(err); });
    }
    // Never call raft_apply from here (a failing callback runs while leader state is torn down):
    // the next write is proposed from the async callback.
    if (!impl->closing) uv_async_send(&impl->async);
  }

  void tick() {
    if (closing) return;
    const auto state = raft_state(&raft);
    const auto term = static_cast<int64_t>(raft_current_term(&raft));
    auto& active = QuorumAccess::active_term(*self);
    if (state == RAFT_LEADER) {
      if (proposed_term != term) {
        if (active.load() != 0) active.store(0);
        proposed_term = term;
        std::vector<MetadataRecord> records;
        if (current->cluster_id().empty()) {
          const auto& configured = self->options().cluster_id;
          records.push_back(ClusterIdRecord{configured.empty() ? random_cluster_id() : configured});
          const auto& bootstrap = self->options().bootstrap_records;
          records.insert(records.end(), bootstrap.begin(), bootstrap.end());
        }
        records.push_back(LeaderChangeRecord{self->node_id(), term});
        if (propose(records, nullptr, term) != 0) proposed_term = 0;
      }
    } else {
      proposed_term = 0;
      if (active.load() != 0) {
        active.store(0);
        spdlog::info("event=controller_inactive node={} state={}", self->node_id(),
                     raft_state_name(state));
      }
      if (!pending.empty()) fail_pending(kNotController);
    }
    if (!pending.empty() && active.load() != 0 && !inflight) pump();
    check_loaded(state, term);
    record_status(state, term);
  }

  void record_status(int state, int64_t term) {
    RaftState r;
    using Role = RaftState::Role;
    r.role = state == RAFT_LEADER      ? Role::kLeader
             : state == RAFT_CANDIDATE ? Role::kCandidate
             : state == RAFT_FOLLOWER  ? Role::kFollower
                                       : Role::kUnavailable;
    raft_id leader_id = 0;
    const char* leader_address = nullptr;
    raft_leader(&raft, &leader_id, &leader_address);
    r.leader = static_cast<int32_t>(leader_id);
    r.voted_for = static_cast<int32_t>(raft_voted_for(&raft));
    r.term = term;
    r.commit_index = static_cast<int64_t>(raft_commit_index(&raft));
    r.last_index = static_cast<int64_t>(raft_last_index(&raft));
    QuorumAccess::status(*self).update(r, std::chrono::steady_clock::now());
  }

  static RaftIoTap* tap_of(raft_io* io) {
    return &static_cast<Impl*>(static_cast<struct raft*>(io->data)->data)->tap;
  }

  void check_loaded(int state, int64_t term) {
    bool loaded = false;
    if (state == RAFT_LEADER) {
      loaded = QuorumAccess::active_term(*self).load() == term;
    } else if (state == RAFT_FOLLOWER) {
      raft_id leader_id = 0;
      const char* leader_address = nullptr;
      raft_leader(&raft, &leader_id, &leader_address);
      // The current leader's LeaderChange entry is applied and nothing known-committed is pending.
      loaded = leader_id != 0 && current->controller_epoch() == term &&
               raft_last_applied(&raft) >= raft_commit_index(&raft);
    }
    std::lock_guard lock(QuorumAccess::mu(*self));
    if (loaded != QuorumAccess::loaded(*self)) {
      QuorumAccess::loaded(*self) = loaded;
      QuorumAccess::cv(*self).notify_all();
    }
  }

  // --- shutdown -------------------------------------------------------------------------------
  void begin_close() {
    if (closing) return;
    closing = true;
    uv_timer_stop(&timer);
    fail_pending(kRequestTimedOut);
    if (raft_initialized) {
      raft_close(&raft, &Impl::on_raft_closed);
    } else {
      close_io_and_handles();
    }
  }

  static void on_raft_closed(struct raft* r) {
    static_cast<Impl*>(r->data)->close_io_and_handles();
  }

  void close_io_and_handles() {
    if (io_initialized) raft_uv_close(&io);
    if (transport_initialized) raft_uv_tcp_close(&transport);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&async), nullptr);
  }
};

MetadataQuorum::MetadataQuorum(QuorumOptions options)
    : options_(std::move(options)), image_(std::make_shared<const MetadataImage>()) {
  if (options_.voters.empty()) options_.voters[options_.node_id] = options_.listen_address;
}

MetadataQuorum::~MetadataQuorum() {
  stop();
}

void MetadataQuorum::publish(std::shared_ptr<const MetadataImage> image) {
  image_.store(image);
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mu_);
    listeners = listeners_;
  }
  for (auto& l : listeners) run_guarded("listener", [&] { l(image); });
}

void MetadataQuorum::add_listener(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

void MetadataQuorum::submit(MetadataWrite write) {
  {
    std::lock_guard lock(mu_);
    if (running_) {
      incoming_.push_back(std::move(write));
      uv_async_send(&impl_->async);
      return;
    }
  }
  if (write.done) write.done(kNotController);
}

void MetadataQuorum::start() {
  if (impl_ != nullptr) throw std::logic_error("metadata quorum already started");
  const std::string where = fmt::format("metadata quorum (node {}, dir {})", options_.node_id,
                                        options_.data_dir.string());
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) throw std::runtime_error(where + ": cannot create data dir: " + ec.message());

  impl_ = std::make_unique<Impl>();
  Impl& in = *impl_;
  in.self = this;
  if (int rv = uv_loop_init(&in.loop); rv != 0) {
    impl_.reset();
    throw std::runtime_error(where + ": uv_loop_init: " + uv_strerror(rv));
  }
  uv_async_init(&in.loop, &in.async, &Impl::on_async);
  in.async.data = &in;
  uv_timer_init(&in.loop, &in.timer);
  in.timer.data = &in;

  // Tears down whatever was set up, running the loop on this thread, then throws.
  auto fail = [&](const std::string& what) {
    in.begin_close();
    uv_run(&in.loop, UV_RUN_DEFAULT);
    uv_loop_close(&in.loop);
    impl_.reset();
    throw std::runtime_error(where + ": " + what);
  };

  in.transport.version = 1;  // cowsql/raft >= 0.16 rejects 0 with RAFT_INVALID
  if (int rv = raft_uv_tcp_init(&in.transport, &in.loop); rv != 0) {
    fail(fmt::format("raft_uv_tcp_init: {}", raft_strerror(rv)));
  }
  in.transport_initialized = true;
  if (int rv = raft_uv_init(&in.io, &in.loop, options_.data_dir.c_str(), &in.transport); rv != 0) {
    fail(fmt::format("raft_uv_init: {} ({})", raft_strerror(rv), in.io.errmsg));
  }
  in.io_initialized = true;
  raft_uv_set_connect_retry_delay(&in.io, 250);
  in.tap.recorder = &status_;
  install_raft_io_tap(&in.io, &in.tap, &Impl::tap_of);

  in.fsm.version = 2;
  in.fsm.data = &in;
  in.fsm.apply = &Impl::fsm_apply;
  in.fsm.snapshot = &Impl::fsm_snapshot;
  in.fsm.restore = &Impl::fsm_restore;
  in.fsm.snapshot_finalize = nullptr;  // libraft frees the snapshot buffers
  in.fsm.snapshot_async = nullptr;

  if (options_.node_id <= 0) fail("node id must be positive");
  if (int rv = raft_init(&in.raft, &in.io, &in.fsm, static_cast<raft_id>(options_.node_id),
                         options_.listen_address.c_str());
      rv != 0) {
    fail(fmt::format("raft_init: {} ({})", raft_strerror(rv), in.io.errmsg));
  }
  in.raft.data = &in;
  in.raft_initialized = true;

  if (options_.voters.count(options_.node_id) != 0) {
    raft_configuration conf;
    raft_configuration_init(&conf);
    int rv = 0;
    for (const auto& [id, address] : options_.voters) {
      if (id <= 0) rv = RAFT_BADID;
      if (rv == 0)
        rv = raft_configuration_add(&conf, static_cast<raft_id>(id), address.c_str(), RAFT_VOTER);
    }
    if (rv == 0) rv = raft_bootstrap(&in.raft, &conf);
    raft_configuration_close(&conf);
    // An existing log refuses a bootstrap: that is the normal restart path.
    if (rv != 0 && rv != RAFT_CANTBOOTSTRAP) {
      fail(fmt::format("raft_bootstrap: {} ({})", raft_strerror(rv), raft_errmsg(&in.raft)));
    }
  }
  raft_set_election_timeout(&in.raft, static_cast<unsigned>(options_.election_timeout_ms));
  raft_set_heartbeat_timeout(&in.raft, static_cast<unsigned>(options_.heartbeat_timeout_ms));
  raft_set_snapshot_threshold(&in.raft, options_.snapshot_threshold);
  // Set explicitly: the header's documented default (128) is not what the code uses (2048).
  raft_set_snapshot_trailing(&in.raft, std::min(options_.snapshot_threshold, 2048u));
  raft_set_pre_vote(&in.raft, true);
  // libraft reports a taken port only as "I/O error": try the address first to say which.
  if (auto error = probe_listen(options_.listen_address)) {
    fail(fmt::format(
        "controller.quorum.voters: cannot listen on {} (node {}'s metadata-quorum address; with "
        "no voters configured it is 127.0.0.1:9093): {}",
        options_.listen_address, options_.node_id, *error));
  }
  if (int rv = raft_start(&in.raft); rv != 0) {
    fail(fmt::format("raft_start on {}: {} ({})", options_.listen_address, raft_strerror(rv),
                     raft_errmsg(&in.raft)));
  }
  uv_timer_start(&in.timer, &Impl::on_timer, kPollIntervalMs, kPollIntervalMs);

  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  thread_ = std::thread([this] { uv_run(&impl_->loop, UV_RUN_DEFAULT); });

  std::unique_lock lock(mu_);
  const bool loaded = cv_.wait_for(lock, std::chrono::milliseconds(options_.start_timeout_ms),
                                   [this] { return loaded_; });
  lock.unlock();
  if (!loaded) {
    stop();
    throw std::runtime_error(fmt::format(
        "{}: no leader elected / metadata not loaded within {} ms; check that a majority of the "
        "{} voter(s) is reachable at their quorum addresses",
        where, options_.start_timeout_ms, options_.voters.size()));
  }
  spdlog::info("event=metadata_quorum_started node={} offset={} controller={}", options_.node_id,
               image()->offset(), image()->controller_id());
}

void MetadataQuorum::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || impl_ == nullptr) return;
    stopped_ = true;
    running_ = false;
    stop_requested_ = true;
  }
  if (thread_.joinable()) {
    uv_async_send(&impl_->async);
    thread_.join();
  }
  uv_loop_close(&impl_->loop);
  active_term_.store(0);
  std::deque<MetadataWrite> leftover;
  {
    std::lock_guard lock(mu_);
    leftover.swap(incoming_);
  }
  for (auto& w : leftover) {
    if (w.done) run_guarded("done", [&] { w.done(kRequestTimedOut); });
  }
}

}  // namespace samsa::cluster
