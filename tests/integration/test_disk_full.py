"""Disks that fail (issue 9): the broker's first log dir is a small tmpfs this test mounts (as root;
the test fails, never skips, if it cannot), the second is on the normal disk. Producing acks=all
into the small dir until it is full must give clients KAFKA_STORAGE_ERROR, not hangs; the dir goes
offline (metric, readiness, health overview) while the partition on the other dir keeps serving
produce and fetch; after the space comes back and the broker restarts, every acknowledged record is
there exactly once, in order."""

import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import read_partition, wait_for_topic

SMALL_FS = "12m"
VALUE = b"v" * 1000
MAX_RECORDS = 40000  # 40 MB into a 12 MB file system: it fills long before


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def offline_dir_count(b):
    _, text = http_get(b.admin_url + "/metrics")
    m = re.search(r"^kafka_log_logmanager_offlinelogdirectorycount(?:\{[^}]*\})? (\S+)$", text,
                  re.M)
    assert m, "kafka_log_logmanager_offlinelogdirectorycount missing from /metrics"
    return float(m.group(1))


def create_topic(b, name, config=None):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    futs = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                                         config=config or {})], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(b, name, 1)


def produce_round(producer, topic, values):
    """Produces `values`, waits for every delivery report; returns ([(offset, value)], [errors]).
    A delivery that never reports fails the test: errors, not hangs."""
    acked, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked.append((msg.offset(), msg.value()))

    for v in values:
        while True:
            try:
                producer.produce(topic, value=v, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
    remaining = producer.flush(60)
    assert remaining == 0, f"{remaining} deliveries still pending after 60 s: the broker hangs"
    return acked, errors


def test_full_log_dir_goes_offline_and_loses_nothing(broker_factory):
    mount_point = tempfile.mkdtemp(prefix="samsa-it-tmpfs-")
    big_root = tempfile.mkdtemp(prefix="samsa-it-bigdir-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL_FS}", "tmpfs", mount_point],
                       capture_output=True, text=True)
    assert r.returncode == 0, (f"cannot mount a {SMALL_FS} tmpfs at {mount_point} (this test must "
                               f"run as root): {r.stderr.strip()}")
    small = os.path.join(mount_point, "data")
    big = os.path.join(big_root, "data")
    b = None
    try:
        # The metadata quorum's log stays on the normal disk: a failing metadata log dir is another
        # story (Kafka shuts the broker down).
        b = broker_factory({"log.dirs": f"{small},{big}", "metadata.log.dir": big})
        # New partitions go to the dir holding the fewest, the first on a tie: "full" lands on the
        # tmpfs, "healthy" on the normal disk. Small segments: rolls happen as it fills.
        create_topic(b, "full", {"segment.bytes": str(1 << 20)})
        create_topic(b, "healthy")
        assert os.path.isdir(os.path.join(small, "full-0")), os.listdir(small)
        assert os.path.isdir(os.path.join(big, "healthy-0")), os.listdir(big)
        assert offline_dir_count(b) == 0

        # retries=0: the delivery report carries the broker's own error code.
        p_full = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "retries": 0,
                              "enable.idempotence": False, "linger.ms": 2,
                              "message.timeout.ms": 30000})
        p_ok = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 2})
        acked_full, errors_full, acked_ok = [], [], []
        seq = 0
        while seq < MAX_RECORDS and not errors_full:
            values = [b"%08d|" % (seq + i) + VALUE for i in range(500)]
            seq += len(values)
            acked, errors = produce_round(p_full, "full", values)
            acked_full += acked
            errors_full += errors
            # The other dir serves throughout.
            acked, errors = produce_round(p_ok, "healthy", [b"ok-%06d" % seq])
            assert not errors, f"healthy partition refused a produce: {errors}"
            acked_ok += acked
        assert errors_full, f"{seq} records fit a {SMALL_FS} file system?"
        codes = {e.code() for e in errors_full}
        assert ck.KafkaError.KAFKA_STORAGE_ERROR in codes, f"delivery errors were {errors_full[:5]}"
        assert acked_full, "nothing was acknowledged before the disk filled"

        # Still offline for new produces, and answered at once rather than hanging.
        t0 = time.monotonic()
        acked, errors = produce_round(p_full, "full", [b"after-full"])
        assert not acked and errors and errors[0].code() == ck.KafkaError.KAFKA_STORAGE_ERROR, \
            (acked, errors)
        assert time.monotonic() - t0 < 20

        assert offline_dir_count(b) == 1
        status, body = http_get(b.admin_url + "/v1/status/ready")
        ready = json.loads(body)
        assert status == 200 and ready["status"] == "degraded", (status, body)
        assert small in ready["offline_log_dirs"], body
        _, body = http_get(b.admin_url + "/v1/cluster/health_overview")
        health = json.loads(body)
        assert not health["is_healthy"] and "offline_log_dirs" in health["unhealthy_reasons"], body
        assert [d["log_dir"] for d in health["offline_log_dirs"]] == [small], body
        assert "No space left" in health["offline_log_dirs"][0]["error"], body
        assert "event=log_dir_offline" in b.log_text()

        # The healthy partition still takes produce and serves fetch while the other dir is offline.
        acked, errors = produce_round(p_ok, "healthy", [b"ok-after-%d" % i for i in range(100)])
        assert not errors and len(acked) == 100
        acked_ok += acked
        got = read_partition(b, "healthy", group="it-disk-full-ok")
        assert [(o, v) for o, _, v in got] == sorted(acked_ok)

        # Space comes back; a restart brings the dir online again after full recovery.
        b.stop()
        r = subprocess.run(["mount", "-o", "remount,size=128m", mount_point], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        b.start()
        assert offline_dir_count(b) == 0
        got = read_partition(b, "full", group="it-disk-full")
        by_offset = {o: v for o, _, v in got}
        for off, v in acked_full:
            assert by_offset.get(off) == v, f"acknowledged offset {off} lost or changed"
        values = [v for _, _, v in got]
        assert len(values) == len(set(values)), "a record is stored twice"
        seqs = [int(v.split(b"|")[0]) for v in values]
        assert seqs == sorted(seqs), "records out of produce order"
        # The partition takes produce again.
        p_again = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all"})
        acked, errors = produce_round(p_again, "full", [b"99999999|after-restart"])
        assert not errors and acked[0][0] > max(o for o, _ in acked_full)
    finally:
        if b is not None:
            b.stop() if b.alive() else None
        subprocess.run(["umount", "-l", mount_point], capture_output=True)
        os.rmdir(mount_point)
        subprocess.run(["rm", "-rf", big_root])
