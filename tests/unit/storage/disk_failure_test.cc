// Disks that fail (issue 9, review H2): real ENOSPC from a size-limited tmpfs the test mounts.
// File I/O first, memory last: a failed append changes nothing in memory, takes its log dir
// offline, and neither a later append nor recovery can reuse its offsets or drop acknowledged data.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "storage/log.h"
#include "storage/log_cleaner.h"
#include "storage/log_manager.h"
#include "test_util.h"
#include "tmpfs_mount.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using test::headers_of;

constexpr int64_t kTs = 1'700'000'000'000;
constexpr size_t kPage = 4096;

// One record whose value is `value`; all batches share one timestamp, so the time index gets a
// single entry and only the offset index grows.
std::vector<uint8_t> value_batch(const std::string& value) {
  std::vector<records::Record> recs(1);
  recs[0].key = "k";
  recs[0].value = value;
  return records::build_batch(recs, kTs);
}

std::string value_of(int i) {
  return "record-" + std::to_string(i) + std::string(100, 'v');
}

// Fills the file system holding `dir` with one file, leaving no free page.
class Filler {
 public:
  explicit Filler(const fs::path& dir) : path_(dir / "filler") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    std::vector<char> page(kPage, 'f');
    for (;;) {
      ssize_t n = ::write(fd_, page.data(), page.size());
      if (n < static_cast<ssize_t>(page.size())) break;
      size_ += kPage;
    }
    EXPECT_EQ(::ftruncate(fd_, static_cast<off_t>(size_)), 0);
  }
  ~Filler() { release_all(); }
  void free_pages(size_t n) {
    size_ -= std::min(size_, n * kPage);
    EXPECT_EQ(::ftruncate(fd_, static_cast<off_t>(size_)), 0);
  }
  void release_all() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    fs::remove(path_, ec);
  }

 private:
  fs::path path_;
  int fd_ = -1;
  size_t size_ = 0;
};

LogConfig index_every_batch() {
  LogConfig cfg;
  cfg.index_interval_bytes = 0;       // an offset index entry for every batch after the first
  cfg.segment_index_bytes = 1 << 20;  // preallocated sparse: entries need pages as they come
  return cfg;
}

struct Acked {
  int64_t offset;
  std::string value;
};

// Every acknowledged record is in the reopened log, once, at its offset; offsets only increase.
void expect_all_acked_present(Log& log, const std::vector<Acked>& acked) {
  for (const auto& a : acked) {
    auto slice = log.read(a.offset, 1 << 20, INT64_MAX, true);
    auto hs = headers_of(slice.data);
    ASSERT_FALSE(hs.empty()) << "acknowledged offset " << a.offset << " is gone";
    EXPECT_EQ(hs.front().base_offset, a.offset);
    std::string first(slice.data.begin(), slice.data.begin() + hs.front().total_size());
    EXPECT_NE(first.find(a.value), std::string::npos)
        << "offset " << a.offset << " holds another record than the one acknowledged";
  }
  auto all = log.read(0, INT32_MAX, INT64_MAX, true);
  auto hs = headers_of(all.data);
  for (size_t i = 1; i < hs.size(); ++i)
    EXPECT_GT(hs[i].base_offset, hs[i - 1].last_offset()) << "offset handed out twice";
}

TEST(DiskFailure, FailedIndexWriteNeverLetsALaterAppendReuseOffsets) {
  test::TmpfsMount fs_(4 << 20);
  ASSERT_TRUE(fs_.mounted()) << fs_.error();
  const fs::path dir = fs_.path() / "t-0";
  auto log = Log::open({"t", 0}, dir, index_every_batch(), true, 0, 0);
  std::vector<Acked> acked;
  // 513 appends fill exactly one page of offset index (512 entries of 8 bytes): the next entry
  // needs a new page.
  for (int i = 0; i < 513; ++i) {
    auto b = value_batch(value_of(i));
    acked.push_back({log->append(b, 0).base_offset, value_of(i)});
  }
  ASSERT_EQ(log->log_end_offset(), 513);
  auto next = value_batch(value_of(513));
  const int64_t log_size = static_cast<int64_t>(log->size_bytes());
  const int64_t end = log_size + static_cast<int64_t>(next.size());
  const size_t data_pages =
      static_cast<size_t>((end + kPage - 1) / kPage - (log_size + kPage - 1) / kPage);
  {
    Filler filler(fs_.path());
    filler.free_pages(data_pages);  // room for the batch itself, none for its index entry
    EXPECT_THROW(log->append(next, 0), StorageError);
    EXPECT_EQ(log->log_end_offset(), 513) << "a failed append must not move the log end";
    EXPECT_TRUE(log->dir_offline());
  }
  // Space is back, but the dir stays offline: the retry must not get offset 513 again.
  auto retry = value_batch("retry-" + value_of(513));
  try {
    acked.push_back({log->append(retry, 0).base_offset, "retry-" + value_of(513)});
  } catch (const LogDirOfflineError& e) {
    EXPECT_NE(std::string(e.what()).find(fs_.path().string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(log->flush(), LogDirOfflineError);
  log.reset();  // a crash: no close, no clean-shutdown marker
  auto reopened = Log::open({"t", 0}, dir, index_every_batch(), false, 0, 0);
  expect_all_acked_present(*reopened, acked);
  EXPECT_GE(reopened->log_end_offset(), 513);
}

TEST(DiskFailure, FullDiskFailsTheAppendBeforeAnythingChanges) {
  test::TmpfsMount fs_(2 << 20);
  ASSERT_TRUE(fs_.mounted()) << fs_.error();
  const fs::path dir = fs_.path() / "t-0";
  auto log = Log::open({"t", 0}, dir, index_every_batch(), true, 0, 0);
  std::vector<Acked> acked;
  for (int i = 0; i < 20; ++i) {
    auto b = value_batch(value_of(i));
    acked.push_back({log->append(b, 0).base_offset, value_of(i)});
  }
  {
    Filler filler(fs_.path());
    // A batch larger than what is left of the log's last page needs a page there is not.
    auto big = value_batch(std::string(3 * kPage, 'x'));
    EXPECT_THROW(log->append(big, 0), StorageError);
    EXPECT_EQ(log->log_end_offset(), 20);
    EXPECT_TRUE(log->dir_offline());
    auto small = value_batch("small");
    EXPECT_THROW(log->append(small, 0), LogDirOfflineError);
  }
  log.reset();
  auto reopened = Log::open({"t", 0}, dir, index_every_batch(), false, 0, 0);
  expect_all_acked_present(*reopened, acked);
  EXPECT_EQ(reopened->log_end_offset(), 20);
}

// The cleaner writes too (its .cleaned copy of the segments): a failure there takes the dir
// offline as an append's would (Kafka's cleaner reports it to the LogDirFailureChannel), and the
// segments it was copying stay as they were.
TEST(DiskFailure, FailedCleanerWriteTakesTheDirOfflineAndKeepsTheOldSegments) {
  test::TmpfsMount fs_(4 << 20);
  ASSERT_TRUE(fs_.mounted()) << fs_.error();
  const fs::path dir = fs_.path() / "t-0";
  LogConfig cfg;
  cfg.segment_bytes = 8192;
  cfg.segment_index_bytes = 1 << 16;
  auto log = Log::open({"t", 0}, dir, cfg, true, 0, 0);
  std::vector<Acked> acked;
  for (int i = 0; i < 400; ++i) {  // every other record has a key of its own and is kept
    std::vector<records::Record> recs(1);
    recs[0].key = i % 2 == 0 ? "key-" + std::to_string(i) : std::string("shared");
    recs[0].value = value_of(i);
    auto b = records::build_batch(recs, kTs);
    acked.push_back({log->append(b, 0).base_offset, value_of(i)});
  }
  ASSERT_GT(log->segment_count(), 4u);
  CleanOptions opts;
  opts.now_ms = kTs + 1000;
  {
    Filler filler(fs_.path());
    EXPECT_THROW(clean_log(*log, 0, opts), LogDirOfflineError);
    EXPECT_TRUE(log->dir_offline());
    EXPECT_NE(log->dir_health().error().find("clean"), std::string::npos)
        << log->dir_health().error();
  }
  // Space is back; the dir stays offline until a restart, for the cleaner too.
  EXPECT_THROW(clean_log(*log, 0, opts), LogDirOfflineError);
  EXPECT_THROW(log->read(0, 1 << 20, INT64_MAX, true), LogDirOfflineError);  // reads too
  log.reset();
  auto reopened = Log::open({"t", 0}, dir, cfg, false, 0, 0);
  expect_all_acked_present(*reopened, acked);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_NE(entry.path().extension(), ".cleaned") << entry.path();
  // Online again after the restart, the same pass succeeds.
  const size_t before = reopened->size_bytes();
  auto st = clean_log(*reopened, 0, opts);
  ASSERT_TRUE(st);
  EXPECT_LT(reopened->size_bytes(), before);
}

TEST(DiskFailure, OfflineDirLeavesOtherLogDirsServing) {
  test::TmpfsMount small(2 << 20);
  ASSERT_TRUE(small.mounted()) << small.error();
  test::TempDir big;
  const Uuid16 id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  std::vector<Acked> acked;
  {
    LogManager logs({small.path() / "data", big.path() / "data"}, "c1", 1, LogConfig{}, 1);
    // New partitions go to the dir holding the fewest: one on each.
    auto a = logs.get_or_create({"a", 0}, id, LogConfig{});
    auto b = logs.get_or_create({"b", 0}, id, LogConfig{});
    ASSERT_EQ(a->dir().parent_path(), small.path() / "data");
    for (int i = 0; i < 5; ++i) {
      auto batch = value_batch(value_of(i));
      acked.push_back({a->append(batch, 0).base_offset, value_of(i)});
    }
    {
      Filler filler(small.path());
      auto huge = value_batch(std::string(3 * kPage, 'x'));
      EXPECT_THROW(a->append(huge, 0), StorageError);
    }
    ASSERT_EQ(logs.offline_dirs().size(), 1u);
    EXPECT_EQ(logs.offline_dirs()[0].first, small.path() / "data");
    EXPECT_NE(logs.offline_dirs()[0].second.find("No space left"), std::string::npos)
        << logs.offline_dirs()[0].second;
    auto ok = value_batch("still serving");
    EXPECT_EQ(b->append(ok, 0).base_offset, 0);
    EXPECT_FALSE(b->read(0, 1 << 20, INT64_MAX, true).data.empty());
    // New partitions avoid the offline dir.
    auto c = logs.get_or_create({"c", 0}, id, LogConfig{});
    EXPECT_EQ(c->dir().parent_path(), big.path() / "data");
    EXPECT_NO_THROW(logs.checkpoint({}));
    EXPECT_NO_THROW(logs.shutdown({}));
    EXPECT_FALSE(fs::exists(small.path() / "data" / ".kafka_cleanshutdown"));
    EXPECT_TRUE(fs::exists(big.path() / "data" / ".kafka_cleanshutdown"));
  }
  // After a restart (space back) the dir is online again and recovered.
  LogManager logs({small.path() / "data", big.path() / "data"}, "c1", 1, LogConfig{}, 1);
  EXPECT_TRUE(logs.offline_dirs().empty());
  expect_all_acked_present(*logs.get({"a", 0}), acked);
  logs.shutdown({});
}

// Review M2: a damaged checkpoint is refused, never read as offset 0.
TEST(Checkpoints, MalformedFilesAreRefused) {
  test::TempDir tmp;
  const fs::path p = tmp.path() / "cp";
  auto write = [&](const std::string& text) { std::ofstream(p, std::ios::trunc) << text; };
  write("0\n2\nt 0 5\nt 1 7\n");
  EXPECT_EQ(read_offset_checkpoint(p).size(), 2u);
  for (const char* bad : {"0\n2\nt 0 5\n", "0\n1\nt 0 5 junk\n", "0\n1\nt 0 -5\n",
                          "0\n1\nt 0 5\nt 1 6\n", "1\n0\n", "0\nx\n", "0\n1\nt 0 5x\n", ""}) {
    write(bad);
    EXPECT_THROW(read_offset_checkpoint(p), StorageError) << bad;
  }
}

TEST(Checkpoints, CorruptRecoveryPointMeansFullRecovery) {
  test::TempDir tmp;
  const Uuid16 id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  LogConfig cfg;
  cfg.segment_bytes = 2000;
  {
    LogManager logs({tmp.path()}, "c1", 1, cfg);
    auto log = logs.get_or_create({"t", 0}, id, cfg);
    for (int i = 0; i < 30; ++i) {
      auto b = value_batch(value_of(i));
      log->append(b, 0);
    }
    logs.shutdown({});
  }
  std::ofstream(tmp.path() / "recovery-point-offset-checkpoint", std::ios::trunc) << "0\n1\nt 0";
  {
    LogManager logs({tmp.path()}, "c1", 1, cfg);
    // Unclean: the recovery point is back at the start, so every segment was re-validated.
    EXPECT_EQ(logs.get({"t", 0})->recovery_point(), 0);
    EXPECT_EQ(logs.get({"t", 0})->log_end_offset(), 30);
    logs.shutdown({});
  }
  std::ofstream(tmp.path() / "log-start-offset-checkpoint", std::ios::trunc) << "garbage";
  LogManager logs({tmp.path()}, "c1", 1, cfg);
  // Kafka's rule: the log starts at its first segment's base offset.
  EXPECT_EQ(logs.get({"t", 0})->log_start_offset(), 0);
  logs.shutdown({});
}

// Issue 9: a roll's fsyncs and producer snapshot run on the flush pool, not on the appending
// thread, and the recovery point moves only once they are done.
TEST(BackgroundFlush, RollDefersFsyncAndSnapshotToThePool) {
  test::TempDir tmp;
  auto pool = std::make_shared<FlushPool>(1);
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open_gate = false;
  pool->submit([&] {  // holds the pool's only thread until the gate opens
    std::unique_lock lk(gate_mu);
    gate_cv.wait(lk, [&] { return open_gate; });
  });
  LogConfig cfg;
  cfg.segment_bytes = 2000;
  auto log = Log::open({"t", 0}, tmp.path() / "t-0", cfg, true, 0, 0, LogDirContext{nullptr, pool});
  for (int i = 0; i < 40; ++i) {
    auto b = value_batch(value_of(i));
    log->append(b, 0);
  }
  ASSERT_GT(log->segment_count(), 3u);
  const int64_t last_roll = std::prev(log->sealed_segments().end())->get()->next_offset();
  // Appends went on through several rolls while no flush could run.
  EXPECT_EQ(log->recovery_point(), 0);
  EXPECT_FALSE(fs::exists(tmp.path() / "t-0" / segment_file_name(last_roll, ".snapshot")));
  {
    std::lock_guard lk(gate_mu);
    open_gate = true;
  }
  gate_cv.notify_all();
  log->close();  // waits for the queued flushes
  EXPECT_EQ(log->recovery_point(), 40);
  EXPECT_TRUE(fs::exists(tmp.path() / "t-0" / segment_file_name(last_roll, ".snapshot")));
  EXPECT_FALSE(log->dir_offline());
}

TEST(BackgroundFlush, FailedSnapshotOnThePoolTakesTheDirOfflineAndHoldsTheRecoveryPoint) {
  test::TmpfsMount fs_(2 << 20);
  ASSERT_TRUE(fs_.mounted()) << fs_.error();
  auto pool = std::make_shared<FlushPool>(1);
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open_gate = false;
  pool->submit([&] {
    std::unique_lock lk(gate_mu);
    gate_cv.wait(lk, [&] { return open_gate; });
  });
  LogConfig cfg;
  cfg.segment_bytes = 2000;
  auto log = Log::open({"t", 0}, fs_.path() / "t-0", cfg, true, 0, 0, LogDirContext{nullptr, pool});
  for (int i = 0; i < 20; ++i) {
    auto b = value_batch(value_of(i));
    log->append(b, 0);
  }
  ASSERT_GT(log->segment_count(), 1u);  // rolls queued their flushes behind the gate
  {
    Filler filler(fs_.path());  // no page left for the snapshot files the flushes write
    {
      std::lock_guard lk(gate_mu);
      open_gate = true;
    }
    gate_cv.notify_all();
    log->close();  // waits for the flushes; writes nothing more on an offline dir
  }
  EXPECT_TRUE(log->dir_offline());
  EXPECT_LT(log->recovery_point(), log->log_end_offset())
      << "the recovery point moved past data whose flush or snapshot failed";
  EXPECT_NE(log->dir_health().error().find("No space left"), std::string::npos)
      << log->dir_health().error();
}

}  // namespace
}  // namespace samsa::storage
