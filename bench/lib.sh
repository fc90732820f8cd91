# shellcheck shell=bash
# Helpers shared by the bench scripts: start a throw-away samsa-broker on free loopback ports and
# stop it again. Sourced, not executed:   . "$(dirname "$0")/lib.sh"
# The caller sets BROKER (the samsa-broker binary) and may set BENCH_NAME (the prefix of messages,
# default "bench"); it calls bench_stop_broker from its EXIT trap.

BROKER_PID=""
BOOT=""
ADMIN_PORT=""

# Prints a free TCP port on 127.0.0.1 that is none of the given ports.
bench_free_port() {
  local port used
  while :; do
    port=$(/usr/bin/python3 -c \
      'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') ||
      return 1
    for used in "$@"; do [ "$port" = "$used" ] && continue 2; done
    echo "$port"
    return 0
  done
}

# bench_start_broker [--admin] WORK_DIR [EXTRA_BROKER_ARGS...]
# Starts $BROKER in the background with its data in WORK_DIR/data, its log in WORK_DIR/broker.log
# and its stdout in WORK_DIR/broker.out, on distinct free ports for Kafka and the controller; with
# --admin the admin HTTP listener is on a free port too (ADMIN_PORT), otherwise it is disabled
# (never the 8090 default). Waits up to 30 s for event=broker_started. Sets BROKER_PID,
# BOOT=127.0.0.1:<port> and ADMIN_PORT (empty when disabled). Returns non-zero, after printing the
# log tail, when the broker does not start; BROKER_PID is then still set for bench_stop_broker.
bench_start_broker() {
  local admin=0 work port cport admin_listeners
  if [ "${1:-}" = --admin ]; then admin=1; shift; fi
  work=$1; shift
  port=$(bench_free_port) || return 1
  cport=$(bench_free_port "$port") || return 1
  ADMIN_PORT=""
  admin_listeners=
  if [ "$admin" = 1 ]; then
    ADMIN_PORT=$(bench_free_port "$port" "$cport") || return 1
    admin_listeners=http://127.0.0.1:$ADMIN_PORT
  fi
  mkdir -p "$work/data"
  : >"$work/broker.log"  # a restart in the same dir must not see the previous broker_started
  "$BROKER" --override "listeners=PLAINTEXT://127.0.0.1:$port" --override "log.dirs=$work/data" \
    --override "controller.quorum.voters=1@127.0.0.1:$cport" \
    --override "admin.listeners=$admin_listeners" "$@" \
    >"$work/broker.out" 2>"$work/broker.log" &
  BROKER_PID=$!
  # shellcheck disable=SC2034 # read by the sourcing script
  BOOT=127.0.0.1:$port
  for _ in $(seq 1 300); do
    grep -q 'event=broker_started' "$work/broker.log" 2>/dev/null && return 0
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q 'event=broker_started' "$work/broker.log" 2>/dev/null && return 0
  echo "${BENCH_NAME:-bench}: broker did not start (no event=broker_started within 30 s); log tail:" >&2
  tail -n 20 "$work/broker.log" >&2
  return 1
}

# Stops the broker started by bench_start_broker, if it still runs: TERM, up to 10 s, then KILL.
bench_stop_broker() {
  if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill -TERM "$BROKER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BROKER_PID" 2>/dev/null
  fi
  if [ -n "$BROKER_PID" ]; then wait "$BROKER_PID" 2>/dev/null; fi
  BROKER_PID=""
}
