// Input: one byte of options, then one record batch as a producer sends it. The batch's length
// field and CRC are fixed up (a mutation would almost never keep them right), then it goes through
// what the produce path does with a client batch: validate_client_batch, the decompressing records
// check and, for topics with a compression.type, convert_batch to each codec. Sanitizers catch
// memory errors; libFuzzer's -malloc_limit_mb (fuzz/run.sh) catches decompression that is not
// bounded by decompressed_limit. Invariants checked here: a converted batch is itself a valid
// client batch with the same records.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_util.h"
#include "protocol/records/batch_conversion.h"
#include "protocol/records/compression.h"
#include "protocol/records/record_batch.h"

using namespace samsa;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::vector<uint8_t> batch(data + 1, data + size);
  if (batch.size() >= records::kBatchHeaderSize) {
    records::write_be32(batch.data() + records::kLengthOffset,
                        static_cast<int32_t>(batch.size() - records::kLogOverhead));
    fuzz::fix_crcs(batch);
  }
  records::ValidateOptions opts;
  // Small max.message.bytes values keep the decompression bound at its 16 MiB floor; large ones
  // raise it to 64 x max.message.bytes.
  opts.max_message_bytes = (flags & 1) ? 1 << 20 : 64 << 10;
  opts.log_append_time = flags & 2;
  // Old produce versions refuse zstd; the topic's compression.type may still convert to it.
  opts.produce_version = (flags & 0x20) ? 3 : 9;
  opts.now_ms = 1'700'000'000'000;

  auto v = records::validate_client_batch(batch, opts);
  if (!v.ok()) return 0;
  std::vector<uint8_t> original_records;
  auto check = records::decompress_and_check(batch, opts, original_records);
  if (!check.ok()) return 0;
  if (original_records.size() > records::decompressed_limit(opts.max_message_bytes))
    fuzz::fail("decompressed records beyond decompressed_limit");

  static const records::Compression kTargets[] = {
      records::Compression::kNone, records::Compression::kGzip, records::Compression::kSnappy,
      records::Compression::kLz4, records::Compression::kZstd};
  const auto target = kTargets[(flags >> 2) % 5];
  auto converted = records::convert_batch(batch, target, records::kDefaultLevel, opts);
  if (!converted.ok()) return 0;
  records::ValidateOptions current = opts;
  current.produce_version = 9;
  auto again = records::validate_client_batch(converted.batch, current);
  if (!again.ok()) fuzz::fail("converted batch rejected: " + again.message);
  if (!records::check_batch_integrity(converted.batch).empty())
    fuzz::fail("converted batch fails the integrity check");
  std::vector<uint8_t> converted_records;
  auto check2 = records::decompress_and_check(converted.batch, current, converted_records);
  if (!check2.ok()) fuzz::fail("converted batch's records rejected: " + check2.message);
  if (converted_records != original_records) fuzz::fail("conversion changed the records");
  return 0;
}
