"""Durability: acks=all records survive a clean restart at the same offsets, and every record
acknowledged before a kill -9 is present after restart (Principle 6 of DESIGN.md)."""

import threading
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import wait_for_topic

N_CLEAN = 3000


def create_topic(b, name, partitions):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})  # outlives its futures
    futs = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1)], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(b, name, partitions)


def read_all(b, topic, partitions, timeout=90):
    """Every record up to the end of each partition: {(partition, offset): value}."""
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-durability",
                     "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)])
        out, at_eof = {}, set()
        deadline = time.monotonic() + timeout
        while len(at_eof) < partitions and time.monotonic() < deadline:
            b.assert_alive()
            for m in c.consume(num_messages=2000, timeout=0.5):
                if m.error():
                    if m.error().code() == ck.KafkaError._PARTITION_EOF:
                        at_eof.add(m.partition())
                        continue
                    raise AssertionError(f"consume error: {m.error()}")
                at_eof.discard(m.partition())
                out[(m.partition(), m.offset())] = m.value()
        assert len(at_eof) == partitions, f"only partitions {at_eof} reached their end"
        ends = {p: c.get_watermark_offsets(ck.TopicPartition(topic, p), timeout=10)[1]
                for p in range(partitions)}
        return out, ends
    finally:
        c.close()


def test_clean_restart_keeps_acknowledged_records(broker):
    b = broker
    topic = "dur-clean"
    create_topic(b, topic, 3)
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 5})
    acks, errors = {}, []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acks[(msg.partition(), msg.offset())] = msg.value()

    for i in range(N_CLEAN):
        p.produce(topic, key=f"k{i % 31}".encode(), value=f"clean-{i}".encode(),
                  on_delivery=on_delivery)
        p.poll(0)
    assert p.flush(60) == 0
    assert not errors, errors[:3]
    assert len(acks) == N_CLEAN
    before, ends_before = read_all(b, topic, 3)
    assert before == acks

    code = b.restart(clean=True)
    assert code == 0, f"broker exited {code} on SIGTERM; log {b.log_path}"
    wait_for_topic(b, topic, 3)
    after, ends_after = read_all(b, topic, 3)
    assert after == acks, "records changed across a clean restart"
    assert ends_after == ends_before

    # The restarted broker keeps appending after the recovered offsets.
    p2 = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all"})
    got = []
    p2.produce(topic, key=b"after", value=b"after-restart", partition=0,
               on_delivery=lambda err, msg: got.append((err, msg.offset())))
    assert p2.flush(30) == 0
    assert got == [(None, ends_before[0])]


def test_kill9_during_produce_keeps_every_acknowledged_record(broker):
    b = broker
    topic = "dur-kill"
    create_topic(b, topic, 4)
    acks, errors = {}, []
    lock = threading.Lock()

    def on_delivery(err, msg):
        with lock:
            if err is not None:
                errors.append(err)
            else:
                acks[(msg.partition(), msg.offset())] = msg.value()

    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 2,
                     "message.timeout.ms": 20000, "retries": 1000000, "retry.backoff.ms": 100,
                     "reconnect.backoff.max.ms": 500, "queue.buffering.max.messages": 20000})
    stop = threading.Event()

    def produce_loop():
        i = 0
        while not stop.is_set():
            try:
                p.produce(topic, key=f"k{i % 17}".encode(), value=f"kill-{i}".encode(),
                          on_delivery=on_delivery)
                i += 1
            except BufferError:
                pass
            p.poll(0.001 if i % 100 == 0 else 0)

    t = threading.Thread(target=produce_loop, daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(acks) >= 3000:
                    break
            time.sleep(0.05)
        with lock:
            acked_before_kill = len(acks)
        assert acked_before_kill >= 3000, f"only {acked_before_kill} acknowledged in 30s"
        b.kill()  # SIGKILL in the middle of the stream
        time.sleep(1.0)
    finally:
        stop.set()
        t.join(timeout=10)
    b.start()
    # librdkafka retries what was unacknowledged against the restarted broker; every ack it
    # reports, before or after the kill, must be readable at exactly that offset.
    p.flush(40)
    with lock:
        acked = dict(acks)
    assert len(acked) >= acked_before_kill
    stored, _ = read_all(b, topic, 4)
    missing = [(k, v) for k, v in acked.items() if stored.get(k) != v]
    assert not missing, f"{len(missing)} acknowledged records lost or changed after kill -9, " \
                        f"e.g. {sorted(missing)[:5]} (stored: " \
                        f"{[stored.get(k) for k, _ in sorted(missing)[:5]]})"
    # Offsets stay dense: recovery must not leave holes that a consumer would skip over.
    for part in range(4):
        offs = sorted(o for (pp, o) in stored if pp == part)
        assert offs == list(range(len(offs))), f"partition {part} has offset gaps after recovery"
