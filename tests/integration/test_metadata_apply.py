"""How metadata reaches the broker's state. Deleting and creating topics while producers keep
writing to them (review finding H1): a produce that captured the metadata image before a delete
must never bring the deleted topic's log back, nor remove the partitions of a topic created
meanwhile. Raw produce loops on several sockets widen the window; a confluent-kafka consumer checks
the surviving topics end to end. And a start that fails after the quorum and the metadata
publisher run ends with an error exit, not a crash (finding M1)."""

import collections
import glob
import os
import re
import socket
import struct
import threading
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import BrokerError, RawClient, Reader, encode_string, wait_for_topic

BROKER_OVERRIDES = {"auto.create.topics.enable": "false"}

PARTITIONS = 16
VALUE_BYTES = 16 * 1024
ROUNDS = 12


def batch_of(value):
    """One uncompressed record, as kafka-python's builder makes it."""
    from kafka.record.default_records import DefaultRecordBatchBuilder
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0,
                                  producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                  batch_size=1 << 20)
    b.append(0, timestamp=int(time.time() * 1000), key=None, value=value, headers=[])
    return bytes(b.build())


def produce_all_partitions(c, topic, batches):
    """One Produce v3 (acks=1) with a batch for every partition of `topic`: the broker handles the
    partitions one after the other with the image it captured at the start, which makes the
    request's window for a concurrent delete/create as wide as its appends take.
    Returns {partition: (error, base_offset)}."""
    body = (encode_string(None) + struct.pack(">hi", 1, 10000) + struct.pack(">i", 1) +
            encode_string(topic) + struct.pack(">i", len(batches)))
    for partition, batch in enumerate(batches):
        body += struct.pack(">ii", partition, len(batch)) + batch
    r = Reader(c.request(0, 3, body))
    (_, parts), = r.array(lambda t: (t.string(), t.array(
        lambda p: (p.i32(), p.i16(), struct.unpack(">q", p.take(8))[0], p.take(8)))))
    return {index: (err, base) for index, err, base, _ in parts}


class Hammer:
    """Raw produce loops over the current target topics, remembering every acknowledged record."""

    def __init__(self, b, threads=4):
        self.b = b
        self.targets = []
        self.acked = {}  # (topic, partition) -> {offset: value}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(threads)]

    def _run(self, n):
        i = 0
        padding = b"x" * VALUE_BYTES
        try:
            with RawClient(self.b.host, self.b.port) as c:
                while not self.stop.is_set():
                    with self.lock:
                        targets = list(self.targets)
                    if not targets:
                        time.sleep(0.01)
                        continue
                    topic = targets[i % len(targets)]
                    values = [f"{topic}/{n}/{i}/{p}/".encode() + padding
                              for p in range(PARTITIONS)]
                    answers = produce_all_partitions(c, topic, [batch_of(v) for v in values])
                    with self.lock:
                        for p, (err, base) in answers.items():
                            if err == 0:
                                self.acked.setdefault((topic, p), {})[base] = values[p]
                    i += 1
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        return False

    def set_targets(self, topics):
        with self.lock:
            self.targets = list(topics)

    def acked_for(self, topic):
        with self.lock:
            return {tp: dict(v) for tp, v in self.acked.items() if tp[0] == topic}


def live_dirs(b, topic):
    """Partition directories of `topic` that are not renamed for deletion."""
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(b.data_dir, f"{topic}-*"))
                  if not p.endswith("-delete"))


def high_watermarks(b, topic):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-churn-wm"})
    try:
        return [c.get_watermark_offsets(ck.TopicPartition(topic, p), timeout=10)[1]
                for p in range(PARTITIONS)]
    finally:
        c.close()


def consume_all(b, topic, expected):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": f"it-churn-{topic}",
                     "enable.auto.commit": False})
    c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(PARTITIONS)])
    got = {}
    deadline = time.monotonic() + 30
    try:
        while len(got) < expected and time.monotonic() < deadline:
            for m in c.consume(num_messages=1000, timeout=0.5):
                if m.error() is None:
                    got[(m.partition(), m.offset())] = m.value()
    finally:
        c.close()
    return got


def test_delete_and_create_racing_producers(module_broker):
    b = module_broker
    admin = AdminClient({"bootstrap.servers": b.bootstrap})

    def create_and_delete(create, delete):
        """Both requests at once, so both changes land while produces are in flight."""
        futs = []
        if create:
            futs += admin.create_topics([NewTopic(create, num_partitions=PARTITIONS,
                                                  replication_factor=1)],
                                        operation_timeout=15).values()
        if delete:
            futs += admin.delete_topics([delete], operation_timeout=15).values()
        for f in futs:
            f.result(timeout=20)
        if create:
            wait_for_topic(b, create, PARTITIONS)

    create_and_delete("churn-live", None)
    create_and_delete("churn-0", None)
    with Hammer(b) as hammer:
        for r in range(ROUNDS):
            dying, born = f"churn-{r}", f"churn-{r + 1}"
            # `born` does not exist yet: its produces fail until it does, then are acknowledged.
            hammer.set_targets(["churn-live", dying, born])
            time.sleep(0.2)
            # The new topic is created and the old one deleted while produces to the old one are
            # in flight: a request's stale image applied by the request would bring the old
            # topic back and remove the new one's partitions.
            create_and_delete(born, dying)
            hammer.set_targets(["churn-live", born])
            time.sleep(0.3)
            assert live_dirs(b, dying) == [], f"round {r}: deleted {dying} has a log again"
            assert live_dirs(b, born) == sorted(f"{born}-{p}" for p in range(PARTITIONS)), (
                f"round {r}: {born} lost its partitions")
            for name in ("churn-live", born):
                acked = hammer.acked_for(name)  # before the query: later acks may pass it
                hws = high_watermarks(b, name)
                for (_, p), offsets in acked.items():
                    assert hws[p] >= max(offsets) + 1, (
                        f"round {r}: {name}-{p} high watermark {hws[p]} below acked "
                        f"offset {max(offsets)}")
        hammer.set_targets(["churn-live", f"churn-{ROUNDS}"])
        time.sleep(0.3)
    assert not hammer.errors, hammer.errors
    b.assert_alive()

    # A real client on the survivors: every acknowledged record is there, at its offset.
    for name in ("churn-live", f"churn-{ROUNDS}"):
        acked = {(p, o): v for (_, p), offs in hammer.acked_for(name).items()
                 for o, v in offs.items()}
        assert acked, f"nothing was acknowledged on {name}"
        got = consume_all(b, name, len(acked))
        missing = [k for k, v in acked.items() if got.get(k) != v]
        assert not missing, f"{name}: {len(missing)} acknowledged records lost, e.g. {missing[:3]}"
    for r in range(ROUNDS):
        assert live_dirs(b, f"churn-{r}") == [], f"churn-{r} has a log after its deletion"

    # The broker logs every local partition removal. A log brought back by a stale image is
    # removed a second time by the next good one, and a live topic's removal shows as an event
    # for it: even when the state healed itself, the events tell.
    removals = collections.Counter(
        re.findall(r"event=partition_removed topic=(\S+) partition=(\d+)", b.log_text()))
    for r in range(ROUNDS):
        for p in range(PARTITIONS):
            n = removals[(f"churn-{r}", str(p))]
            assert n == 1, f"churn-{r}-{p} removed {n} times (a stale image brought it back)"
    for name in ("churn-live", f"churn-{ROUNDS}"):
        assert not [k for k in removals if k[0] == name], f"live topic {name} lost partitions"


def test_start_failing_after_the_quorum_runs_exits_cleanly(broker_factory):
    """The Kafka listener's port is taken: start() throws after the controller, the publisher and
    the partitions exist, and the broker must tear them down in order (exit code 1, no signal).
    Without a sanitizer the use-after-free this guards against rarely shows; the ASan build of
    the suite is what catches it."""
    b = broker_factory(start=False)
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.1", b.port))
        blocker.listen(1)
        try:
            b._start_once(60)  # no port-clash retry: the clash is the point
            raise AssertionError("broker started although its listener port is taken")
        except BrokerError:
            pass
    finally:
        blocker.close()
    assert b.last_exit_code == 1, f"exit code {b.last_exit_code}; log {b.log_path}"
    log = b.log_text()
    assert "terminate called" not in log and "Segmentation" not in log, log[-2000:]
