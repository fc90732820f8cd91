#!/usr/bin/env bash
# /metrics benchmark: against a fresh samsa-broker with 1,000 partitions (100 topics x 10) and 100
# consumer groups (each with a committed offset and a lag on the 10 partitions of one topic, so
# every group series and every lag-in-seconds look-up is exercised), measures
#   (a) the time and size of a /metrics scrape (target: < 50 ms), and `promtool check metrics`;
#   (b) produce throughput (samsa-perf) without, then with, a scrape every second.
# Called by `make bench` after bench/run.sh; runs alone too; builds nothing.
#   bench/metrics_scrape.sh [BUILD_DIR]          (default: build)
# Knobs (environment): METRICS_BENCH_SCRAPES (50), METRICS_BENCH_RECORDS (500000),
# METRICS_BENCH_RECORD_SIZE (1024), METRICS_BENCH_ROUNDS (3), BENCH_STEP_TIMEOUT_MS (50000),
# BENCH_KEEP=1 keeps the work dir.
set -uo pipefail

BUILD=${1:-build}
PERF=$BUILD/tools/samsa-perf/samsa-perf
BROKER=$BUILD/broker/samsa-broker
SCRAPES=${METRICS_BENCH_SCRAPES:-50}
RECORDS=${METRICS_BENCH_RECORDS:-500000}
SIZE=${METRICS_BENCH_RECORD_SIZE:-1024}
STEP_MS=${BENCH_STEP_TIMEOUT_MS:-50000}
ROUNDS=${METRICS_BENCH_ROUNDS:-3}
PY=/usr/bin/python3

for bin in "$PERF" "$BROKER"; do
  if [ ! -x "$bin" ]; then
    echo "metrics bench: $bin not found; build first (e.g. cmake --build $BUILD)" >&2
    exit 2
  fi
done

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
BENCH_NAME="metrics bench"

WORK=$(mktemp -d /tmp/samsa-bench-metrics.XXXXXX)
SCRAPER_PID=""
FAILED=0

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  if [ -n "$SCRAPER_PID" ]; then kill "$SCRAPER_PID" 2>/dev/null; wait "$SCRAPER_PID" 2>/dev/null; fi
  bench_stop_broker
  if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "metrics bench: outputs and broker log kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Kafka, controller and admin HTTP on distinct free ports (never the 8090 default).
bench_start_broker --admin "$WORK" --override "group.initial.rebalance.delay.ms=0" ||
  { FAILED=1; exit 1; }
URL=http://127.0.0.1:$ADMIN_PORT/metrics
echo "== broker pid $BROKER_PID on $BOOT, metrics at $URL"

echo "== 100 topics x 10 partitions, 20 records each, 100 groups committed at offset 10"
if ! $PY - "$BOOT" >"$WORK/setup.txt" 2>&1 <<'PY'
import sys, time
import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
boot = sys.argv[1]
admin = AdminClient({"bootstrap.servers": boot})
topics = [f"m-{i:03d}" for i in range(100)]
for t, f in admin.create_topics([NewTopic(t, 10, 1) for t in topics],
                                operation_timeout=60, request_timeout=60).items():
    f.result(timeout=60)
p = ck.Producer({"bootstrap.servers": boot, "linger.ms": 20})
for t in topics:
    for part in range(10):
        for i in range(20):
            p.produce(t, value=b"x" * 100, partition=part)
    p.poll(0)
assert p.flush(60) == 0
for g, t in enumerate(topics):
    c = ck.Consumer({"bootstrap.servers": boot, "group.id": f"bench-group-{g:03d}",
                     "enable.auto.commit": False})
    c.commit(offsets=[ck.TopicPartition(t, part, 10) for part in range(10)], asynchronous=False)
    c.close()
print("ok")
PY
then
  echo "metrics bench: setup failed:" >&2
  tail -n 10 "$WORK/setup.txt" >&2
  FAILED=1
  exit 1
fi

# (a) scrape time and size.
curl -sf "$URL" >"$WORK/scrape.txt" || { echo "metrics bench: scrape failed" >&2; FAILED=1; exit 1; }
for _ in $(seq 1 "$SCRAPES"); do
  curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$URL"
done >"$WORK/scrapes.txt"
read -r SCRAPE_MS_P50 SCRAPE_MS_MAX SCRAPE_BYTES < <(sort -n "$WORK/scrapes.txt" | awk '
  { t[NR] = $1 * 1000; b = $2 }
  END { printf "%.1f %.1f %d\n", t[int((NR + 1) / 2)], t[NR], b }')
SERIES=$(grep -cv '^#' "$WORK/scrape.txt")
if command -v promtool >/dev/null; then
  if promtool check metrics <"$WORK/scrape.txt" >"$WORK/promtool.txt" 2>&1; then
    PROMTOOL=ok
  else
    PROMTOOL=FAILED
    FAILED=1
    tail -n 5 "$WORK/promtool.txt" >&2
  fi
else
  PROMTOOL="not installed"
fi
grep -c '^kafka_consumergroup_lag{' "$WORK/scrape.txt" >"$WORK/lag-series.txt"

# (b) produce throughput without and with a 1 s scrape loop.
produce() {
  local name=$1
  echo "== $name"
  if ! "$PERF" producer --bootstrap-server "$BOOT" --topic "bench-$name" --partitions 6 \
      --num-records "$RECORDS" --record-size "$SIZE" --throughput -1 --producer-props acks=1 \
      --timeout "$STEP_MS" >"$WORK/$name.txt" 2>"$WORK/$name.err"; then
    echo "metrics bench: step $name failed:" >&2
    tail -n 5 "$WORK/$name.err" >&2
    FAILED=1
    echo "-"
    return
  fi
  tail -n 1 "$WORK/$name.txt" >&2
  grep -E '^[0-9]+ records sent,' "$WORK/$name.txt" | tail -n 1 |
    sed -E 's/^[0-9]+ records sent, ([0-9.]+) records\/sec.*/\1/'
}
# Rounds alternate quiet and scraped runs so that background load on a shared machine hits both
# alike; the medians are reported.
QUIET=()
SCRAPED=()
for round in $(seq 1 "$ROUNDS"); do
  QUIET+=("$(produce "quiet-$round" | tail -n 1)")
  ( while :; do curl -sf -o /dev/null "$URL"; sleep 1; done ) &
  SCRAPER_PID=$!
  SCRAPED+=("$(produce "scraped-$round" | tail -n 1)")
  kill "$SCRAPER_PID" 2>/dev/null
  wait "$SCRAPER_PID" 2>/dev/null
  SCRAPER_PID=""
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
RATE_QUIET=$(median "${QUIET[@]}")
RATE_SCRAPED=$(median "${SCRAPED[@]}")
RATIO=$(awk -v a="$RATE_SCRAPED" -v b="$RATE_QUIET" \
  'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.3f", a / b; else print "-" }')

echo
echo "== summary (1,000 partitions, 100 groups; $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
echo "scrape: p50 ${SCRAPE_MS_P50} ms, max ${SCRAPE_MS_MAX} ms over $SCRAPES scrapes;" \
  "$SCRAPE_BYTES bytes, $SERIES series ($(cat "$WORK/lag-series.txt") consumer-group lag series);" \
  "promtool check metrics: $PROMTOOL"
echo "produce ($RECORDS x $SIZE B, acks=1, median of $ROUNDS): ${RATE_QUIET} records/s without" \
  "scrapes, ${RATE_SCRAPED} records/s with a scrape every second (ratio $RATIO);" \
  "runs: quiet ${QUIET[*]} / scraped ${SCRAPED[*]}"
exit "$FAILED"
