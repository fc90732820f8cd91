"""kafka-python 2.0.2 (python3-kafka): admin API, keyed round trips with every codec its libraries
allow, and ListOffsets (earliest, latest, by timestamp)."""

import time

import kafka
import kafka.errors as kerr
import pytest
from kafka.admin import KafkaAdminClient, NewPartitions, NewTopic
from kafka.structs import TopicPartition
from samsa_fixture import check_roundtrip, make_records, topic_names, wait_for_topic

BROKER_OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false"}
# kafka-python compresses with python3-snappy / python3-lz4 / python3-zstandard (install-deps.sh);
# a missing library is a failure here, never a skip.
CODECS = [None, "gzip", "snappy", "lz4", "zstd"]
N = 10000


def admin_for(b):
    return KafkaAdminClient(bootstrap_servers=b.bootstrap, client_id="it-kafka-python-admin",
                            request_timeout_ms=15000)


def consume_partitions(b, topic, partitions, expected, timeout=90):
    consumer = kafka.KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None,
                                   enable_auto_commit=False, auto_offset_reset="earliest",
                                   client_id="it-kafka-python-consumer")
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        rows = []
        deadline = time.monotonic() + timeout
        while len(rows) < expected and time.monotonic() < deadline:
            b.assert_alive()
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            for tp, recs in batch.items():
                rows += [(tp.partition, r.offset, r.key, r.value) for r in recs]
        # Nothing beyond what was produced may show up.
        for tp, recs in consumer.poll(timeout_ms=300).items():
            rows += [(tp.partition, r.offset, r.key, r.value) for r in recs]
        return rows
    finally:
        consumer.close()


def produce(bootstrap, topic, records, codec, **kw):
    producer = kafka.KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec,
                                   linger_ms=5, max_in_flight_requests_per_connection=1,
                                   client_id="it-kafka-python-producer", **kw)
    try:
        futures = [producer.send(topic, key=k, value=v) for k, v in records]
        producer.flush(timeout=120)
        acks = {}
        for (k, v), f in zip(records, futures):
            md = f.get(timeout=1)  # raises the delivery error, if any
            acks[(md.partition, md.offset)] = v
        return acks
    finally:
        producer.close(timeout=10)


def test_admin_create_extend_delete(module_broker):
    b = module_broker
    admin = admin_for(b)
    try:
        admin.create_topics([NewTopic("kp-admin", num_partitions=3, replication_factor=1)])
        md = wait_for_topic(b, "kp-admin", 3)
        assert all(p["replicas"] == [1] for p in md["partitions"])
        assert "kp-admin" in admin.list_topics()

        with pytest.raises(kerr.TopicAlreadyExistsError):
            admin.create_topics([NewTopic("kp-admin", num_partitions=3, replication_factor=1)])

        admin.create_partitions({"kp-admin": NewPartitions(total_count=5)})
        wait_for_topic(b, "kp-admin", 5)
        # Shrinking is not allowed in Kafka.
        with pytest.raises(kerr.InvalidPartitionsError):
            admin.create_partitions({"kp-admin": NewPartitions(total_count=2)})

        admin.delete_topics(["kp-admin"])
        deadline = time.monotonic() + 15
        while "kp-admin" in topic_names(b) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "kp-admin" not in topic_names(b)
        with pytest.raises(kerr.UnknownTopicOrPartitionError):
            admin.delete_topics(["kp-admin"])
    finally:
        admin.close()


def test_admin_rejects_replication_factor_3(module_broker):
    admin = admin_for(module_broker)
    try:
        with pytest.raises(kerr.InvalidReplicationFactorError):
            admin.create_topics([NewTopic("kp-rf3", num_partitions=1, replication_factor=3)])
        assert "kp-rf3" not in topic_names(module_broker)
    finally:
        admin.close()


@pytest.mark.parametrize("name", ["bad name!", "..", "x" * 250, "slash/name"])
def test_admin_rejects_invalid_topic_name(module_broker, name):
    admin = admin_for(module_broker)
    try:
        with pytest.raises(kerr.InvalidTopicError):
            admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        assert name not in topic_names(module_broker)
    finally:
        admin.close()


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c or "none")
def test_roundtrip_10k_keyed(module_broker, codec):
    b = module_broker
    topic = f"kp-rt-{codec or 'none'}"
    admin = admin_for(b)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    finally:
        admin.close()
    wait_for_topic(b, topic, 6)
    records = make_records(N, tag=f"kp-{codec}")
    acks = produce(b.bootstrap, topic, records, codec)
    rows = consume_partitions(b, topic, 6, N)
    check_roundtrip(records, rows, partitions=6)
    assert {(p, o): v for p, o, _, v in rows} == acks, "acknowledged offsets differ from stored"


def test_list_offsets_earliest_latest_by_timestamp(module_broker):
    b = module_broker
    topic = "kp-times"
    admin = admin_for(b)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    wait_for_topic(b, topic, 1)
    base = int(time.time() * 1000) - 200_000
    producer = kafka.KafkaProducer(bootstrap_servers=b.bootstrap, acks="all")
    try:
        for i in range(100):
            producer.send(topic, key=b"k", value=f"v{i}".encode(), partition=0,
                          timestamp_ms=base + i * 1000)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)

    consumer = kafka.KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None)
    try:
        tp = TopicPartition(topic, 0)
        assert consumer.beginning_offsets([tp]) == {tp: 0}
        assert consumer.end_offsets([tp]) == {tp: 100}
        res = consumer.offsets_for_times({tp: base + 50_500})[tp]
        assert (res.offset, res.timestamp) == (51, base + 51_000)
        res = consumer.offsets_for_times({tp: base + 50_000})[tp]
        assert (res.offset, res.timestamp) == (50, base + 50_000)
        res = consumer.offsets_for_times({tp: base - 5})[tp]
        assert (res.offset, res.timestamp) == (0, base)
        assert consumer.offsets_for_times({tp: base + 1_000_000})[tp] is None
    finally:
        consumer.close()
