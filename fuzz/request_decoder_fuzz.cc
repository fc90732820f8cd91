// Input: one request frame body (request header + request body, without the 4-byte size).
// Decoding must either succeed or throw DecodeError; sanitizers catch everything else. When a
// body decodes, it is re-encoded and decoded again, and both messages must agree: this checks
// encode/size against decode on inputs no hand-written test would think of.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "protocol/headers.h"
#include "protocol/messages/all_messages.h"
#include "protocol/messages/api_registry.h"

namespace samsa::protocol {
namespace {

[[noreturn]] void fail(const char* what, const char* name, int16_t version) {
  std::fprintf(stderr, "round-trip mismatch (%s) in %s v%d\n", what, name, version);
  std::abort();
}

template <class M>
void round_trip(int16_t api_key, int16_t version, const uint8_t* data, size_t size) {
  if (M::kApiKey < 0 || M::kApiKey != api_key) return;
  if (version < M::kMinVersion || version > M::kMaxVersion) return;
  M first;
  try {
    Reader r(data, size);
    first.decode(r, version);
  } catch (const DecodeError&) {
    return;
  }
  std::vector<uint8_t> bytes;
  Writer w(bytes);
  try {
    first.encode(w, version);
  } catch (const EncodeError&) {
    return;  // e.g. a value that this version cannot represent
  }
  if (first.size(version) != bytes.size()) fail("size", M::kName, version);
  Reader r2(bytes.data(), bytes.size());
  M second;
  second.decode(r2, version);  // a DecodeError here escapes and is reported as a crash
  if (r2.remaining() != 0) fail("trailing bytes", M::kName, version);
  if (!(first == second)) fail("values", M::kName, version);
}

}  // namespace
}  // namespace samsa::protocol

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace samsa::protocol;
  Reader reader(data, size);
  RequestHeader header;
  try {
    header = read_request_header(reader);
  } catch (const DecodeError&) {
    return 0;
  }
  const size_t body_offset = reader.position();
  try {
    decode_request_body(header.api_key, header.api_version, reader);
  } catch (const DecodeError&) {
  }
#define SAMSA_FUZZ_ROUND_TRIP(M) \
  round_trip<M>(header.api_key, header.api_version, data + body_offset, size - body_offset);
  SAMSA_PROTOCOL_MESSAGES(SAMSA_FUZZ_ROUND_TRIP)
#undef SAMSA_FUZZ_ROUND_TRIP
  return 0;
}
