// Request/response header versions and helpers to read and write them.
#pragma once

#include <cstdint>

#include "protocol/messages/request_header.h"
#include "protocol/messages/response_header.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace samsa::protocol {

// Header v2 for flexible request versions, v1 otherwise (v0 only for ControlledShutdown v0).
// For API keys we have no codec for, v1: its client id is still readable, which is all a broker
// needs to answer or log.
int16_t request_header_version(int16_t api_key, int16_t api_version);

// v1 for flexible versions, v0 otherwise; ApiVersions always uses v0 (KIP-511) so a client can
// parse the answer whatever version it asked for.
int16_t response_header_version(int16_t api_key, int16_t api_version);

// Peeks the api key and version at the start of a request frame, picks the header version and
// decodes the header. Throws DecodeError on malformed input.
RequestHeader read_request_header(Reader& reader);

void write_request_header(Writer& writer, const RequestHeader& header);
void write_response_header(Writer& writer, int32_t correlation_id, int16_t api_key,
                           int16_t api_version);

}  // namespace samsa::protocol
