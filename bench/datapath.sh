#!/usr/bin/env bash
# Data-path benchmark (issue 9): what the broker does with a disk's worth of data.
#   (a) sustained produce: DATAPATH_BYTES (6 GB) of 1 KiB records, acks=1, 6 partitions,
#       unthrottled, divided by a `dd` of the same volume to the same filesystem in the same run
#       (target >= 0.85);
#   (b) consume of everything (a) wrote, divided by the produce rate of (a) (target >= 1.5);
#   (c) produce latency at half of (a)'s rate (acks=1, linger.ms=1) for DATAPATH_LATENCY_S
#       seconds, against the broker and against librdkafka's mock cluster at the same rate
#       (target: broker p99 <= 5 ms). DATAPATH_LATENCY_RATE sets another rate: on a machine where
#       client and broker share few cores, half of the maximum saturates the client too (the mock
#       cluster's own p99 shows it), and only a rate the mock serves in a few ms isolates the
#       broker's tail.
# The short produce run against the mock ceiling is bench/run.sh's. Called by `make bench`; runs
# alone too; builds nothing. Figures only: the exit status says whether every step ran, never
# whether a target was met.
#   bench/datapath.sh [BUILD_DIR]          (default: build)
# Knobs (environment): DATAPATH_BYTES (6000000000), DATAPATH_RECORD_SIZE (1024),
# DATAPATH_PARTITIONS (6), DATAPATH_LATENCY_S (20), DATAPATH_LATENCY_RATE (records/s; default half
# of (a)), DATAPATH_DIR (work dir parent: the filesystem
# measured; default /tmp), BENCH_BROKER_ARGS (extra broker flags), BENCH_KEEP=1 keeps the work dir.
set -uo pipefail

BUILD=${1:-build}
PERF=$BUILD/tools/samsa-perf/samsa-perf
BROKER=$BUILD/broker/samsa-broker
BYTES=${DATAPATH_BYTES:-6000000000}
SIZE=${DATAPATH_RECORD_SIZE:-1024}
PARTS=${DATAPATH_PARTITIONS:-6}
LATENCY_S=${DATAPATH_LATENCY_S:-20}
RECORDS=$((BYTES / SIZE))
# Generous: a slow disk must not turn a figure into a failure. 20 MB/s is the floor assumed.
STEP_MS=$((BYTES / 20000 + 60000))
BENCH_NAME=datapath

for bin in "$PERF" "$BROKER"; do
  if [ ! -x "$bin" ]; then
    echo "datapath bench: $bin not found; build first (e.g. cmake --build $BUILD)" >&2
    exit 2
  fi
done

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d "${DATAPATH_DIR:-/tmp}/samsa-datapath.XXXXXX")
FAILED=0

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  bench_stop_broker
  rm -f "$WORK/dd.bin"
  if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    rm -rf "$WORK/data"  # gigabytes; the logs and outputs are what is worth keeping
    echo "datapath bench: outputs and broker log kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
  local name=$1; shift
  echo "== $name: samsa-perf $*"
  if ! "$PERF" "$@" --timeout "$STEP_MS" >"$WORK/$name.txt" 2>"$WORK/$name.err"; then
    echo "datapath bench: step $name failed:" >&2
    tail -n 5 "$WORK/$name.err" >&2
    touch "$WORK/$name.failed"
    FAILED=1
  fi
  tail -n 2 "$WORK/$name.txt"
}

# records/s MB/s avg p50 p99 p99.9 of a step's final line ("-" when absent or failed).
figures() {
  local line
  if [ -e "$WORK/$1.failed" ]; then echo "- - - - - -"; return; fi
  line=$(grep -E '^[0-9]+ records (sent|consumed),' "$WORK/$1.txt" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then echo "- - - - - -"; return; fi
  sed -E 's/^[0-9]+ records [a-z]+, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, [0-9.]+ ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 99th, ([0-9]+) ms 99.9th\./\1 \2 \3 \4 \5 \6/' <<<"$line"
}

# CPU seconds (user + system) the broker has used so far: per-step CPU is far less sensitive to
# other load on a shared machine than throughput is.
TICKS=$(getconf CLK_TCK)
broker_cpu() { awk -v t="$TICKS" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$BROKER_PID/stat" 2>/dev/null || echo 0; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "-" }'; }

START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
FS=$(df -P "$WORK" | awk 'NR == 2 {print $1 " (" $6 ")"}')
MB=$((BYTES / 1000000))

# (a) the disk's figure first: dd of the same volume, in 1 MB blocks, without a final fsync (the
# broker leaves flushing to the OS too, as Kafka does by default). The file is removed before the
# broker starts so both see the same free page cache.
echo "== dd: $MB MB to $FS"
DD_START=$(date +%s.%N)
if ! dd if=/dev/zero of="$WORK/dd.bin" bs=1000000 count="$MB" status=none; then
  echo "datapath bench: dd failed" >&2
  FAILED=1
fi
DD_END=$(date +%s.%N)
rm -f "$WORK/dd.bin"
DD_MBS=$(awk -v s="$DD_START" -v e="$DD_END" -v mb="$MB" 'BEGIN { printf "%.1f", mb / (e - s) }')
echo "dd: $DD_MBS MB/s"
sync

# shellcheck disable=SC2086 # BENCH_BROKER_ARGS is a list of flags
bench_start_broker "$WORK" ${BENCH_BROKER_ARGS:-} || { FAILED=1; exit 1; }
echo "== broker pid $BROKER_PID on $BOOT, data in $WORK/data"

CPU0=$(broker_cpu)
step produce producer --bootstrap-server "$BOOT" --topic sustained --partitions "$PARTS" \
  --num-records "$RECORDS" --record-size "$SIZE" --throughput -1 --producer-props acks=1
CPU1=$(broker_cpu)
DISK_USED=$(du -sm "$WORK/data" 2>/dev/null | cut -f1)

# (b) everything (a) wrote, no group, every partition from the start.
step consume consumer --bootstrap-server "$BOOT" --topic sustained --messages "$RECORDS"
CPU2=$(broker_cpu)

read -r P_RATE P_MB P_AVG P_P50 P_P99 P_P999 <<<"$(figures produce)"
read -r C_RATE C_MB _ _ _ _ <<<"$(figures consume)"

# (c) half the sustained rate, a fixed-rate producer with linger.ms=1, against a fresh topic.
HALF=$(awk -v r="$P_RATE" 'BEGIN { if (r+0 > 0) printf "%d", r / 2; else print 100000 }')
HALF=${DATAPATH_LATENCY_RATE:-$HALF}
LAT_RECORDS=$((HALF * LATENCY_S))
# What the page cache holds unwritten when (c) starts: above the kernel's dirty threshold the
# broker's writes are throttled (balance_dirty_pages), whatever the broker does.
dirty_mb() { awk '/^(Dirty|Writeback):/ { kb += $2 } END { printf "%d", kb / 1024 }' /proc/meminfo; }
DIRTY_BEFORE_C=$(dirty_mb)
step latency-broker producer --bootstrap-server "$BOOT" --topic latency --partitions "$PARTS" \
  --num-records "$LAT_RECORDS" --record-size "$SIZE" --throughput "$HALF" \
  --producer-props acks=1 linger.ms=1
bench_stop_broker
step latency-mock producer --mock --topic latency --partitions "$PARTS" \
  --num-records "$LAT_RECORDS" --record-size "$SIZE" --throughput "$HALF" \
  --producer-props acks=1 linger.ms=1
read -r LB_RATE _ LB_AVG LB_P50 LB_P99 LB_P999 <<<"$(figures latency-broker)"
read -r LM_RATE _ LM_AVG LM_P50 LM_P99 LM_P999 <<<"$(figures latency-mock)"

echo
echo "== datapath summary ($RECORDS records x $SIZE B = $MB MB, $PARTS partitions, acks=1;" \
  "$(nproc) cores, load avg $LOAD_BEFORE at start, $(cut -d' ' -f1-3 /proc/loadavg) at end;" \
  "$FS; $(date -u +%Y-%m-%dT%H:%MZ), $(($(date +%s) - START)) s)"
printf '%-16s %12s %9s %9s %7s %7s %8s\n' test records/s MB/s avg-ms p50-ms p99-ms p99.9-ms
printf '%-16s %12s %9s %9s %7s %7s %8s\n' \
  dd - "$DD_MBS" - - - - \
  produce "$P_RATE" "$P_MB" "$P_AVG" "$P_P50" "$P_P99" "$P_P999" \
  consume "$C_RATE" "$C_MB" - - - - \
  latency-broker "$LB_RATE" - "$LB_AVG" "$LB_P50" "$LB_P99" "$LB_P999" \
  latency-mock "$LM_RATE" - "$LM_AVG" "$LM_P50" "$LM_P99" "$LM_P999"
echo "(a) sustained produce / dd:       $(ratio "$P_MB" "$DD_MBS")  (target >= 0.85; record" \
  "payload MB/s over dd MB/s; $DISK_USED MB on disk)"
echo "broker CPU: $(awk -v a="$CPU0" -v b="$CPU1" -v mb="$MB" 'BEGIN { printf "%.2f", (b - a) * 1000 / mb }') s" \
  "per GB produced, $(awk -v a="$CPU1" -v b="$CPU2" -v mb="$MB" 'BEGIN { printf "%.2f", (b - a) * 1000 / mb }') s per GB consumed"
echo "(b) consume / produce:            $(ratio "$C_RATE" "$P_RATE")  (target >= 1.5)"
echo "dirty + writeback page cache when (c) started: $DIRTY_BEFORE_C MB" \
  "(vm.dirty_background_ratio $(cat /proc/sys/vm/dirty_background_ratio)," \
  "vm.dirty_ratio $(cat /proc/sys/vm/dirty_ratio))"
echo "(c) produce p99 at $HALF rec/s:   ${LB_P99} ms broker, ${LM_P99} ms mock  (target <= 5 ms" \
  "at half of (a)'s rate${DATAPATH_LATENCY_RATE:+; rate set by DATAPATH_LATENCY_RATE})"
exit "$FAILED"
