// Log cleaner throughput: a log of 1 KiB records where 10% of the keys are live (each key is
// updated ten times), cleaned in one pass; prints MB/s of log read. Built and run by
// bench/cleaner.sh against the static libraries of a build directory.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "protocol/records/record_builder.h"
#include "storage/log.h"
#include "storage/log_cleaner.h"

using namespace samsa;

int main(int argc, char** argv) {
  const int64_t total_mb = argc > 1 ? std::atoll(argv[1]) : 256;
  const int64_t records = total_mb * 1024;  // 1 KiB each
  const int64_t keys = records / 10;        // 10% live after cleaning
  const int per_batch = 16;
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "samsa-cleaner-bench-XXXXXX").string();
  std::filesystem::path dir = ::mkdtemp(tmpl.data());
  storage::LogConfig cfg;
  cfg.segment_bytes = 64 << 20;
  {
    auto log = storage::Log::open({"bench", 0}, dir / "bench-0", cfg, true, 0, 0);
    std::mt19937_64 rng(42);
    std::vector<records::Record> batch(per_batch);
    for (auto& r : batch) r.value = std::string(1000, 'v');
    for (int64_t i = 0; i < records; i += per_batch) {
      for (int j = 0; j < per_batch; ++j) {
        char key[32];
        std::snprintf(key, sizeof key, "key-%010lld", static_cast<long long>(rng() % keys));
        batch[j].key = key;
      }
      auto bytes = records::build_batch(batch, 1000);
      log->append(bytes, 0);
    }
    log->flush();
    const size_t before = log->size_bytes();
    storage::CleanOptions opts;
    opts.now_ms = 1'000'000'000;
    auto start = std::chrono::steady_clock::now();
    auto st = storage::clean_log(*log, 0, opts);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!st) {
      std::fprintf(stderr, "nothing cleaned\n");
      return 1;
    }
    std::printf(
        "cleaner: %.1f MB read in %.2f s = %.1f MB/s; %lld -> %lld records, log %.1f -> %.1f MB\n",
        st->bytes_read / 1e6, secs, st->bytes_read / 1e6 / secs,
        static_cast<long long>(st->records_read), static_cast<long long>(st->records_kept),
        before / 1e6, log->size_bytes() / 1e6);
    log->close();
  }
  std::filesystem::remove_all(dir);
  return 0;
}
