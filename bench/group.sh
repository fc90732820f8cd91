#!/usr/bin/env bash
# Consumer-group benchmark: against a fresh samsa-broker, fills a 6-partition topic and measures
#   (a) the consume throughput of a 3-member group (three samsa-perf processes with --group), and
#   (b) the time from kill -9 of one member to the group being stable again: the survivors own all
#       6 partitions and consume again (target: within session.timeout.ms + 1 s).
# Called at the end of bench/run.sh (so by `make bench`); runs alone too; builds nothing.
#   bench/group.sh [BUILD_DIR]          (default: build)
# Knobs (environment): GROUP_BENCH_RECORDS (1000000), GROUP_BENCH_RECORD_SIZE (1024),
# GROUP_BENCH_SESSION_MS (6000), BENCH_STEP_TIMEOUT_MS (50000), BENCH_BROKER_ARGS (extra broker
# flags), BENCH_KEEP=1 keeps the work dir. Exit status is non-zero if a step failed.
set -uo pipefail

BUILD=${1:-build}
PERF=$BUILD/tools/samsa-perf/samsa-perf
BROKER=$BUILD/broker/samsa-broker
RECORDS=${GROUP_BENCH_RECORDS:-1000000}
SIZE=${GROUP_BENCH_RECORD_SIZE:-1024}
SESSION_MS=${GROUP_BENCH_SESSION_MS:-6000}
STEP_MS=${BENCH_STEP_TIMEOUT_MS:-50000}
PARTS=6
TOPIC=group-bench
PY=/usr/bin/python3

for bin in "$PERF" "$BROKER"; do
  if [ ! -x "$bin" ]; then
    echo "group bench: $bin not found; build first (e.g. cmake --build $BUILD)" >&2
    exit 2
  fi
done

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
BENCH_NAME="group bench"

WORK=$(mktemp -d /tmp/samsa-bench-group.XXXXXX)
PIDS=()
FAILED=0

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  bench_stop_broker
  if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "group bench: outputs and broker log kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "group bench: $*" >&2
  FAILED=1
}

now_ms() { date +%s%3N; }

# Reads the members' "rebalance:" lines (see tools/samsa-perf/consumer_perf.cc) and prints
#   stable <assigned-ms> <consuming-ms>   once every given member's latest assignment is non-empty,
#                                         came after SINCE, was followed by a record, and together
#                                         they own each of the partitions exactly once
#   waiting <reason>                      otherwise
# Times are relative to SINCE (epoch ms).
group_status() {
  $PY - "$PARTS" "$@" <<'PY'
import re, sys
parts, since, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
owned, assigned_at, consuming_at = [], [], []
for f in files:
    last_assign, now, consuming = None, None, None
    for line in open(f, errors="replace"):
        m = re.match(r"rebalance: (assigned|revoked) at (\d+) ms, assignment now: ([\d,]*)", line)
        if m:
            last_assign, now, consuming = int(m[2]), m[3], None
            continue
        m = re.match(r"rebalance: consuming at (\d+) ms", line)
        if m and consuming is None:
            consuming = int(m[1])
    if last_assign is None or last_assign < since or not now:
        print(f"waiting {f}: no assignment since the mark")
        sys.exit(0)
    if consuming is None:
        print(f"waiting {f}: no record since its assignment")
        sys.exit(0)
    owned += [int(p) for p in now.split(",")]
    assigned_at.append(last_assign - since)
    consuming_at.append(consuming - since)
if sorted(owned) != list(range(parts)):
    print(f"waiting partitions owned: {sorted(owned)}")
else:
    print(f"stable {max(assigned_at)} {max(consuming_at)}")
PY
}

# Polls group_status until "stable" or the deadline (seconds); prints the final status line.
wait_stable() {
  local deadline=$(($(date +%s) + $1)) status; shift
  while :; do
    status=$(group_status "$@")
    if [[ $status == stable* ]] || [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$status"
      return
    fi
    sleep 0.1
  done
}

# The broker, on free loopback ports with a throw-away data dir.
# shellcheck disable=SC2086 # BENCH_BROKER_ARGS is a list of flags
bench_start_broker "$WORK" ${BENCH_BROKER_ARGS:-} || { FAILED=1; exit 1; }
START=$(date +%s)
MEMBER_PROPS=(--consumer-props "session.timeout.ms=$SESSION_MS" heartbeat.interval.ms=500
  enable.auto.commit=true auto.commit.interval.ms=1000)

echo "== group bench: broker pid $BROKER_PID on $BOOT; filling $TOPIC ($RECORDS x $SIZE B," \
  "$PARTS partitions)"
if ! "$PERF" producer --bootstrap-server "$BOOT" --topic "$TOPIC" --partitions "$PARTS" \
  --num-records "$RECORDS" --record-size "$SIZE" --throughput -1 --producer-props acks=1 \
  linger.ms=5 --timeout "$STEP_MS" >"$WORK/fill.txt" 2>"$WORK/fill.err"; then
  fail "filling the topic failed:"
  tail -n 5 "$WORK/fill.err" >&2
  exit 1
fi
tail -n 1 "$WORK/fill.txt"

# (a) Three members read the topic; each stops 3 s after its last record (or assignment), so
# the group's window runs from the first record of any member to the last record of any member.
echo "== (a) group throughput: 3 x samsa-perf consumer --group g-throughput"
for i in 1 2 3; do
  "$PERF" consumer --bootstrap-server "$BOOT" --topic "$TOPIC" --group g-throughput \
    --messages "$RECORDS" --idle-exit 3000 --timeout "$STEP_MS" "${MEMBER_PROPS[@]}" \
    >"$WORK/tp-$i.txt" 2>"$WORK/tp-$i.err" &
  PIDS+=($!)
done
for i in 1 2 3; do
  if ! wait "${PIDS[$((i - 1))]}"; then
    fail "throughput member $i failed:"
    tail -n 5 "$WORK/tp-$i.err" >&2
  fi
done
PIDS=()
read -r TP_TOTAL TP_SHARES TP_SECS TP_RATE TP_MB <<<"$($PY - "$SIZE" "$WORK"/tp-{1,2,3}.txt <<'PY'
import re, sys
size, files = int(sys.argv[1]), sys.argv[2:]
counts, firsts, lasts = [], [], []
for f in files:
    text = open(f, errors="replace").read()
    m = re.findall(r"^(\d+) records consumed,", text, re.M)
    counts.append(int(m[-1]) if m else 0)
    w = re.search(r"^window: first record at (\d+) ms, last record at (\d+) ms", text, re.M)
    if w:
        firsts.append(int(w[1])); lasts.append(int(w[2]))
total = sum(counts)
secs = (max(lasts) - min(firsts)) / 1000 if firsts else 0
rate = total / secs if secs > 0 else 0
print(total, "/".join(map(str, counts)), f"{secs:.2f}", f"{rate:.0f}",
      f"{rate * size / 1048576:.1f}")
PY
)"
echo "group consumed $TP_TOTAL records (members: $TP_SHARES) in $TP_SECS s:" \
  "$TP_RATE records/s ($TP_MB MB/s)"
if [ "$TP_TOTAL" -lt "$RECORDS" ]; then fail "the group read $TP_TOTAL of $RECORDS records"; fi
if [[ /$TP_SHARES/ == */0/* ]]; then
  fail "a member read nothing ($TP_SHARES): the group did not spread the partitions"
fi

# (b) A live stream (a throttled producer) read by a new group of three from the log end; once
# the group is stable, kill -9 the first member and time until the survivors are stable again.
echo "== (b) failover: kill -9 of one of 3 members (session.timeout.ms=$SESSION_MS)"
"$PERF" producer --bootstrap-server "$BOOT" --topic "$TOPIC" --num-records 200000 \
  --record-size 100 --throughput 2000 --producer-props acks=1 linger.ms=5 --timeout 100000 \
  >"$WORK/stream.txt" 2>"$WORK/stream.err" &
PIDS+=($!)
for i in 1 2 3; do
  "$PERF" consumer --bootstrap-server "$BOOT" --topic "$TOPIC" --group g-failover \
    --messages 100000000 --timeout 100000 "${MEMBER_PROPS[@]}" auto.offset.reset=latest \
    >"$WORK/fo-$i.txt" 2>"$WORK/fo-$i.err" &
  PIDS+=($!)
done
JOINED=$(wait_stable 60 0 "$WORK"/fo-{1,2,3}.txt)
FO_ASSIGNED="-" FO_CONSUMING="-"
if [[ $JOINED != stable* ]]; then
  fail "the 3-member group did not become stable within 60 s ($JOINED)"
else
  KILLED_AT=$(now_ms)
  kill -KILL "${PIDS[1]}"
  wait "${PIDS[1]}" 2>/dev/null  # reaped here, so bash does not report the kill
  read -r STATE FO_ASSIGNED FO_CONSUMING <<<"$(wait_stable $((SESSION_MS / 1000 + 30)) \
    "$KILLED_AT" "$WORK"/fo-{2,3}.txt)"
  if [ "$STATE" != stable ]; then
    fail "the survivors did not become stable within $((SESSION_MS / 1000 + 30)) s"
    FO_ASSIGNED="-" FO_CONSUMING="-"
  fi
fi

echo
echo "== consumer groups summary ($RECORDS records x $SIZE B, $PARTS partitions; $(nproc) cores," \
  "$(date -u +%Y-%m-%dT%H:%MZ), $(($(date +%s) - START)) s)"
echo "group throughput (3 members): $TP_RATE records/s ($TP_MB MB/s), shares $TP_SHARES"
echo "failover after kill -9: survivors assigned all $PARTS partitions after $FO_ASSIGNED ms," \
  "consuming again after $FO_CONSUMING ms (target: session timeout + 1 s = $((SESSION_MS + 1000)) ms)"
if [ "$FO_CONSUMING" != "-" ] && [ "$FO_CONSUMING" -gt $((SESSION_MS + 1000)) ]; then
  echo "failover: OVER TARGET"
fi
exit "$FAILED"
