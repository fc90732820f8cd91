#!/usr/bin/env bash
# Security benchmark (issue 10), one broker with a PLAINTEXT and a SASL_SSL (SCRAM-SHA-512, TLS 1.3)
# listener, in the same run:
#   (a) produce throughput over SASL_SSL divided by the same produce over PLAINTEXT (target >= 0.7):
#       SECURITY_RECORDS (1,000,000) records of 1 KiB, acks=1, 6 partitions, unthrottled, each run
#       on its own topic, three runs of each protocol alternating; the ratio of the medians;
#   (b) SCRAM-SHA-256 and SCRAM-SHA-512 authentications per second at 4096 iterations
#       (bench/scram_auth_rate.py, SECURITY_AUTH_S seconds, 2 client processes), on SASL_PLAINTEXT.
# The authorizer is on with the benchmark user as super user, as a secured cluster runs. Client and
# broker share the machine's cores, so TLS costs twice in the ratio (client and broker encrypt).
# Figures only; builds nothing.   bench/security.sh [BUILD_DIR]   (default: build)
set -uo pipefail

BUILD=${1:-build}
PERF=$BUILD/tools/samsa-perf/samsa-perf
BROKER=$BUILD/broker/samsa-broker
RECORDS=${SECURITY_RECORDS:-1000000}
AUTH_S=${SECURITY_AUTH_S:-10}
BENCH_NAME=security
for bin in "$PERF" "$BROKER"; do
  [ -x "$bin" ] || { echo "security bench: $bin not found; build first" >&2; exit 2; }
done
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# On tmpfs by default: the runs compare the protocols, and a disk's writeback of the previous
# run's data would otherwise decide the figures (SECURITY_DIR=/tmp measures with the disk).
WORK=$(mktemp -d "${SECURITY_DIR:-/dev/shm}/samsa-security.XXXXXX")
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() { bench_stop_broker; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ca.key" \
  -out "$WORK/ca.pem" -subj "/CN=bench CA" -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/server.key" \
  -out "$WORK/server.csr" -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null
cat "$WORK/server.pem" "$WORK/server.key" >"$WORK/keystore.pem"

PLAIN_PORT=$(bench_free_port) || exit 1
SSL_PORT=$(bench_free_port "$PLAIN_PORT") || exit 1
SASL_PORT=$(bench_free_port "$PLAIN_PORT" "$SSL_PORT") || exit 1
PASSWORD=bench-Secret-1
# The later listeners override replaces bench_start_broker's single PLAINTEXT listener.
bench_start_broker --admin "$WORK" --override "log.segment.delete.delay.ms=0" \
  --override "ssl.keystore.location=$WORK/keystore.pem" \
  --override "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256" \
  --override "authorizer.class.name=acl" --override "super.users=User:bench;User:ANONYMOUS" \
  --add-scram "SCRAM-SHA-512=[name=bench,password=$PASSWORD]" \
  --add-scram "SCRAM-SHA-256=[name=bench,password=$PASSWORD]" \
  --override "listeners=PLAINTEXT://127.0.0.1:$PLAIN_PORT,SASL_SSL://127.0.0.1:$SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT" ||
  exit 1
PLAIN_BOOT=127.0.0.1:$PLAIN_PORT

CLUSTER=$(curl -fsS -u "bench:$PASSWORD" "http://127.0.0.1:$ADMIN_PORT/v3/clusters" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["cluster_id"])') ||
  { echo "security bench: cannot read the cluster id over REST" >&2; exit 1; }

produce() {  # name bootstrap [producer props...]
  local name=$1 boot=$2; shift 2
  "$PERF" producer --bootstrap-server "$boot" --topic "sec-$name" --partitions 6 \
    --num-records "$RECORDS" --record-size 1024 --throughput -1 --timeout 900000 \
    --producer-props acks=1 linger.ms=5 batch.size=1000000 "$@" >"$WORK/$name.txt" 2>"$WORK/$name.err"
  grep -E '^[0-9]+ records sent,' "$WORK/$name.txt" | tail -1 |
    sed -E 's/^[0-9]+ records sent, ([0-9.]+) records\/sec.*/\1/'
  # Each run's data is deleted before the next: on this kind of VM, memory never touched before
  # is several times slower to fill than memory given back (a dd to tmpfs shows it), so runs
  # that kept adding data would measure the host, not the protocol.
  curl -fsS -u "bench:$PASSWORD" -X DELETE \
    "http://127.0.0.1:$ADMIN_PORT/v3/clusters/$CLUSTER/topics/sec-$name" >/dev/null
  sleep 2
}
echo "== produce $RECORDS x 1 KiB, acks=1, 6 partitions, alternating PLAINTEXT and SASL_SSL"
# Alternating runs, each on a fresh topic: a trend over the run (the broker's or the machine's)
# falls on both protocols alike; the medians are compared.
PLAIN=()
SECURE=()
for round in 1 2 3; do
  PLAIN+=("$(produce "plain$round" "$PLAIN_BOOT")")
  SECURE+=("$(produce "sasl-ssl$round" "127.0.0.1:$SSL_PORT" security.protocol=SASL_SSL \
    sasl.mechanisms=SCRAM-SHA-512 sasl.username=bench "sasl.password=$PASSWORD" \
    "ssl.ca.location=$WORK/ca.pem")")
done
for v in "${PLAIN[@]}" "${SECURE[@]}"; do
  [ -n "$v" ] || { echo "security bench: a produce step failed; see $WORK" >&2; tail -5 "$WORK"/*.err; exit 1; }
done
/usr/bin/python3 - "${PLAIN[*]}" "${SECURE[*]}" <<'PY'
import statistics
import sys
plain = [float(x) for x in sys.argv[1].split()]
secure = [float(x) for x in sys.argv[2].split()]
p, s = statistics.median(plain), statistics.median(secure)
print("PLAINTEXT records/s: " + ", ".join(f"{x:,.0f}" for x in plain))
print("SASL_SSL  records/s: " + ", ".join(f"{x:,.0f}" for x in secure))
print(f"median PLAINTEXT {p:,.0f}, median SASL_SSL {s:,.0f}: ratio {s / p:.2f} (target >= 0.7)")
PY
echo "== SCRAM authentications, $AUTH_S s each, 2 client processes, 4096 iterations"
for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
  /usr/bin/python3 "$(dirname "$0")/scram_auth_rate.py" "127.0.0.1:$SASL_PORT" bench "$PASSWORD" \
    "$mech" "$AUTH_S" 2 || exit 1
done
