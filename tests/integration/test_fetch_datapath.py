"""The fetch data path: record bytes sent from segment files with sendfile reach consumers intact
(checksums per partition, through librdkafka and kafka-python), and the fetch purgatory is keyed
by partition (a long poll on one partition is answered at once by an append to it, while one on
another partition keeps waiting until its max_wait)."""

import hashlib
import random
import re
import select
import struct
import threading
import time
import urllib.request

import confluent_kafka as ck
import kafka
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.structs import TopicPartition
from samsa_fixture import RawClient, Reader, encode_string, wait_for_topic

# Small segments, so one fetch reads regions of several segment files.
BROKER_OVERRIDES = {"log.segment.bytes": 4 << 20, "auto.create.topics.enable": "false"}
PARTITIONS = 3
RECORDS_PER_PARTITION = 12000
VALUE_SIZE = 1024
API_FETCH = 1


def create_topic(b, name, partitions):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=15)
    futures[name].result(timeout=30)
    wait_for_topic(b, name, partitions)


def sendfile_bytes(b):
    with urllib.request.urlopen(f"{b.admin_url}/metrics", timeout=10) as r:
        body = r.read().decode()
    m = re.search(r'^samsa_kafka_fetch_record_bytes_total\{path="sendfile"\} (\S+)$', body, re.M)
    assert m, "samsa_kafka_fetch_record_bytes_total{path=\"sendfile\"} missing from /metrics"
    return float(m.group(1))


def produce_large_topic(b, topic):
    """Random 1 KiB values, each partition's in its own order; returns sha256 per partition."""
    rng = random.Random(9)
    digests = {p: hashlib.sha256() for p in range(PARTITIONS)}
    producer = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all",
                            "enable.idempotence": True, "linger.ms": 20,
                            "compression.type": "none", "client.id": "it-datapath-producer"})
    errors = []
    for i in range(PARTITIONS * RECORDS_PER_PARTITION):
        p = i % PARTITIONS
        value = rng.randbytes(VALUE_SIZE)
        digests[p].update(value)
        while True:
            try:
                producer.produce(topic, value=value, partition=p,
                                 on_delivery=lambda err, _m: err and errors.append(err))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(120) == 0
    assert not errors, f"delivery errors: {errors[:3]}"
    return {p: d.hexdigest() for p, d in digests.items()}


def consume_confluent(b, topic):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-datapath",
                     "enable.auto.commit": False, "client.id": "it-datapath-confluent"})
    digests = {p: hashlib.sha256() for p in range(PARTITIONS)}
    counts = dict.fromkeys(range(PARTITIONS), 0)
    next_offset = dict.fromkeys(range(PARTITIONS), 0)
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(PARTITIONS)])
        deadline = time.monotonic() + 120
        while sum(counts.values()) < PARTITIONS * RECORDS_PER_PARTITION:
            assert time.monotonic() < deadline, f"consumed only {counts}"
            b.assert_alive()
            for m in c.consume(num_messages=5000, timeout=0.5):
                assert m.error() is None, f"consume error: {m.error()}"
                p = m.partition()
                assert m.offset() == next_offset[p], f"partition {p}: offset {m.offset()}, " \
                                                     f"expected {next_offset[p]}"
                next_offset[p] += 1
                digests[p].update(m.value())
                counts[p] += 1
    finally:
        c.close()
    return {p: d.hexdigest() for p, d in digests.items()}


def consume_kafka_python(b, topic):
    c = kafka.KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None,
                            enable_auto_commit=False, client_id="it-datapath-kafka-python",
                            max_partition_fetch_bytes=4 << 20)
    digests = {p: hashlib.sha256() for p in range(PARTITIONS)}
    counts = dict.fromkeys(range(PARTITIONS), 0)
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        deadline = time.monotonic() + 180
        while sum(counts.values()) < PARTITIONS * RECORDS_PER_PARTITION:
            assert time.monotonic() < deadline, f"consumed only {counts}"
            b.assert_alive()
            for tp, recs in c.poll(timeout_ms=500, max_records=10000).items():
                for r in recs:
                    assert r.offset == counts[tp.partition]
                    digests[tp.partition].update(r.value)
                    counts[tp.partition] += 1
    finally:
        c.close()
    return {p: d.hexdigest() for p, d in digests.items()}


def test_large_topic_arrives_intact_through_sendfile(module_broker):
    b = module_broker
    create_topic(b, "datapath-large", PARTITIONS)
    produced = produce_large_topic(b, "datapath-large")
    value_bytes = PARTITIONS * RECORDS_PER_PARTITION * VALUE_SIZE

    before = sendfile_bytes(b)
    assert consume_confluent(b, "datapath-large") == produced
    after_confluent = sendfile_bytes(b)
    # The consumer caught up from the start with 1 MiB partition fetches: (nearly) every record
    # byte left the broker by sendfile, not through memory.
    assert after_confluent - before >= 0.9 * value_bytes, \
        f"only {after_confluent - before:.0f} of {value_bytes} record bytes went by sendfile"

    assert consume_kafka_python(b, "datapath-large") == produced
    assert sendfile_bytes(b) - after_confluent >= 0.9 * value_bytes


# -- long polls, by raw Fetch v4 requests ----------------------------------------------------------

def fetch_v4_body(topic, partition, offset, max_wait_ms, min_bytes=1):
    return (struct.pack(">iiiib", -1, max_wait_ms, min_bytes, 50 << 20, 0) +
            struct.pack(">i", 1) + encode_string(topic) +
            struct.pack(">i", 1) + struct.pack(">iqi", partition, offset, 1 << 20))


def parse_fetch_v4(body):
    """[(partition, error, high_watermark, records bytes)] of a Fetch v4 response."""
    r = Reader(body)
    r.i32()  # throttle time
    out = []
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            partition, error = r.i32(), r.i16()
            (hw, _lso) = struct.unpack(">qq", r.take(16))
            aborted = r.i32()
            if aborted > 0:
                r.take(16 * aborted)
            size = r.i32()
            out.append((partition, error, hw, r.take(size) if size > 0 else b""))
    return out


def send_fetch(client, topic, partition, max_wait_ms):
    """Sends a Fetch v4 from offset 0 without waiting for the answer; returns its correlation id."""
    corr = client.next_corr
    client.next_corr += 1
    payload = (struct.pack(">hhi", API_FETCH, 4, corr) + encode_string("it-long-poll") +
               fetch_v4_body(topic, partition, 0, max_wait_ms))
    client.send_raw(struct.pack(">i", len(payload)) + payload)
    return corr


def has_data(client):
    readable, _, _ = select.select([client.sock], [], [], 0)
    return bool(readable)


def test_long_poll_wakes_only_for_its_own_partition(module_broker):
    b = module_broker
    topic = "datapath-long-poll"
    create_topic(b, topic, 2)
    with RawClient(b.host, b.port, timeout=60) as on_a, RawClient(b.host, b.port,
                                                                  timeout=60) as on_b:
        # A waits up to 8 s, B up to 40 s: B can only answer first if the append to it wakes it.
        corr_a = send_fetch(on_a, topic, 0, 8000)
        corr_b = send_fetch(on_b, topic, 1, 40000)
        time.sleep(0.5)  # let both requests reach the purgatory (correctness does not depend on it)

        answered = []
        results = {}

        def wait_answer(name, client, corr):
            got_corr, body = client.read_response()
            assert got_corr == corr
            results[name] = parse_fetch_v4(body)
            if name == "b":
                results["a_pending_when_b_answered"] = not has_data(on_a)
            answered.append(name)

        threads = [threading.Thread(target=wait_answer, args=("a", on_a, corr_a)),
                   threading.Thread(target=wait_answer, args=("b", on_b, corr_b))]
        for t in threads:
            t.start()
        producer = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all"})
        producer.produce(topic, value=b"for-partition-1", partition=1)
        assert producer.flush(30) == 0
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), f"fetches unanswered; got {answered}"

    assert answered == ["b", "a"], f"answer order {answered}"
    [(p_b, err_b, hw_b, records_b)] = results["b"]
    assert (p_b, err_b, hw_b) == (1, 0, 1)
    assert b"for-partition-1" in records_b
    # The append to partition 1 did not end A's wait: A was still unanswered when B's answer
    # arrived, and A's answer (at its max_wait) holds no records.
    assert results["a_pending_when_b_answered"]
    [(p_a, err_a, hw_a, records_a)] = results["a"]
    assert (p_a, err_a, hw_a, records_a) == (0, 0, 0, b"")


def batch_count(records):
    """Whole v2 batches in a records field (base offset int64, then length int32)."""
    n, pos = 0, 0
    while pos + 12 <= len(records):
        (length,) = struct.unpack(">i", records[pos + 8:pos + 12])
        assert pos + 12 + length <= len(records), "partial batch in a fetch response"
        pos += 12 + length
        n += 1
    assert pos == len(records)
    return n


def test_fetch_max_bytes_bounds_the_response(broker_factory):
    # The smallest value Kafka allows; the request below asks for 50 MiB.
    b = broker_factory({"fetch.max.bytes": 1024, "auto.create.topics.enable": "false"})
    topic = "datapath-fetch-max"
    create_topic(b, topic, 1)
    producer = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 0})
    for i in range(5):  # five batches of one 3000-byte record each
        producer.produce(topic, value=bytes([i]) * 3000, partition=0)
        assert producer.flush(30) == 0
    with RawClient(b.host, b.port) as c:
        corr = send_fetch(c, topic, 0, 0)
        got_corr, body = c.read_response()
    assert got_corr == corr
    [(partition, error, hw, records)] = parse_fetch_v4(body)
    assert (partition, error, hw) == (0, 0, 5)
    # Only the first batch, whole although above the limit (so a consumer always progresses).
    assert batch_count(records) == 1
    assert bytes([0]) * 3000 in records
