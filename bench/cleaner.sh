#!/usr/bin/env bash
# Log cleaner throughput (MB/s of log read and deduplicated in one pass) for 1 KiB records with
# 10% live keys. Links bench/cleaner_bench.cc against a build's static libraries.
#   bench/cleaner.sh [BUILD_DIR] [LOG_MB]     (defaults: build, 256)
set -euo pipefail
BUILD=${1:-build}
MB=${2:-256}
SRC=$(cd "$(dirname "$0")/.." && pwd)
for lib in storage/libsamsa_storage.a protocol/records/libsamsa_records.a; do
  [ -f "$BUILD/$lib" ] || { echo "bench: $BUILD/$lib not found; build samsa_storage first" >&2; exit 2; }
done
OUT=$(mktemp /tmp/samsa-cleaner-bench.XXXXXX)
trap 'rm -f "$OUT"' EXIT
g++ -std=c++20 -O2 -I"$SRC" "$SRC/bench/cleaner_bench.cc" \
  "$BUILD/storage/libsamsa_storage.a" "$BUILD/protocol/records/libsamsa_records.a" \
  $(pkg-config --libs zlib snappy liblz4 libzstd) -lspdlog -lfmt -pthread -o "$OUT"
"$OUT" "$MB"
