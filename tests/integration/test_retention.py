"""Retention: short retention.ms deletes old segments and a consumer positioned below the log start
resets by auto.offset.reset; DeleteRecords through kafkajs' admin client moves the log start and
survives a restart; DescribeLogDirs (raw, v0 and v4) reports the partitions with their sizes."""

import glob
import os
import shutil
import struct
import subprocess
import time

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import Reader, RawClient, wait_for_topic, wait_until

JS_DIR = os.path.join(os.path.dirname(__file__), "js")

BROKER_OVERRIDES = {"log.retention.check.interval.ms": "500"}


def create_topic(b, name, config, partitions=1):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    futs = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                         config=config)], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(b, name, partitions)


def produce(b, topic, n, size=100, tag="v"):
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 0,
                     "batch.num.messages": 1})
    for i in range(n):
        p.produce(topic, value=f"{tag}{i:06d}".encode().ljust(size, b"x"), partition=0)
        p.poll(0)
    assert p.flush(30) == 0


def watermarks(b, topic, partition=0):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-ret-wm"})
    try:
        return c.get_watermark_offsets(ck.TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()


def partition_dir(b, topic, partition=0):
    return os.path.join(b.data_dir, f"{topic}-{partition}")



def test_time_retention_deletes_segments_and_consumer_resets(module_broker):
    b = module_broker
    topic = "ret-time"
    create_topic(b, topic, {"retention.ms": "3000", "segment.bytes": "2000", "segment.ms": "1000",
                            "file.delete.delay.ms": "0"})
    produce(b, topic, 200)
    low, high = watermarks(b, topic)
    assert (low, high) == (0, 200)
    d = partition_dir(b, topic)
    assert len(glob.glob(os.path.join(d, "*.log"))) > 5

    # The quiet partition's active segment rolls on segment.ms, then everything ages out.
    wait_until(lambda: watermarks(b, topic)[0] == 200, "log start offset to reach 200")
    assert watermarks(b, topic) == (200, 200)
    # Deleted segments are renamed *.deleted and removed (file.delete.delay.ms=0); the active,
    # empty segment remains.
    wait_until(lambda: not glob.glob(os.path.join(d, "*.deleted")), "*.deleted files removal")
    logs = glob.glob(os.path.join(d, "*.log"))
    assert [os.path.basename(p) for p in logs] == ["00000000000000000200.log"]
    assert os.path.getsize(logs[0]) == 0

    # A consumer positioned at 0 (now below the log start) resets to the earliest offset.
    produce(b, topic, 5, tag="new")
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-ret-reset",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
    try:
        c.assign([ck.TopicPartition(topic, 0, 0)])
        got = []
        deadline = time.monotonic() + 30
        while len(got) < 5 and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            got.append((m.offset(), m.value()[:9]))
        assert got == [(200 + i, f"new{i:06d}".encode()) for i in range(5)]
    finally:
        c.close()


def test_size_retention_keeps_at_least_retention_bytes(module_broker):
    b = module_broker
    topic = "ret-size"
    create_topic(b, topic, {"retention.bytes": "5000", "segment.bytes": "2000",
                            "file.delete.delay.ms": "0"})
    produce(b, topic, 200)
    wait_until(lambda: watermarks(b, topic)[0] > 0, "size retention")
    time.sleep(1.5)  # a further pass must not delete more
    low, high = watermarks(b, topic)
    assert high == 200 and 0 < low < 200
    d = partition_dir(b, topic)
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(d, "*.log")))
    assert 5000 <= size < 5000 + 2200, size


@pytest.mark.broker_overrides(BROKER_OVERRIDES)
def test_delete_records_kafkajs_and_restart(broker):
    b = broker
    topic = "ret-delrec"
    create_topic(b, topic, {})
    produce(b, topic, 30)
    node = shutil.which("node")
    assert node, "node is not installed"
    r = subprocess.run([node, os.path.join(JS_DIR, "delete_records.js"), b.bootstrap, topic, "30"],
                       cwd=JS_DIR, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"delete_records.js exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert watermarks(b, topic) == (30, 30)
    # The log start offset is checkpointed: an unclean restart keeps it.
    time.sleep(2.5)  # the next retention pass checkpoints the moved start
    b.kill()
    b.start()
    wait_for_topic(b, topic, 1)
    assert watermarks(b, topic) == (30, 30)


def _uvarint(r):
    shift = out = 0
    while True:
        byte = r.take(1)[0]
        out |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return out
        shift += 7
        if shift > 35:
            raise ValueError("varint too long")


def _compact_string(r):
    n = _uvarint(r) - 1
    return None if n < 0 else r.take(n).decode()


def _compact_array(r, item):
    n = _uvarint(r) - 1
    if n < 0:
        return None
    if n > len(r.data):
        raise ValueError("array count larger than the response")
    return [item(r) for _ in range(n)]


def _i64(r):
    return struct.unpack(">q", r.take(8))[0]


def test_describe_log_dirs_raw(module_broker):
    b = module_broker
    topic = "ret-logdirs"
    create_topic(b, topic, {}, partitions=2)
    produce(b, topic, 10)
    with RawClient(b.host, b.port) as c:
        # v0, every partition (null topic list).
        r = Reader(c.request(35, 0, struct.pack(">i", -1)))
        assert r.i32() == 0  # throttle

        def partition_v0(rr):
            return (rr.i32(), _i64(rr), _i64(rr), rr.i8())

        results = r.array(lambda rr: (rr.i16(), rr.string(),
                                      rr.array(lambda t: (t.string(), t.array(partition_v0)))))
        assert len(results) == 1
        err, log_dir, topics = results[0]
        assert err == 0 and os.path.samefile(log_dir, b.data_dir)
        parts = dict(topics)[topic]
        sizes = {p[0]: p for p in parts}
        assert set(sizes) == {0, 1}
        assert sizes[0][1] > 1000 and sizes[0][2:] == (0, 0)  # size, lag 0, not future
        assert sizes[1][1] == 0

        # v4 (flexible): only partition 0 of the topic, with total and usable bytes.
        body = (bytes([2]) + bytes([len(topic) + 1]) + topic.encode() + bytes([2]) +
                struct.pack(">i", 0) + b"\x00" + b"\x00")
        r = Reader(c.request(35, 4, body, flexible=True))
        _uvarint(r)  # response header tagged fields
        assert r.i32() == 0  # throttle
        assert r.i16() == 0  # top-level error

        def partition_v4(rr):
            out = (rr.i32(), _i64(rr), _i64(rr), rr.i8())
            _uvarint(rr)
            return out

        def topic_v4(rr):
            out = (_compact_string(rr), _compact_array(rr, partition_v4))
            _uvarint(rr)
            return out

        def result_v4(rr):
            out = (rr.i16(), _compact_string(rr), _compact_array(rr, topic_v4), _i64(rr), _i64(rr))
            _uvarint(rr)
            return out

        results = _compact_array(r, result_v4)
        assert len(results) == 1
        err, log_dir, topics, total, usable = results[0]
        assert err == 0 and total > 0 and 0 <= usable <= total
        assert [(t, [p[0] for p in ps]) for t, ps in topics] == [(topic, [0])]
