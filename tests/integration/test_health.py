"""Health endpoints against a real broker: live and ready on a running broker, and readiness during
crash recovery of a large unclean log: kill -9, remove the recovery checkpoint and tear the tail so
recovery must re-validate every segment, restart, and poll /v1/status/ready until it is 200. The
test requires at least one 503 naming the log recovery, /v1/status/live 200 on every answer, and
all acknowledged records readable afterwards."""

import http.client
import json
import os
import threading
import time

import confluent_kafka as ck
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from rest_client import RestClient
from samsa_fixture import wait_for_topic

TOPIC = "health-big"
PARTITIONS = 32
# Enough one-record batches that re-validating them (CRC32C, offsets, index rebuild) takes
# seconds; several partitions let librdkafka send many batches per Produce request, so filling
# the log is quick while recovery (one partition after another) is not.
# Enough single-record batches that recovery takes a while; a sanitized broker recovers (and takes
# them) several times slower, so fewer do.
RECORDS = int(os.environ.get("SAMSA_HEALTH_RECORDS",
                             "250000" if os.environ.get("SAMSA_SANITIZE") else "800000"))


def test_live_and_ready_on_a_running_broker(broker):
    rest = RestClient(broker)
    live = rest.get("/v1/status/live")
    assert live.status == 200 and live.json == {"status": "live"}
    ready = rest.get("/v1/status/ready")
    assert ready.status == 200 and ready.json == {"status": "ready"}


def raw_get(port, path):
    """(status, json) or None when the server does not answer (not listening yet)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def open_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def fill(broker):
    p = ck.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5,
                     "batch.num.messages": 1, "queue.buffering.max.messages": 1000000,
                     "acks": "1"})
    value = b"x" * 100
    for i in range(RECORDS):
        while True:
            try:
                # Round-robin, so that every partition spans several segments: the sticky
                # partitioner can leave a partition with a single one.
                p.produce(TOPIC, value=value, partition=i % PARTITIONS)
                break
            except BufferError:
                p.poll(0.1)
        if i % 10000 == 0:
            p.poll(0)
    assert p.flush(300) == 0


def watermarks(broker):
    """(sum of log start offsets, sum of high watermarks) over the topic's partitions."""
    c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "health-hw"})
    try:
        marks = [c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
                 for p in range(PARTITIONS)]
        return sum(lo for lo, _ in marks), sum(hi for _, hi in marks)
    finally:
        c.close()


def test_ready_is_503_during_recovery_of_a_large_unclean_log(broker_factory):
    # Checkpoints every second, so the recovery checkpoint exists and the test must defeat it.
    b = broker_factory({"log.segment.bytes": 1 << 18, "auto.create.topics.enable": "false",
                        "log.flush.offset.checkpoint.interval.ms": 1000})
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(timeout=15)
    wait_for_topic(b, TOPIC, PARTITIONS)
    fill(b)
    assert watermarks(b) == (0, RECORDS)

    checkpoint = os.path.join(b.data_dir, "recovery-point-offset-checkpoint")
    deadline = time.monotonic() + 10
    while f"{TOPIC} 0 " not in open_text(checkpoint) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"{TOPIC} 0 " in open_text(checkpoint), open_text(checkpoint)

    b.kill()
    log_dir = b.data_dir
    # A damaged checkpoint: recovery cannot trust it and re-validates every segment from 0.
    with open(checkpoint, "w") as f:
        f.write("garbage\n")
    part_dir = os.path.join(log_dir, f"{TOPIC}-0")
    segments = sorted(f for f in os.listdir(part_dir) if f.endswith(".log"))
    assert len(segments) > 1, segments
    # A torn tail, as a crash mid-write leaves it.
    with open(os.path.join(part_dir, segments[-1]), "ab") as f:
        f.write(b"\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff\xff\xff torn")

    seen = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            ready = raw_get(b.admin_port, "/v1/status/ready")
            live = raw_get(b.admin_port, "/v1/status/live")
            seen.append((time.monotonic(), ready, live))
            if ready and ready[0] == 200:
                return
            time.sleep(0.01)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    started = time.monotonic()
    try:
        b.start(timeout=180)
        t.join(timeout=30)
    finally:
        stop.set()
        t.join()
    took = time.monotonic() - started

    answered = [(ts, r, lv) for ts, r, lv in seen if r is not None]
    assert answered, "the admin HTTP server never answered"
    not_ready = [r for _, r, _ in answered if r[0] == 503]
    assert not_ready, f"no 503 seen during a {took:.1f}s start: {answered[:5]}"
    assert all(r[1]["status"] == "not_ready" and r[1]["reason"] for r in not_ready)
    reasons = {r[1]["reason"] for r in not_ready}
    recovering = [ts for ts, r, _ in answered if r[0] == 503 and r[1]["reason"] == "recovering log dirs"]
    print(f"start took {took:.2f}s; {len(not_ready)} answers 503, {len(recovering)} during recovery "
          f"spanning {recovering[-1] - recovering[0] if recovering else 0:.2f}s")
    assert "recovering log dirs" in reasons, reasons
    assert answered[-1][1] == (200, {"status": "ready"})
    # Liveness is 200 on every answer, during recovery and after.
    assert all(lv == (200, {"status": "live"}) for _, _, lv in answered), \
        [lv for _, _, lv in answered if lv != (200, {"status": "live"})][:3]
    # The torn tail was cut and every acknowledged record is still there.
    assert "recovery dropped" in b.log_text()
    assert watermarks(b) == (0, RECORDS)
