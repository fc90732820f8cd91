// Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from real encoders, so the
// seeds are valid inputs that the fuzzer mutates from, and can be regenerated when a format
// changes:   build-fuzz/fuzz/fuzz_make_seeds fuzz/corpus
// (The request decoder's seeds are captured client requests and are not written here.)
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cluster/image_builder.h"
#include "cluster/metadata_records.h"
#include "fuzz_util.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_builder.h"
#include "storage/file_util.h"
#include "storage/segment.h"

using namespace samsa;
namespace fs = std::filesystem;

namespace {

fs::path g_root;

void seed(const std::string& target, const std::string& name, std::span<const uint8_t> bytes) {
  fs::create_directories(g_root / target);
  fuzz::write_file(g_root / target / name, bytes);
}
void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  seed(target, name, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::vector<uint8_t> prefixed(uint8_t flags, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out{flags};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<uint8_t> plain_batch(int n, size_t value_size, int64_t base_offset = 0,
                                 char fill = 'v') {
  std::vector<records::Record> recs(n);
  for (int i = 0; i < n; ++i) {
    recs[i].key = "key-" + std::to_string(i % 4);
    recs[i].value = std::string(value_size, static_cast<char>(fill + i % 3));
    recs[i].timestamp_delta = i;
    if (i % 2) recs[i].headers.push_back({"h", std::string("header-value")});
  }
  if (n > 2) recs[1].value.reset();  // a tombstone
  records::BuildOptions opts;
  opts.base_offset = base_offset;
  return records::build_batch(recs, 1'700'000'000'000 + base_offset, opts);
}

// `plain` with its records section compressed by `codec`; length, attributes and CRC fixed.
std::vector<uint8_t> compressed(const std::vector<uint8_t>& plain, records::Compression codec) {
  auto packed =
      records::compress(codec, std::span<const uint8_t>(plain).subspan(records::kRecordsOffset));
  std::vector<uint8_t> out(plain.begin(), plain.begin() + records::kRecordsOffset);
  out.insert(out.end(), packed.begin(), packed.end());
  records::write_be32(out.data() + records::kLengthOffset,
                      static_cast<int32_t>(out.size() - records::kLogOverhead));
  const int16_t attrs = records::read_be16(out.data() + records::kAttributesOffset);
  records::write_be16(out.data() + records::kAttributesOffset,
                      static_cast<int16_t>(attrs | static_cast<int16_t>(codec)));
  fuzz::fix_crcs(out);
  return out;
}

void record_batch_seeds() {
  const auto small = plain_batch(5, 20);
  seed("record_batch", "plain_5", prefixed(0, small));
  seed("record_batch", "plain_5_to_zstd", prefixed(4 << 2, small));
  const char* names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  for (int c = 1; c <= 4; ++c) {
    const auto codec = static_cast<records::Compression>(c);
    seed("record_batch", std::string(names[c]) + "_5", prefixed(0, compressed(small, codec)));
    // Converted to another codec (flags bits 2-4 pick the target).
    seed("record_batch", std::string(names[c]) + "_5_to_" + names[(c % 4) + 1],
         prefixed(static_cast<uint8_t>(((c % 4) + 1) << 2), compressed(small, codec)));
    // Highly compressible: a few KiB that expand to MiBs, the shape of a decompression bomb.
    // (snappy compresses far less, so its bomb is smaller to stay under max_len.)
    const size_t bomb_value = codec == records::Compression::kSnappy ? 1 << 19 : 1 << 20;
    seed("record_batch", std::string(names[c]) + "_bomb",
         prefixed(1, compressed(plain_batch(3, bomb_value, 0, 'z'), codec)));
  }
  seed("record_batch", "plain_log_append_time", prefixed(2, plain_batch(2, 10)));
}

std::vector<uint8_t> valid_log(int batches) {
  std::vector<uint8_t> log;
  int64_t offset = 0;
  for (int b = 0; b < batches; ++b) {
    auto batch = plain_batch(1 + b % 4, 16 + b, offset);
    if (b % 3 == 2) {
      batch = compressed(batch, static_cast<records::Compression>(1 + b % 4));
    }
    offset += 1 + b % 4;
    log.insert(log.end(), batch.begin(), batch.end());
  }
  return log;
}

void segment_recovery_seeds() {
  const auto log = valid_log(12);
  seed("segment_recovery", "valid_12", prefixed(0, log));
  seed("segment_recovery", "valid_12_fixcrc", prefixed(1, log));
  seed("segment_recovery", "truncated_mid_batch",
       prefixed(0, std::vector<uint8_t>(log.begin(), log.begin() + log.size() * 2 / 3)));
  auto flipped = log;
  flipped[flipped.size() / 2] ^= 0x40;
  seed("segment_recovery", "bit_flip_middle", prefixed(0, flipped));
  auto zeros = log;
  zeros.resize(zeros.size() + 4096, 0);  // preallocated tail after a crash
  seed("segment_recovery", "zero_tail", prefixed(0, zeros));
  seed("segment_recovery", "base_1000", prefixed(2, log));
}

// The index files Segment writes for the fixed log of index_loading_fuzz.cc, read back.
void index_loading_seeds() {
  const fs::path dir = fuzz::scratch_dir();
  constexpr int64_t kBase = 500;
  std::vector<uint8_t> log;
  int64_t offset = kBase;
  for (int b = 0; b < 60; ++b) {  // the same log as index_loading_fuzz.cc builds
    std::vector<records::Record> recs(1 + b % 3);
    for (size_t i = 0; i < recs.size(); ++i) {
      recs[i].key = "key" + std::to_string(b);
      recs[i].value = std::string(30 + b, 'v');
      recs[i].timestamp_delta = static_cast<int64_t>(i);
    }
    records::BuildOptions opts;
    opts.base_offset = offset;
    auto batch = records::build_batch(recs, 1'700'000'000'000 + b * 10 - (b == 30 ? 200 : 0), opts);
    log.insert(log.end(), batch.begin(), batch.end());
    offset += static_cast<int64_t>(recs.size());
  }
  fuzz::write_file(dir / storage::segment_file_name(kBase, ".log"), log);
  storage::LogConfig cfg;
  cfg.index_interval_bytes = 256;
  int64_t dropped = 0;
  storage::Segment::open(dir, kBase, cfg, true, kBase, &dropped);  // writes exact index files
  auto slurp = [&](const char* ext) {
    std::FILE* f = std::fopen((dir / storage::segment_file_name(kBase, ext)).c_str(), "rb");
    std::vector<uint8_t> out;
    int ch;
    while (f && (ch = std::fgetc(f)) != EOF) out.push_back(static_cast<uint8_t>(ch));
    if (f) std::fclose(f);
    return out;
  };
  const auto index = slurp(".index"), timeindex = slurp(".timeindex");
  auto input = [](const std::vector<uint8_t>& idx, const std::vector<uint8_t>& tidx) {
    std::vector<uint8_t> out{static_cast<uint8_t>(idx.size() >> 8),
                             static_cast<uint8_t>(idx.size())};
    out.insert(out.end(), idx.begin(), idx.end());
    out.insert(out.end(), tidx.begin(), tidx.end());
    return out;
  };
  seed("index_loading", "exact", input(index, timeindex));
  seed("index_loading", "empty", input({}, {}));
  seed("index_loading", "index_only", input(index, {}));
  auto cut = index;
  cut.resize(cut.size() / 2 + 3);  // half an entry at the end
  seed("index_loading", "index_truncated", input(cut, timeindex));
  auto big = index;
  big.resize(big.size() + 800, 0);  // a preallocated, untrimmed active index
  seed("index_loading", "index_preallocated", input(big, timeindex));
}

void metadata_seeds() {
  cluster::Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 7 + 1);
  cluster::BrokerRegistration broker{1, "127.0.0.1", 9092, std::string("rack-a"), false};
  cluster::PartitionState p0{0, {1, 2, 3}, {1, 2}, 1, 4, 7};
  std::vector<cluster::MetadataRecord> recs{
      cluster::ClusterIdRecord{"cluster-abc"},
      cluster::FeatureLevelRecord{"metadata.version", 21},
      cluster::LeaderChangeRecord{1, 3},
      cluster::RegisterBrokerRecord{broker},
      cluster::BrokerFenceRecord{1, false},
      cluster::TopicRecord{"orders", id, false},
      cluster::PartitionRecord{id, p0},
      cluster::PartitionChangeRecord{id, 0, 2, std::vector<int32_t>{2, 3}, std::nullopt},
      cluster::ConfigRecord{cluster::kResourceTopic, "orders", "cleanup.policy",
                            std::string("compact")},
      cluster::ConfigRecord{cluster::kResourceBroker, "1", "log.retention.ms", std::nullopt},
      cluster::ProducerIdsRecord{1, 1000, 1000},
      cluster::AccessControlEntryRecord{{id, 2, "orders", 4, "User:alice", "*", 3, 3}},
      cluster::RemoveAccessControlEntryRecord{id},
      cluster::RemoveTopicRecord{id},
  };
  seed("metadata_records", "batch_all_types", std::string(1, 0) + cluster::encode_batch(recs));
  for (size_t i = 0; i < recs.size(); ++i)
    seed("metadata_records", "batch_type_" + std::to_string(i),
         std::string(1, 2) + cluster::encode_batch({recs[i]}));
  recs.pop_back();  // keep the topic in the snapshot's image
  cluster::ImageBuilder b;
  b.apply_all(recs);
  seed("metadata_records", "snapshot", std::string(1, 1) + cluster::encode_snapshot(*b.build(42)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <fuzz/corpus dir>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  record_batch_seeds();
  segment_recovery_seeds();
  index_loading_seeds();
  metadata_seeds();
  fs::remove_all(fuzz::scratch_dir());
  return 0;
}
