#include "protocol/headers.h"

#include "protocol/messages/api_registry.h"

namespace samsa::protocol {
namespace {

constexpr int16_t kApiVersionsKey = 18;
constexpr int16_t kControlledShutdownKey = 7;

bool is_flexible(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = find_api(api_key);
  return api != nullptr && api_version >= api->first_flexible_version;
}

}  // namespace

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == kControlledShutdownKey && api_version == 0) return 0;
  return is_flexible(api_key, api_version) ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == kApiVersionsKey) return 0;
  return is_flexible(api_key, api_version) ? 1 : 0;
}

RequestHeader read_request_header(Reader& reader) {
  if (reader.remaining() < 4) throw DecodeError("request frame too short for a header");
  // Peek without consuming: the header decode reads the same fields again.
  Reader peek = reader;
  const int16_t api_key = peek.read_int16();
  const int16_t api_version = peek.read_int16();
  RequestHeader header;
  header.decode(reader, request_header_version(api_key, api_version));
  return header;
}

void write_request_header(Writer& writer, const RequestHeader& header) {
  header.encode(writer, request_header_version(header.api_key, header.api_version));
}

void write_response_header(Writer& writer, int32_t correlation_id, int16_t api_key,
                           int16_t api_version) {
  ResponseHeader header;
  header.correlation_id = correlation_id;
  header.encode(writer, response_header_version(api_key, api_version));
}

}  // namespace samsa::protocol
