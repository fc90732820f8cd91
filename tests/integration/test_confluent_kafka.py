"""confluent-kafka 1.7.0 (librdkafka 2.0.2): AdminClient, keyed round trips with every librdkafka
codec, and ListOffsets (watermarks, offsets_for_times)."""

import time

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
from samsa_fixture import check_roundtrip, make_records, topic_names, wait_for_topic

BROKER_OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false"}
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 10000


def admin_for(b):
    return AdminClient({"bootstrap.servers": b.bootstrap, "client.id": "it-confluent-admin"})


def admin_error(futures):
    """Waits for one admin future; returns the Kafka error code, or None on success."""
    (fut,) = futures.values()
    try:
        fut.result(timeout=20)
        return None
    except ck.KafkaException as e:
        return e.args[0].code()


def create(b, name, partitions=6, rf=1):
    admin = admin_for(b)  # must outlive the future: a destroyed client fails it with _DESTROY
    return admin_error(admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=rf)], operation_timeout=15))


def produce(bootstrap, topic, records, extra=None, timestamps=None, partition=None):
    """Produces with delivery callbacks; returns {(partition, offset): value} of acknowledged ones
    and the list of delivery errors."""
    conf = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5, "max.in.flight": 1,
            "client.id": "it-confluent-producer"}
    conf.update(extra or {})
    p = ck.Producer(conf)
    acks, errors = {}, []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acks[(msg.partition(), msg.offset())] = msg.value()

    for i, (k, v) in enumerate(records):
        kw = {}
        if timestamps is not None:
            kw["timestamp"] = timestamps[i]
        if partition is not None:
            kw["partition"] = partition
        while True:
            try:
                p.produce(topic, key=k, value=v, on_delivery=on_delivery, **kw)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    remaining = p.flush(120)
    assert remaining == 0, f"{remaining} records still queued after flush"
    return acks, errors


def consume_partitions(b, topic, partitions, expected, timeout=90):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-confluent-assign",
                     "enable.auto.commit": False, "enable.partition.eof": True,
                     "client.id": "it-confluent-consumer"})
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)])
        rows, at_eof = [], set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (len(rows) < expected or len(at_eof) < partitions):
            b.assert_alive()
            for m in c.consume(num_messages=2000, timeout=0.5):
                if m.error():
                    if m.error().code() == ck.KafkaError._PARTITION_EOF:
                        at_eof.add(m.partition())
                        continue
                    raise AssertionError(f"consume error: {m.error()}")
                at_eof.discard(m.partition())
                rows.append((m.partition(), m.offset(), m.key(), m.value()))
        return rows
    finally:
        c.close()


def test_admin_create_extend_delete(module_broker):
    b = module_broker
    admin = admin_for(b)
    assert create(b, "ck-admin", 2) is None
    wait_for_topic(b, "ck-admin", 2)
    md = admin.list_topics(timeout=10)
    assert set(md.brokers) == {1} and md.brokers[1].port == b.port
    assert len(md.topics["ck-admin"].partitions) == 2
    assert create(b, "ck-admin", 2) == ck.KafkaError.TOPIC_ALREADY_EXISTS

    assert admin_error(admin.create_partitions([NewPartitions("ck-admin", 4)])) is None
    wait_for_topic(b, "ck-admin", 4)
    assert admin_error(admin.create_partitions([NewPartitions("ck-absent", 4)])) == \
        ck.KafkaError.UNKNOWN_TOPIC_OR_PART

    assert admin_error(admin.delete_topics(["ck-admin"], operation_timeout=15)) is None
    deadline = time.monotonic() + 15
    while "ck-admin" in topic_names(b) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "ck-admin" not in topic_names(b)


def test_admin_validate_only_creates_nothing(module_broker):
    b = module_broker
    admin = admin_for(b)
    futs = admin.create_topics([NewTopic("ck-dry", 3, 1)], validate_only=True)
    assert admin_error(futs) is None
    time.sleep(0.5)
    assert "ck-dry" not in topic_names(b)


def test_admin_rejects_replication_factor_3(module_broker):
    assert create(module_broker, "ck-rf3", 1, rf=3) == ck.KafkaError.INVALID_REPLICATION_FACTOR
    assert "ck-rf3" not in topic_names(module_broker)


@pytest.mark.parametrize("name", ["bad name!", "..", "y" * 250])
def test_admin_rejects_invalid_topic_name(module_broker, name):
    assert create(module_broker, name, 1) == ck.KafkaError.TOPIC_EXCEPTION
    assert name not in topic_names(module_broker)


@pytest.mark.parametrize("codec", CODECS)
def test_roundtrip_10k_keyed(module_broker, codec):
    b = module_broker
    topic = f"ck-rt-{codec}"
    assert create(b, topic, 6) is None
    wait_for_topic(b, topic, 6)
    records = make_records(N, tag=f"ck-{codec}")
    acks, errors = produce(b.bootstrap, topic, records, {"compression.codec": codec})
    assert not errors, f"{len(errors)} delivery errors, first: {errors[0]}"
    rows = consume_partitions(b, topic, 6, N)
    check_roundtrip(records, rows, partitions=6)
    assert {(p, o): v for p, o, _, v in rows} == acks, "acknowledged offsets differ from stored"


def test_list_offsets_watermarks_and_times(module_broker):
    b = module_broker
    topic = "ck-times"
    assert create(b, topic, 2) is None
    wait_for_topic(b, topic, 2)
    base = int(time.time() * 1000) - 300_000
    recs = [(b"k", f"v{i}".encode()) for i in range(100)]
    acks, errors = produce(b.bootstrap, topic, recs, timestamps=[base + i * 1000 for i in range(100)],
                           partition=1)
    assert not errors and len(acks) == 100
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-confluent-times"})
    try:
        assert c.get_watermark_offsets(ck.TopicPartition(topic, 1), timeout=10) == (0, 100)
        assert c.get_watermark_offsets(ck.TopicPartition(topic, 0), timeout=10) == (0, 0)
        queries = [ck.TopicPartition(topic, 1, base + 70_001), ck.TopicPartition(topic, 1, base),
                   ck.TopicPartition(topic, 1, base + 500_000), ck.TopicPartition(topic, 0, base)]
        got = []
        for q in queries:  # one partition per call: a list may hold each partition only once
            (r,) = c.offsets_for_times([q], timeout=10)
            assert r.error is None, r.error
            got.append(r.offset)
        # A time past the last record answers -1 (librdkafka's OFFSET_END) as Kafka does.
        assert got == [71, 0, -1, -1], got
    finally:
        c.close()
