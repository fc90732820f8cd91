#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (fuzz/*_fuzz.cc), each from its seed corpus in
# fuzz/corpus/<target>/.
#   fuzz/run.sh build                      configure and build every target in the fuzz build
#   fuzz/run.sh <target> [libFuzzer flags] run one target, e.g. -runs=20000 or -max_total_time=60
#   fuzz/run.sh all [libFuzzer flags]      run every target in turn
# Exits non-zero if a fuzzer finds a crash, a leak, an invariant break or an allocation over
# -malloc_limit_mb; the reproducer is left in the build directory (crash-*, leak-*, oom-*).
# SAMSA_FUZZ_BUILD_DIR overrides the build directory (default: <repo>/build-fuzz); SAMSA_FUZZ_CXX
# the compiler (default clang++-14).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="${SAMSA_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
cxx="${SAMSA_FUZZ_CXX:-clang++-14}"
cc="${cxx/clang++/clang}"
targets=(request_decoder record_batch segment_recovery index_loading metadata_records)

build_all() {
  mkdir -p "$build"
  # ctest runs the targets in parallel: one configure/build at a time.
  (
    flock 9
    if [ ! -f "$build/build.ninja" ]; then
      cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DSAMSA_FUZZ=ON \
        -DSAMSA_SANITIZE=address,undefined \
        "-DSAMSA_ONLY=config;protocol;protocol/records;storage;cluster" >/dev/null
    fi
    ninja -C "$build" -j "${JOBS:-2}" $(printf '%s_fuzz ' "${targets[@]}") fuzz_make_seeds
  ) 9>"$build/.build.lock"
}

run_one() {
  local target="$1"
  shift
  [ -d "$here/corpus/$target" ] || { echo "no corpus for fuzz target '$target'" >&2; exit 2; }
  build_all
  # New inputs go to a scratch corpus so the checked-in seeds stay as they are.
  local scratch files rc=0
  scratch="$(mktemp -d)"
  # Where the storage targets write their segment files.
  files="$(mktemp -d -p "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)" samsa-fuzz-XXXXXX)"
  echo "== fuzz $target $*"
  # max_len 64 KiB: room for inputs that decode (or decompress) into far more than they are.
  # malloc_limit_mb: an allocation this large means a size from the input was not bounded.
  SAMSA_FUZZ_SCRATCH="$files" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$build/fuzz/${target}_fuzz" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=512 -print_final_stats=1 -artifact_prefix="$build/$target-" "$@" \
    "$scratch" "$here/corpus/$target" || rc=$?
  rm -rf "$scratch" "$files"
  return "${rc:-0}"
}

case "${1:-}" in
  build) build_all ;;
  all)
    shift
    for t in "${targets[@]}"; do run_one "$t" "$@"; done
    ;;
  "" | -h | --help)
    sed -n '2,12p' "$0"
    exit 2
    ;;
  *) run_one "$@" ;;
esac
