#include "storage/log_manager.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "test_util.h"

namespace samsa::storage {
namespace {
using test::headers_of;
using test::make_batch;
namespace fs = std::filesystem;

constexpr int64_t kTs = 1'700'000'000'000;
const Uuid16 kTopicId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const TopicPartition kTp{"orders", 0};

// Captures what storage logs through the default spdlog logger.
class LogCapture {
 public:
  LogCapture() : old_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(old_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> old_;
};

int count_lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
  return n;
}

std::unique_ptr<LogManager> open_manager(const fs::path& dir, const std::string& cluster = "c1",
                                         int32_t node = 1) {
  LogConfig cfg;
  cfg.segment_bytes = 4000;
  cfg.index_interval_bytes = 500;
  return std::make_unique<LogManager>(std::vector<fs::path>{dir}, cluster, node, cfg);
}

void append_n(Log& log, int n) {
  for (int i = 0; i < n; ++i) {
    auto b = make_batch(3, kTs + i);
    log.append(b, 0);
  }
}

fs::path last_segment(const fs::path& pdir) {
  fs::path best;
  for (const auto& e : fs::directory_iterator(pdir))
    if (e.path().extension() == ".log" && e.path() > best) best = e.path();
  return best;
}

TEST(LogManager, CreatesKafkaLayout) {
  test::TempDir tmp;
  auto m = open_manager(tmp.path());
  auto log = m->get_or_create(kTp, kTopicId, LogConfig{});
  EXPECT_EQ(m->get(kTp), log);
  EXPECT_EQ(m->get({"orders", 1}), nullptr);
  EXPECT_EQ(LogManager::read_cluster_id(tmp.path()), "c1");
  std::ifstream meta(tmp.path() / "orders-0" / "partition.metadata");
  std::string text((std::istreambuf_iterator<char>(meta)), {});
  EXPECT_EQ(text, "version: 0\ntopic_id: " + uuid_to_base64(kTopicId) + "\n");
  EXPECT_EQ(uuid_from_base64(uuid_to_base64(kTopicId)), kTopicId);
  Uuid16 other = kTopicId;
  other[0] = 99;
  EXPECT_THROW(m->get_or_create(kTp, other, LogConfig{}), StorageError);
  m->shutdown({{kTp, 0}});
  EXPECT_TRUE(fs::exists(tmp.path() / ".kafka_cleanshutdown"));
  EXPECT_TRUE(fs::exists(tmp.path() / "replication-offset-checkpoint"));
}

TEST(LogManager, RefusesOtherClusterOrNode) {
  test::TempDir tmp;
  open_manager(tmp.path(), "c1", 1)->shutdown({});
  try {
    open_manager(tmp.path(), "c2", 1);
    FAIL() << "opened a dir of another cluster";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to cluster c1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(open_manager(tmp.path(), "c1", 2), StorageError);
  EXPECT_NO_THROW(open_manager(tmp.path(), "c1", 1));
}

TEST(LogManager, RefusesSecondOpenOfSameDir) {
  test::TempDir tmp;
  auto m = open_manager(tmp.path());
  EXPECT_THROW(open_manager(tmp.path()), StorageError);
}

TEST(LogManager, CleanShutdownKeepsOffsetsAndHighWatermarks) {
  test::TempDir tmp;
  {
    auto m = open_manager(tmp.path());
    append_n(*m->get_or_create(kTp, kTopicId, LogConfig{}), 20);
    append_n(*m->get_or_create({"orders", 1}, kTopicId, LogConfig{}), 5);
    m->shutdown({{kTp, 57}, {{"orders", 1}, 15}});
  }
  fs::create_directories(tmp.path() / "__cluster_metadata-0");
  fs::create_directories(tmp.path() / "orders-7.abc-delete");
  LogCapture cap;
  auto m = open_manager(tmp.path());
  EXPECT_EQ(m->partitions().size(), 2u);
  EXPECT_EQ(m->get(kTp)->log_end_offset(), 60);
  EXPECT_EQ(m->get({"orders", 1})->log_end_offset(), 15);
  auto hw = m->read_high_watermarks();
  EXPECT_EQ(hw[kTp], 57);
  EXPECT_EQ((hw[{"orders", 1}]), 15);
  EXPECT_EQ(count_lines_with(cap.text(), "recovery dropped"), 0);
  EXPECT_FALSE(fs::exists(tmp.path() / ".kafka_cleanshutdown"));  // removed once loaded
  m->shutdown({});
  EXPECT_FALSE(fs::exists(tmp.path() / "orders-7.abc-delete"));
}

void torn_tail_case(bool garbage) {
  test::TempDir tmp;
  size_t batch_size = make_batch(3, kTs).size();
  {
    auto m = open_manager(tmp.path());
    append_n(*m->get_or_create(kTp, kTopicId, LogConfig{}), 60);  // no shutdown: a crash
  }
  fs::path seg = last_segment(tmp.path() / "orders-0");
  auto size = fs::file_size(seg);
  int64_t dropped;
  if (garbage) {
    std::ofstream(seg, std::ios::app | std::ios::binary) << std::string(100, '\x5a');
    dropped = 100;
  } else {
    fs::resize_file(seg, size - batch_size / 2);
    dropped = static_cast<int64_t>(batch_size - batch_size / 2);
  }
  LogCapture cap;
  auto m = open_manager(tmp.path());
  auto log = m->get(kTp);
  EXPECT_EQ(log->log_end_offset(), garbage ? 180 : 177);
  EXPECT_EQ(count_lines_with(cap.text(), "recovery dropped " + std::to_string(dropped) + " bytes"),
            1)
      << cap.text();
  auto hs = headers_of(log->read(0, 1 << 20, INT64_MAX, true).data);
  EXPECT_EQ(hs.size(), garbage ? 60u : 59u);
  // The log continues where the last complete batch ended.
  auto b = make_batch(1, kTs);
  EXPECT_EQ(log->append(b, 1).base_offset, garbage ? 180 : 177);
}

TEST(LogManager, RecoversTornTail) {
  torn_tail_case(false);
}
TEST(LogManager, RecoversGarbageTail) {
  torn_tail_case(true);
}

TEST(LogManager, RecoveryTruncatesAtCorruptBatch) {
  test::TempDir tmp;
  size_t batch_size = make_batch(3, kTs).size();
  {
    auto m = open_manager(tmp.path());
    append_n(*m->get_or_create(kTp, kTopicId, LogConfig{}), 10);
  }
  fs::path seg = last_segment(tmp.path() / "orders-0");
  ASSERT_EQ(seg.filename(), "00000000000000000000.log");
  {
    // Flip a byte inside the value of batch 4: its CRC no longer matches.
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(4 * batch_size + batch_size - 3));
    f.put('\x01');
  }
  LogCapture cap;
  auto m = open_manager(tmp.path());
  EXPECT_EQ(m->get(kTp)->log_end_offset(), 12);
  EXPECT_EQ(count_lines_with(cap.text(), "recovery dropped " + std::to_string(6 * batch_size)), 1)
      << cap.text();
}

TEST(LogManager, RemoveDeletesInBackground) {
  test::TempDir tmp;
  auto m = open_manager(tmp.path());
  append_n(*m->get_or_create(kTp, kTopicId, LogConfig{}), 3);
  m->remove(kTp);
  EXPECT_EQ(m->get(kTp), nullptr);
  m->shutdown({});
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_FALSE(e.is_directory()) << e.path();
}

TEST(LogManager, PlacesPartitionsInEmptiestDir) {
  test::TempDir a, b;
  LogManager m({a.path(), b.path()}, "c1", 1, LogConfig{});
  for (int p = 0; p < 4; ++p) m.get_or_create({"t", p}, kTopicId, LogConfig{});
  int in_a = 0;
  for (const auto& e : fs::directory_iterator(a.path())) in_a += e.is_directory();
  EXPECT_EQ(in_a, 2);
  m.shutdown({});
}

}  // namespace
}  // namespace samsa::storage
