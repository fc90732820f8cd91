// Zero-copy fetch responses: a response encoded with file-region placeholders and sent with
// write_with_regions (sendfile) arrives byte for byte as the same response encoded with the
// records copied, for non-flexible and flexible FetchResponse versions.
#include "server/response_regions.h"

#include <gtest/gtest.h>

#include "protocol/messages/fetch_response.h"
#include "storage/log.h"
#include "tests/unit/storage/test_util.h"

namespace samsa::server {
namespace {

using Response = protocol::FetchResponse;

std::shared_ptr<storage::Log> filled_log(const std::filesystem::path& dir, int batches) {
  storage::LogConfig cfg;
  cfg.segment_bytes = 256 * 1024;  // several segments, so slices hold several regions
  auto log = storage::Log::open({"t", 0}, dir / "t-0", cfg, true, 0, 0);
  for (int i = 0; i < batches; ++i) {
    auto b = storage::test::make_batch(20, 1'700'000'000'000 + i, 1000);
    log->append(b, 1);
  }
  return log;
}

Response two_partitions(std::span<const uint8_t> big, std::span<const uint8_t> small) {
  Response r;
  auto& topic = r.responses.emplace_back();
  topic.topic = "t";
  auto& p0 = topic.partitions.emplace_back();
  p0.partition_index = 0;
  p0.high_watermark = 10;
  p0.records = big;
  auto& p1 = topic.partitions.emplace_back();
  p1.partition_index = 1;
  p1.records = small;
  return r;
}

// A frame as the connection builds it: int32 size, then the body.
void patch_size(std::vector<uint8_t>& out, int64_t extra) {
  const auto body = static_cast<uint32_t>(static_cast<int64_t>(out.size()) - 4 + extra);
  out[0] = static_cast<uint8_t>(body >> 24);
  out[1] = static_cast<uint8_t>(body >> 16);
  out[2] = static_cast<uint8_t>(body >> 8);
  out[3] = static_cast<uint8_t>(body);
}

std::vector<uint8_t> send_and_receive(const std::vector<uint8_t>& buffer,
                                      const std::vector<ResponseFileRegions::Placed>& placed) {
  asio::io_context io(1);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  asio::ip::tcp::socket server = acceptor.accept();
  // A small send buffer makes sendfile hit EAGAIN and wait for writability many times.
  server.set_option(asio::socket_base::send_buffer_size(4096));
  std::vector<uint8_t> received;
  std::exception_ptr failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await write_with_regions(server, buffer, placed);
        server.shutdown(asio::ip::tcp::socket::shutdown_send);
      },
      [&](std::exception_ptr e) {
        failure = e;
        std::error_code ignored;  // a failed write closes, so the reader sees the end
        server.close(ignored);
      });
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        uint8_t chunk[1500];  // small reads, so the writer keeps finding the buffer full
        for (;;) {
          std::error_code ec;
          size_t n = co_await client.async_read_some(asio::buffer(chunk),
                                                     asio::redirect_error(asio::use_awaitable, ec));
          received.insert(received.end(), chunk, chunk + n);
          if (ec) break;
        }
      },
      asio::detached);
  io.run();
  if (failure) std::rethrow_exception(failure);
  return received;
}

class ResponseRegionsTest : public ::testing::TestWithParam<int16_t> {};

TEST_P(ResponseRegionsTest, SendfileResponseEqualsCopiedResponse) {
  const int16_t version = GetParam();
  storage::test::TempDir tmp;
  auto log = filled_log(tmp.path(), 60);  // about 1.2 MB in 5 segments
  auto slice = log->locate(0, INT32_MAX, INT64_MAX, true);
  ASSERT_GT(slice.regions.size(), 2u);
  auto copied = storage::Log::read_regions(slice);
  ASSERT_EQ(copied.data.size(), static_cast<size_t>(slice.size));
  const std::vector<uint8_t> small = {1, 2, 3, 4, 5};

  std::vector<uint8_t> expected(4);
  {
    protocol::Writer w(expected);
    two_partitions({copied.data.data(), copied.data.size()}, small).encode(w, version);
    patch_size(expected, 0);
  }

  ResponseFileRegions regions;
  auto placeholder = regions.placeholder(slice.regions);
  ASSERT_TRUE(placeholder.has_value());
  EXPECT_EQ(placeholder->size(), static_cast<size_t>(slice.size));
  std::vector<uint8_t> buffer(4);
  protocol::Writer w(buffer);
  w.set_records_sink(&regions);
  two_partitions(*placeholder, small).encode(w, version);
  patch_size(buffer, regions.placed_bytes());
  // The record bytes stayed out of the buffer; the small records were copied in.
  EXPECT_EQ(regions.placed_bytes(), slice.size);
  EXPECT_EQ(regions.placed().size(), slice.regions.size());
  EXPECT_EQ(buffer.size() + static_cast<size_t>(slice.size), expected.size());

  EXPECT_EQ(send_and_receive(buffer, regions.placed()), expected);
}

INSTANTIATE_TEST_SUITE_P(FetchVersions, ResponseRegionsTest, ::testing::Values(4, 11, 12));

TEST(ResponseRegions, SpanNotHandedOutIsCopied) {
  ResponseFileRegions regions;
  const std::vector<uint8_t> bytes = {9, 8, 7};
  EXPECT_FALSE(regions.claim(bytes, 0));
  std::vector<uint8_t> out;
  protocol::Writer w(out);
  w.set_records_sink(&regions);
  w.write_records(bytes, false);
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 3, 9, 8, 7}));
  EXPECT_TRUE(regions.placed().empty());
}

TEST(ResponseRegions, FileShorterThanRegionFailsTheWrite) {
  storage::test::TempDir tmp;
  auto log = filled_log(tmp.path(), 4);
  auto slice = log->locate(0, INT32_MAX, INT64_MAX, true);
  ASSERT_EQ(slice.regions.size(), 1u);
  log->truncate_to(20);  // the located region now runs past the end of the file
  ResponseFileRegions regions;
  auto placeholder = regions.placeholder(slice.regions);
  ASSERT_TRUE(placeholder.has_value());
  std::vector<uint8_t> buffer;
  protocol::Writer w(buffer);
  w.set_records_sink(&regions);
  w.write_records(*placeholder, false);
  EXPECT_THROW(send_and_receive(buffer, regions.placed()), std::system_error);
}

}  // namespace
}  // namespace samsa::server
