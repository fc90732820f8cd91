#!/usr/bin/env bash
# Produce throughput into a topic with compression.type=producer (batches stored as sent) versus
# one with compression.type=lz4 (the broker decompresses, validates and recompresses every batch).
#   bench/compression.sh [BUILD_DIR]          (default: build)
# Knobs: BENCH_RECORDS (300000), BENCH_RECORD_SIZE (1024), BENCH_PRODUCER_CODEC (snappy),
# BENCH_STEP_TIMEOUT_MS (60000), BENCH_KEEP=1 keeps the work dir. Non-zero exit if a step failed.
set -uo pipefail

BUILD=${1:-build}
PERF=$BUILD/tools/samsa-perf/samsa-perf
BROKER=$BUILD/broker/samsa-broker
RECORDS=${BENCH_RECORDS:-300000}
SIZE=${BENCH_RECORD_SIZE:-1024}
CODEC=${BENCH_PRODUCER_CODEC:-snappy}
STEP_MS=${BENCH_STEP_TIMEOUT_MS:-60000}

for bin in "$PERF" "$BROKER"; do
  [ -x "$bin" ] || { echo "bench: $bin not found; build first" >&2; exit 2; }
done

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d /tmp/samsa-bench-compression.XXXXXX)
FAILED=0
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  bench_stop_broker
  if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: outputs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_broker "$WORK" || { FAILED=1; exit 1; }

/usr/bin/python3 - "$BOOT" <<'PY' || { echo "bench: topic creation failed" >&2; FAILED=1; exit 1; }
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
fs = admin.create_topics([NewTopic("comp-producer", 1, 1, config={"compression.type": "producer"}),
                          NewTopic("comp-lz4", 1, 1, config={"compression.type": "lz4"})],
                         operation_timeout=30)
for f in fs.values():
    f.result(timeout=40)
PY

run_step() {
  local topic=$1
  echo "== $topic: $RECORDS x $SIZE B, producer codec $CODEC, acks=1"
  if ! "$PERF" producer --bootstrap-server "$BOOT" --topic "$topic" --num-records "$RECORDS" \
    --record-size "$SIZE" --throughput -1 --timeout "$STEP_MS" \
    --producer-props acks=1 "compression.codec=$CODEC" >"$WORK/$topic.txt" 2>"$WORK/$topic.err"; then
    echo "bench: step $topic failed" >&2
    tail -n 5 "$WORK/$topic.err" >&2
    FAILED=1
  fi
  grep -E '^[0-9]+ records sent,' "$WORK/$topic.txt" | tail -n 1
}
run_step comp-producer
run_step comp-lz4
du -sk "$WORK"/data/*comp-producer-0 "$WORK"/data/*comp-lz4-0 2>/dev/null | sed 's/^/stored kB: /'
exit "$FAILED"
