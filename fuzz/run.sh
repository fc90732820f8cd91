#!/usr/bin/env bash
# Builds and runs the request decoder fuzzer. Usage: fuzz/run.sh [runs]   (default 200000)
# Exits non-zero if the fuzzer finds a crash; the reproducer is left in the build directory.
# SAMSA_FUZZ_BUILD_DIR overrides the build directory (default: <repo>/build-fuzz).
set -euo pipefail
runs="${1:-200000}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${SAMSA_FUZZ_BUILD_DIR:-$here/../build-fuzz}"
cxx="${SAMSA_FUZZ_CXX:-clang++-14}"

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
ninja -C "$build" request_decoder_fuzz

# New inputs go to a scratch corpus so the checked-in seeds stay as they are.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$build/request_decoder_fuzz" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/" "$scratch" "$here/corpus"
