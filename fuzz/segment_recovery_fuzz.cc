// Input: one byte of options, then the contents of a segment's .log file as a crash or a bad disk
// might leave it. Segment::open with recover must keep a prefix of whole, intact batches with
// ascending offsets and drop the rest; anything else (a crash, a kept corrupt batch, a wrong size)
// is a finding. With option bit 0 the CRCs are fixed up first, so the checks behind the CRC get
// fuzzed too.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_util.h"
#include "storage/file_util.h"
#include "storage/segment.h"
#include "storage/types.h"

using namespace samsa;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::vector<uint8_t> log(data + 1, data + size);
  if (flags & 1) fuzz::fix_crcs(log);
  const int64_t base = (flags & 2) ? 1000 : 0;

  const auto& dir = fuzz::scratch_dir();
  for (const char* ext : {".log", ".index", ".timeindex"})
    std::filesystem::remove(dir / storage::segment_file_name(base, ext));
  fuzz::write_file(dir / storage::segment_file_name(base, ".log"), log);

  storage::LogConfig cfg;
  cfg.index_interval_bytes = 128;  // many index entries, so the rebuilt index is exercised
  int64_t dropped = 0;
  std::shared_ptr<storage::Segment> seg;
  try {
    seg = storage::Segment::open(dir, base, cfg, /*recover=*/true, base, &dropped);
  } catch (const storage::StorageError&) {
    return 0;  // refusing the file is allowed; crashing is not
  }
  if (seg->size() < 0 || seg->size() > static_cast<int64_t>(log.size()))
    fuzz::fail("recovered size outside the file");
  if (seg->size() + dropped != static_cast<int64_t>(log.size()))
    fuzz::fail("kept + dropped bytes differ from the file size");

  std::vector<uint8_t> kept(static_cast<size_t>(seg->size()));
  if (seg->read(kept.data(), kept.size(), 0) != kept.size()) fuzz::fail("short read of kept bytes");
  size_t pos = 0;
  int64_t next = base;
  while (pos < kept.size()) {
    auto h = records::parse_header(std::span<const uint8_t>(kept).subspan(pos));
    if (!h || h->length < 0 || static_cast<uint64_t>(h->total_size()) > kept.size() - pos)
      fuzz::fail("recovery kept a partial batch");
    auto batch = std::span<const uint8_t>(kept).subspan(pos, h->total_size());
    if (!records::check_batch_integrity(batch).empty()) fuzz::fail("recovery kept a corrupt batch");
    if (h->base_offset < next) fuzz::fail("recovery kept offsets that go backwards");
    // The rebuilt index must find every kept batch.
    auto loc = seg->find(h->base_offset);
    if (!loc || loc->position != static_cast<int64_t>(pos))
      fuzz::fail("rebuilt index does not find a kept batch");
    next = h->last_offset() + 1;
    pos += h->total_size();
  }
  if (!kept.empty() && seg->next_offset() != next) fuzz::fail("next offset disagrees with batches");
  return 0;
}
