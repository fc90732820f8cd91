#!/usr/bin/env bash
# Throughput/latency/memory benchmark of samsa-broker against librdkafka's mock cluster, which
# stands for the client's own ceiling on this machine, then the consumer-group benchmark
# (bench/group.sh). Called by `make bench`; builds nothing.
#   bench/run.sh [BUILD_DIR]          (default: build)
# Knobs (environment): BENCH_RECORDS (500000), BENCH_RECORD_SIZE (1024), BENCH_PARTITIONS (6),
# BENCH_IDLE_TOPICS (100), BENCH_STEP_TIMEOUT_MS (50000), BENCH_BROKER_ARGS (extra broker flags),
# BENCH_KEEP=1 keeps the work dir (broker log, outputs). Exit status is non-zero if any step failed.
set -uo pipefail

BUILD=${1:-build}
PERF=$BUILD/tools/samsa-perf/samsa-perf
BROKER=$BUILD/broker/samsa-broker
RECORDS=${BENCH_RECORDS:-500000}
SIZE=${BENCH_RECORD_SIZE:-1024}
PARTS=${BENCH_PARTITIONS:-6}
IDLE_TOPICS=${BENCH_IDLE_TOPICS:-100}
STEP_MS=${BENCH_STEP_TIMEOUT_MS:-50000}

for bin in "$PERF" "$BROKER"; do
  if [ ! -x "$bin" ]; then
    echo "bench: $bin not found; build first (e.g. cmake --build $BUILD)" >&2
    exit 2
  fi
done

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d /tmp/samsa-bench.XXXXXX)
FAILED=0

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  bench_stop_broker
  if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: outputs and broker log kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$BROKER_PID/status" 2>/dev/null || echo "n/a"; }

# Runs one samsa-perf step, keeping its output in $WORK/<name>.txt; a failure is recorded, and the
# run goes on so the other figures are still printed.
step() {
  local name=$1; shift
  echo "== $name: samsa-perf $*"
  if ! "$PERF" "$@" --timeout "$STEP_MS" >"$WORK/$name.txt" 2>"$WORK/$name.err"; then
    echo "bench: step $name failed:" >&2
    tail -n 5 "$WORK/$name.err" >&2
    touch "$WORK/$name.failed"
    FAILED=1
  fi
  tail -n 3 "$WORK/$name.txt"
}

# Fields of a final samsa-perf line: records/s MB/s avg-ms p50 p99 p99.9 ("-" when absent, and
# "FAILED" for a step that did not finish: its partial figures are not comparable).
figures() {
  local line
  if [ -e "$WORK/$1.failed" ]; then echo "FAILED - - - - -"; return; fi
  line=$(grep -E '^[0-9]+ records (sent|consumed),' "$WORK/$1.txt" 2>/dev/null | tail -n 1)
  if [ -z "$line" ] || ! grep -q " records $2," <<<"$line"; then echo "- - - - - -"; return; fi
  sed -E 's/^[0-9]+ records [a-z]+, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, [0-9.]+ ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 99th, ([0-9]+) ms 99.9th\./\1 \2 \3 \4 \5 \6/' <<<"$line"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "-" }'; }

START=$(date +%s)
COMMON=(--topic bench --partitions "$PARTS")

# (a) the client's ceiling: the same workload against librdkafka's in-process mock cluster.
step mock-producer producer --mock "${COMMON[@]}" --num-records "$RECORDS" --record-size "$SIZE" \
  --throughput -1 --producer-props acks=1
step mock-consumer consumer --mock "${COMMON[@]}" --messages "$RECORDS" --record-size "$SIZE"

# The broker, on free loopback ports with a throw-away data dir.
# shellcheck disable=SC2086 # BENCH_BROKER_ARGS is a list of flags
bench_start_broker "$WORK" ${BENCH_BROKER_ARGS:-} || { FAILED=1; exit 1; }
echo "== broker pid $BROKER_PID on $BOOT"
RSS_START=$(rss_kb)

# (d) memory of idle topics, measured before any load so buffers of the load do not count.
echo "== creating $IDLE_TOPICS idle single-partition topics"
# /usr/bin/python3 is the interpreter that has python3-confluent-kafka.
if ! /usr/bin/python3 - "$BOOT" "$IDLE_TOPICS" >"$WORK/idle-topics.txt" 2>&1 <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
boot, n = sys.argv[1], int(sys.argv[2])
admin = AdminClient({"bootstrap.servers": boot})
futures = admin.create_topics([NewTopic(f"idle-{i}", 1, 1) for i in range(n)],
                              operation_timeout=30, request_timeout=30)
failed = 0
for topic, f in futures.items():
    try:
        f.result(timeout=40)
    except Exception as e:  # an existing topic is fine, anything else is a failure
        if "TOPIC_ALREADY_EXISTS" not in str(e):
            failed += 1
            print(f"{topic}: {e}", file=sys.stderr)
sys.exit(1 if failed else 0)
PY
then
  echo "bench: creating idle topics failed:" >&2
  tail -n 5 "$WORK/idle-topics.txt" >&2
  FAILED=1
fi
sleep 2  # let the broker settle (segment files, metadata) before reading RSS
RSS_IDLE=$(rss_kb)

# (b) and (c): the same workload against the broker.
step broker-producer producer --bootstrap-server "$BOOT" "${COMMON[@]}" --num-records "$RECORDS" \
  --record-size "$SIZE" --throughput -1 --producer-props acks=1
step broker-consumer consumer --bootstrap-server "$BOOT" --topic bench --messages "$RECORDS"
RSS_LOADED=$(rss_kb)

read -r MP_RATE MP_MB MP_AVG MP_P50 MP_P99 MP_P999 <<<"$(figures mock-producer sent)"
read -r BP_RATE BP_MB BP_AVG BP_P50 BP_P99 BP_P999 <<<"$(figures broker-producer sent)"
read -r MC_RATE MC_MB MC_AVG MC_P50 MC_P99 MC_P999 <<<"$(figures mock-consumer consumed)"
read -r BC_RATE BC_MB BC_AVG BC_P50 BC_P99 BC_P999 <<<"$(figures broker-consumer consumed)"

echo
echo "== summary ($RECORDS records x $SIZE B, $PARTS partitions, acks=1; $(nproc) cores," \
  "$(date -u +%Y-%m-%dT%H:%MZ), $(($(date +%s) - START)) s)"
printf '%-16s %12s %9s %9s %7s %7s %7s\n' test records/s MB/s avg-ms p50-ms p99-ms p99.9-ms
printf '%-16s %12s %9s %9s %7s %7s %7s\n' \
  mock-producer "$MP_RATE" "$MP_MB" "$MP_AVG" "$MP_P50" "$MP_P99" "$MP_P999" \
  broker-producer "$BP_RATE" "$BP_MB" "$BP_AVG" "$BP_P50" "$BP_P99" "$BP_P999" \
  mock-consumer "$MC_RATE" "$MC_MB" "$MC_AVG" "$MC_P50" "$MC_P99" "$MC_P999" \
  broker-consumer "$BC_RATE" "$BC_MB" "$BC_AVG" "$BC_P50" "$BC_P99" "$BC_P999"
echo "producer throughput ratio broker/mock: $(ratio "$BP_RATE" "$MP_RATE")"
echo "consumer throughput ratio broker/mock: $(ratio "$BC_RATE" "$MC_RATE")"
echo "broker RSS: ${RSS_START} kB at start, ${RSS_IDLE} kB with $IDLE_TOPICS idle topics," \
  "${RSS_LOADED} kB after the load"
echo "(consumer latency is end-to-end from record timestamps; the consumers run after the" \
  "producers, so it is mostly record age here, not a live latency)"

# Consumer groups: bench/group.sh runs against a fresh broker of its own; this one is stopped first
# so that the two do not share the cores.
bench_stop_broker
echo
bash "$(dirname "${BASH_SOURCE[0]}")/group.sh" "$BUILD" || FAILED=1
exit "$FAILED"
