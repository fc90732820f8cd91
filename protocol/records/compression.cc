#include "protocol/records/compression.h"

#include <lz4.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace samsa::records {
namespace {

// Output grows in steps of this size (or less near the bound), so a tiny input that claims a huge
// size costs at most one step before the bound check fires.
constexpr size_t kChunk = 64 * 1024;

[[noreturn]] void too_large(std::string_view codec) {
  throw CompressionError(std::string(codec) + ": decompressed size exceeds the limit");
}

// Makes room for at least one more byte of output. The buffer may reach max_output + 1 so that
// output of exactly max_output can still read its end marker; finish() rejects the extra byte.
std::span<uint8_t> grow(std::vector<uint8_t>& out, size_t used, size_t max_output,
                        std::string_view codec) {
  const size_t cap = max_output == SIZE_MAX ? max_output : max_output + 1;
  if (used >= cap) too_large(codec);
  if (out.size() == used) out.resize(std::min(cap, used + std::max(kChunk, used / 2)));
  return {out.data() + used, out.size() - used};
}

std::vector<uint8_t> finish(std::vector<uint8_t>& out, size_t used, size_t max_output,
                            std::string_view codec) {
  if (used > max_output) too_large(codec);
  out.resize(used);
  return std::move(out);
}

// ---- gzip ----------------------------------------------------------------------------------

std::vector<uint8_t> gzip_compress(std::span<const uint8_t> in, int level) {
  if (level == kDefaultLevel) level = Z_DEFAULT_COMPRESSION;
  z_stream zs{};
  // 15 + 16: gzip wrapper, which is what Java's GZIPOutputStream writes.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw CompressionError("gzip: deflateInit failed (bad level?)");
  std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw CompressionError("gzip: deflate failed");
  out.resize(n);
  return out;
}

std::vector<uint8_t> gzip_decompress(std::span<const uint8_t> in, size_t max_output) {
  z_stream zs{};
  // 15 + 32: accept gzip or zlib headers.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw CompressionError("gzip: inflateInit failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  std::vector<uint8_t> out;
  size_t used = 0;
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  if (in.empty()) throw CompressionError("gzip: empty input");
  for (;;) {
    auto room = grow(out, used, max_output, "gzip");
    zs.next_out = room.data();
    zs.avail_out = static_cast<uInt>(room.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    used += room.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Java's GZIPInputStream reads concatenated members; so do we.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) throw CompressionError("gzip: inflateReset failed");
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) throw CompressionError("gzip: truncated stream");
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw CompressionError("gzip: invalid data");
    if (zs.avail_out != 0 && zs.avail_in == 0) throw CompressionError("gzip: truncated stream");
  }
  return finish(out, used, max_output, "gzip");
}

// ---- snappy --------------------------------------------------------------------------------

// xerial snappy-java's stream header: magic, then version and min-compatible version (both 1).
constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;
// snappy-java's default block size, which Kafka's producer uses.
constexpr size_t kXerialBlockSize = 32 * 1024;

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  out.insert(out.end(), b, b + 4);
}

std::vector<uint8_t> snappy_compress(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(kXerialMagic, kXerialMagic + 8);
  put_be32(out, 1);
  put_be32(out, 1);
  std::vector<char> block(snappy::MaxCompressedLength(kXerialBlockSize));
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - pos);
    size_t clen = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n, block.data(), &clen);
    put_be32(out, static_cast<uint32_t>(clen));
    out.insert(out.end(), block.begin(), block.begin() + static_cast<ptrdiff_t>(clen));
  }
  return out;
}

void snappy_block(std::span<const uint8_t> block, std::vector<uint8_t>& out, size_t max_output) {
  const char* src = reinterpret_cast<const char*>(block.data());
  size_t ulen = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &ulen))
    throw CompressionError("snappy: invalid block header");
  if (ulen > max_output - out.size()) too_large("snappy");
  size_t at = out.size();
  out.resize(at + ulen);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + at)))
    throw CompressionError("snappy: invalid data");
}

std::vector<uint8_t> snappy_decompress(std::span<const uint8_t> in, size_t max_output) {
  std::vector<uint8_t> out;
  if (in.size() < kXerialHeaderSize || std::memcmp(in.data(), kXerialMagic, 8) != 0) {
    snappy_block(in, out, max_output);  // librdkafka and others send one raw block
    return out;
  }
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4) throw CompressionError("snappy: truncated xerial block length");
    uint32_t len = read_be32(in.data() + pos);
    pos += 4;
    if (len > in.size() - pos) throw CompressionError("snappy: xerial block exceeds the input");
    snappy_block(in.subspan(pos, len), out, max_output);
    pos += len;
  }
  return out;
}

// ---- lz4 -----------------------------------------------------------------------------------

std::vector<uint8_t> lz4_compress(std::span<const uint8_t> in, int level) {
  if (level == kDefaultLevel) level = 9;
  LZ4F_preferences_t prefs{};
  // Kafka's KafkaLZ4BlockOutputStream: 64 KiB independent blocks, no checksums besides the
  // header's.
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.compressionLevel = level;
  std::vector<uint8_t> out(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) throw CompressionError(std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

std::vector<uint8_t> lz4_decompress(std::span<const uint8_t> in, size_t max_output) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    throw CompressionError("lz4: cannot create a context");
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> ctx(raw,
                                                                   LZ4F_freeDecompressionContext);
  std::vector<uint8_t> out;
  size_t used = 0, pos = 0;
  if (in.empty()) throw CompressionError("lz4: empty input");
  for (;;) {
    auto room = grow(out, used, max_output, "lz4");
    size_t dst = room.size(), src = in.size() - pos;
    size_t hint = LZ4F_decompress(ctx.get(), room.data(), &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(hint)) throw CompressionError(std::string("lz4: ") + LZ4F_getErrorName(hint));
    used += dst;
    pos += src;
    if (hint == 0 && pos == in.size()) break;  // 0 also ends a frame that another follows
    if (hint != 0 && dst == 0 && src == 0) throw CompressionError("lz4: truncated frame");
  }
  return finish(out, used, max_output, "lz4");
}

// ---- zstd ----------------------------------------------------------------------------------

std::vector<uint8_t> zstd_compress(std::span<const uint8_t> in, int level) {
  if (level == kDefaultLevel) level = 3;
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) throw CompressionError(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::vector<uint8_t> zstd_decompress(std::span<const uint8_t> in, size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) throw CompressionError("zstd: cannot create a context");
  // Bounds the decoder's window buffer (a frame may ask for up to 2 GiB otherwise).
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 24);
  std::vector<uint8_t> out;
  size_t used = 0;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t rc = 1;
  if (in.empty()) throw CompressionError("zstd: empty input");
  while (input.pos < input.size || rc != 0) {
    auto room = grow(out, used, max_output, "zstd");
    ZSTD_outBuffer output{room.data(), room.size(), 0};
    rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc)) throw CompressionError(std::string("zstd: ") + ZSTD_getErrorName(rc));
    used += output.pos;
    if (rc != 0 && input.pos == input.size && output.pos < output.size)
      throw CompressionError("zstd: truncated frame");
  }
  return finish(out, used, max_output, "zstd");
}

}  // namespace

std::vector<uint8_t> compress(Compression codec, std::span<const uint8_t> in, int level) {
  switch (codec) {
    case Compression::kNone:
      return {in.begin(), in.end()};
    case Compression::kGzip:
      return gzip_compress(in, level);
    case Compression::kSnappy:
      return snappy_compress(in);
    case Compression::kLz4:
      return lz4_compress(in, level);
    case Compression::kZstd:
      return zstd_compress(in, level);
  }
  throw CompressionError("unknown compression codec");
}

std::vector<uint8_t> decompress(Compression codec, std::span<const uint8_t> in, size_t max_output) {
  switch (codec) {
    case Compression::kNone:
      if (in.size() > max_output) too_large("none");
      return {in.begin(), in.end()};
    case Compression::kGzip:
      return gzip_decompress(in, max_output);
    case Compression::kSnappy:
      return snappy_decompress(in, max_output);
    case Compression::kLz4:
      return lz4_decompress(in, max_output);
    case Compression::kZstd:
      return zstd_decompress(in, max_output);
  }
  throw CompressionError("unknown compression codec");
}

std::optional<Compression> codec_from_topic_config(std::string_view name) {
  if (name == "uncompressed") return Compression::kNone;
  if (name == "gzip") return Compression::kGzip;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "lz4") return Compression::kLz4;
  if (name == "zstd") return Compression::kZstd;
  return std::nullopt;
}

std::string_view codec_name(Compression codec) {
  switch (codec) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

}  // namespace samsa::records
