#pragma once
// Zero-copy fetch responses. A fetch on a plaintext connection leaves its record bytes in the
// segment files: the encoder writes each records field's length prefix into the response buffer
// and this sink notes where the file bytes belong, and the connection then sends buffer chunks and
// file regions in order, the regions with sendfile(2) (Kafka's FileRecords.writeTo). A connection
// whose stream must see the bytes (TLS) has no sink, and the fetch copies them as before.
#include <asio.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/writer.h"
#include "storage/types.h"

namespace samsa::server {

class ResponseFileRegions : public protocol::RecordsSink {
 public:
  // A region and the response buffer offset its bytes go before.
  struct Placed {
    size_t buffer_offset;
    storage::FileRegion region;
  };

  // A stand-in span for a records field whose bytes are `regions` (consecutive in the field): it
  // has their total length, so the encoder writes the right length prefix, and it points into an
  // address range reserved PROT_NONE, so code that tried to copy it instead of letting claim()
  // take it would fault at once rather than send stray memory. nullopt when the reservation is
  // unavailable or used up by this response: the caller then reads the bytes instead.
  std::optional<std::span<const uint8_t>> placeholder(std::vector<storage::FileRegion> regions);

  bool claim(std::span<const uint8_t> records, size_t buffer_offset) override;

  const std::vector<Placed>& placed() const { return placed_; }
  // Bytes the regions add to the response beyond the buffer.
  int64_t placed_bytes() const { return placed_bytes_; }
  // Forgets everything (and releases the segments) for the next response.
  void clear();

 private:
  struct Pending {
    const uint8_t* address;
    size_t length;
    std::vector<storage::FileRegion> regions;
  };
  std::vector<Pending> pending_;
  size_t reserved_ = 0;    // placeholder bytes handed out for this response
  size_t next_claim_ = 0;  // where the next claim is expected in pending_
  std::vector<Placed> placed_;
  int64_t placed_bytes_ = 0;
};

// Writes `buffer` with the placed regions spliced in at their offsets. Regions go by sendfile(2)
// on the socket's descriptor, waiting for writability when the socket buffer is full. Throws
// std::system_error on a socket or file error, and when a file turns out shorter than its region
// (the frame's length prefix would then lie, so the connection must close).
asio::awaitable<void> write_with_regions(asio::ip::tcp::socket& socket,
                                         std::span<const uint8_t> buffer,
                                         const std::vector<ResponseFileRegions::Placed>& placed);

}  // namespace samsa::server
