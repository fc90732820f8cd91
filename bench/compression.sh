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

WORK=$(mktemp -d /tmp/samsa-bench-compression.XXXXXX)
BROKER_PID=""
FAILED=0
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill -TERM "$BROKER_PID"
    for _ in $(seq 1 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BROKER_PID" 2>/dev/null
    wait "$BROKER_PID" 2>/dev/null
  fi
  if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: outputs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
CPORT=$(free_port)
while [ "$CPORT" = "$PORT" ]; do CPORT=$(free_port); done
"$BROKER" --override "listeners=PLAINTEXT://127.0.0.1:$PORT" --override "log.dirs=$WORK/data" \
  --override "controller.quorum.voters=1@127.0.0.1:$CPORT" --override "admin.listeners=" >"$WORK/broker.out" 2>"$WORK/broker.log" &
BROKER_PID=$!
for _ in $(seq 1 300); do
  grep -q 'event=broker_started' "$WORK/broker.log" 2>/dev/null && break
  kill -0 "$BROKER_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q 'event=broker_started' "$WORK/broker.log" || { echo "bench: broker did not start" >&2; FAILED=1; exit 1; }
BOOT=127.0.0.1:$PORT

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
