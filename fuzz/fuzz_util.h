// Helpers shared by the libFuzzer targets.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

#include "protocol/records/record_batch.h"

namespace samsa::fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

// The directory the targets write their files to: $SAMSA_FUZZ_SCRATCH, which fuzz/run.sh creates
// (in /dev/shm: every input is written to files, and tmpfs keeps that off the disk) and removes,
// since libFuzzer's exits skip atexit handlers. Without it, a fresh temp dir that is left behind.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    if (const char* env = std::getenv("SAMSA_FUZZ_SCRATCH"); env && *env) {
      std::filesystem::create_directories(env);
      return std::filesystem::path(env);
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "samsa-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fail("mkdtemp");
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

inline void write_file(const std::filesystem::path& p, std::span<const uint8_t> bytes) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("open " + p.string());
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) fail("write " + p.string());
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Makes every batch-shaped stretch of `data` carry a correct CRC, so the fuzzer gets past the
// checksum into the checks behind it (a random mutation almost never keeps a CRC valid).
inline void fix_crcs(std::span<uint8_t> data) {
  size_t pos = 0;
  while (pos + records::kBatchHeaderSize <= data.size()) {
    auto h = records::parse_header(data.subspan(pos));
    if (!h || h->length < 0) return;
    const uint64_t total = static_cast<uint64_t>(h->total_size());
    if (total < records::kBatchHeaderSize || total > data.size() - pos) return;
    auto batch = data.subspan(pos, total);
    records::write_be32(batch.data() + records::kCrcOffset,
                        static_cast<int32_t>(records::compute_batch_crc(batch)));
    pos += total;
  }
}

}  // namespace samsa::fuzz
