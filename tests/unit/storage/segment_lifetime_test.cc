// Review H5: the log cleaner reads sealed segments without the log's locks, while retention and a
// cleaner swap rename (and used to close) their files. A segment's .log must stay open until the
// last holder drops it, so such a reader reads that segment's bytes, never another file's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "storage/log.h"
#include "test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using test::headers_of;
using test::make_batch;

constexpr int64_t kTs = 1'700'000'000'000;

LogConfig small_segments() {
  LogConfig c;
  c.segment_bytes = 2000;
  c.index_interval_bytes = 300;
  c.retention_ms = -1;
  c.retention_bytes = 0;  // retention deletes every sealed segment below the high watermark
  return c;
}

std::vector<uint8_t> read_all(const Segment& seg) {
  std::vector<uint8_t> out(static_cast<size_t>(seg.size()));
  out.resize(seg.read(out.data(), out.size(), 0));
  return out;
}

void expect_intact(const std::vector<uint8_t>& bytes, int64_t base) {
  auto hs = headers_of(bytes);
  ASSERT_FALSE(hs.empty()) << "not whole batches: another file's bytes?";
  EXPECT_EQ(hs.front().base_offset, base);
  size_t pos = 0;
  for (const auto& h : hs) {
    EXPECT_TRUE(
        records::check_batch_integrity(std::span<const uint8_t>(bytes).subspan(pos, h.total_size()))
            .empty());
    pos += h.total_size();
  }
}

TEST(SegmentLifetime, DeletedSegmentStillReadsItsOwnBytes) {
  test::TempDir tmp;
  auto log = Log::open({"t", 0}, tmp.path() / "t-0", small_segments(), true, 0, 0);
  for (int i = 0; i < 40; ++i) {
    auto b = make_batch(2, kTs + i);
    log->append(b, 0);
  }
  auto sealed = log->sealed_segments();  // what a cleaner pass holds
  ASSERT_GE(sealed.size(), 3u);
  std::vector<std::vector<uint8_t>> before;
  for (const auto& s : sealed) before.push_back(read_all(*s));

  auto result = log->apply_retention(kTs, INT64_MAX);
  ASSERT_EQ(result.segments_deleted, sealed.size());
  // Files opened now take the lowest free descriptors: the ones a closing segment gave back.
  std::vector<int> junk;
  for (int i = 0; i < 16; ++i) {
    fs::path p = tmp.path() / ("junk-" + std::to_string(i));
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> garbage(4096, 0xEE);
    ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), 4096);
    junk.push_back(fd);
  }
  for (const auto& f : result.files) fs::remove(f);  // file.delete.delay.ms has passed
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::vector<uint8_t> after;
    ASSERT_NO_THROW(after = read_all(*sealed[i])) << "segment " << sealed[i]->base_offset();
    EXPECT_EQ(after, before[i]) << "segment " << sealed[i]->base_offset();
    expect_intact(after, sealed[i]->base_offset());
  }
  for (int fd : junk) ::close(fd);
}

TEST(SegmentLifetime, CleanerStyleReadsRaceRetention) {
  test::TempDir tmp;
  auto log = Log::open({"t", 0}, tmp.path() / "t-0", small_segments(), true, 0, 0);
  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0};
  std::atomic<int64_t> failures{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (const auto& s : log->sealed_segments()) {
        try {
          auto bytes = read_all(*s);
          auto hs = headers_of(bytes);
          if (hs.empty() || hs.front().base_offset != s->base_offset()) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
        ++reads;
      }
    }
  });
  // Count-based, not timed: 100 rounds of appends that roll, each followed by retention deleting
  // the sealed segments the reader is walking, and files opened to reuse freed descriptors.
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 12; ++i) {
      auto b = make_batch(2, kTs + i);
      log->append(b, 0);
    }
    auto result = log->apply_retention(kTs, INT64_MAX);
    fs::path p = tmp.path() / "junk";
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    for (const auto& f : result.files) fs::remove(f);
    ::close(fd);
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace samsa::storage
