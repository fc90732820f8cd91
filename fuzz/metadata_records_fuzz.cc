// Input: a metadata record batch as read back from the raft log, or (option byte odd) a
// snapshot. decode_batch must return records or nullopt; a decoded batch must re-encode to bytes
// that decode to the same encoding again, and a snapshot must build an image or fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cluster/metadata_records.h"
#include "fuzz_util.h"

using namespace samsa;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> body(data + 1, size - 1);
  if (data[0] & 1) {
    std::string error;
    auto image = cluster::decode_snapshot(body, &error);
    if (!image && error.empty()) fuzz::fail("snapshot refused without a reason");
    if (image) {
      // An image built from a snapshot must survive its own snapshot round trip.
      const std::string snap = cluster::encode_snapshot(*image);
      auto again = cluster::decode_snapshot(
          std::span(reinterpret_cast<const uint8_t*>(snap.data()), snap.size()), &error);
      if (!again) fuzz::fail("re-encoded snapshot refused: " + error);
      if (cluster::encode_snapshot(*again) != snap) fuzz::fail("snapshot round trip differs");
    }
    return 0;
  }
  std::string error;
  auto recs = cluster::decode_batch(body, &error);
  if (!recs) {
    if (error.empty()) fuzz::fail("batch refused without a reason");
    return 0;
  }
  const std::string encoded = cluster::encode_batch(*recs);
  auto again = cluster::decode_batch(
      std::span(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size()), &error);
  if (!again) fuzz::fail("re-encoded batch refused: " + error);
  if (cluster::encode_batch(*again) != encoded) fuzz::fail("batch round trip differs");
  return 0;
}
