"""Compaction: a compacted topic with thousands of updates to 100 keys converges to the latest
record per key (offsets kept, read by a real consumer), survives a restart with its
cleaner-offset-checkpoint, and a record without a key is refused with INVALID_RECORD."""

import os
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import read_partition, wait_for_topic

BROKER_OVERRIDES = {"log.cleaner.backoff.ms": "200"}

KEYS = 100
UPDATES = 3000


def create_topic(b, name, config):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    futs = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                                         config=config)], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(b, name, 1)


def read_all(b, topic, group):
    """Every record from the start, as (offset, key, value), until the end of the partition."""
    return read_partition(b, topic, group=group)


def test_compacted_topic_converges_to_latest_per_key(module_broker):
    b = module_broker
    topic = "compacted"
    create_topic(b, topic, {"cleanup.policy": "compact", "segment.bytes": "8192",
                            "segment.ms": "1000", "min.cleanable.dirty.ratio": "0.01",
                            "delete.retention.ms": "1000"})
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 5,
                     "compression.type": "lz4"})
    latest = {}
    for i in range(UPDATES):
        key = f"key-{i % KEYS:03d}".encode()
        value = f"value-{i:05d}".encode()
        latest[key] = value
        p.produce(topic, key=key, value=value, partition=0)
        p.poll(0)
    assert p.flush(30) == 0

    deadline = time.monotonic() + 60
    records = []
    while time.monotonic() < deadline:
        records = read_all(b, topic, "it-compaction")
        if len(records) == KEYS:
            break
        time.sleep(1)
    assert len(records) == KEYS, f"still {len(records)} records after 60 s"
    assert {k: v for _, k, v in records} == latest
    # Offsets are kept: the survivor of each key is its last update.
    for offset, key, value in records:
        assert value == f"value-{offset:05d}".encode()
    assert os.path.exists(os.path.join(b.data_dir, "cleaner-offset-checkpoint"))

    b.restart(clean=False)
    wait_for_topic(b, topic, 1)
    assert read_all(b, topic, "it-compaction-2") == records


def test_record_without_key_is_rejected(module_broker):
    b = module_broker
    topic = "compacted-nokey"
    create_topic(b, topic, {"cleanup.policy": "compact"})
    errors = []
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "retries": 0})
    p.produce(topic, value=b"no key", partition=0,
              on_delivery=lambda err, msg: errors.append(err))
    assert p.flush(30) == 0  # its own batch: a keyless record fails the whole batch
    p.produce(topic, key=b"k", value=b"keyed", partition=0,
              on_delivery=lambda err, msg: errors.append(err))
    assert p.flush(30) == 0
    assert errors[0] is not None and errors[0].code() == ck.KafkaError.INVALID_RECORD, errors
    assert errors[1] is None
    assert [(k, v) for _, k, v in read_all(b, topic, "it-nokey")] == [(b"k", b"keyed")]
