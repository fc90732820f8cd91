"""Compression matrix: every producer client x codec into one topic per compression.type
(producer, uncompressed, gzip, snappy, lz4, zstd), read back by kcat, kafka-python,
confluent-kafka and kafkajs; the stored batches are checked to carry the topic's codec. kafkajs
produces none/gzip only and reads only the topics that force uncompressed or gzip (other codecs
need plugins the project does not install).
Also: a batch with corrupt compressed data is answered CORRUPT_MESSAGE and the partition keeps
working."""

import collections
import glob
import json
import os
import shutil
import struct
import subprocess
import time

import confluent_kafka
import kafka
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c
from kafka.structs import TopicPartition
from samsa_fixture import RawClient, Reader, encode_string, wait_for_topic

BROKER_OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false"}
TOPIC_TYPES = ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"]
CODEC_IDS = {"uncompressed": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
CODECS = [None, "gzip", "snappy", "lz4", "zstd"]
JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
PER = 3  # records per (client, codec, topic)


def topic_of(kind):
    return f"comp-{kind}"


def value(client, codec, topic, i):
    return f"{client}-{codec or 'none'}-{topic}-{i}".encode() * 4


def run(args, timeout=60, **kw):
    r = subprocess.run(args, capture_output=True, timeout=timeout, **kw)
    assert r.returncode == 0, f"{args[:3]} exited {r.returncode}: {r.stderr[-3000:]!r}"
    return r.stdout


def node(*args):
    assert shutil.which("node"), "node is not installed"
    out = run(["node", os.path.join(JS_DIR, "compression.js"), *args], timeout=90, cwd=JS_DIR,
              env={**os.environ, "KAFKAJS_NO_PARTITIONER_WARNING": "1"}).decode()
    assert "scenario passed" in out, out[-2000:]
    return out


def produce_all(b, topics):
    expected = collections.defaultdict(list)
    for codec in CODECS:
        p = kafka.KafkaProducer(bootstrap_servers=b.bootstrap, compression_type=codec, acks="all",
                                linger_ms=20)
        futures = []
        for t in topics:
            for i in range(PER):
                futures.append(p.send(t, key=b"k%d" % i, value=value("kp", codec, t, i)))
                expected[t].append(value("kp", codec, t, i))
        p.flush(30)
        for f in futures:
            f.get(timeout=1)
        p.close()

        errors = []
        p = confluent_kafka.Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20,
                                      "compression.codec": codec or "none", "acks": "all"})
        for t in topics:
            for i in range(PER):
                p.produce(t, key=b"k%d" % i, value=value("ck", codec, t, i),
                          on_delivery=lambda err, _m: err and errors.append(err))
                expected[t].append(value("ck", codec, t, i))
        assert p.flush(30) == 0 and not errors, errors

        for t in topics:
            lines = b"".join(b"k%d:%s\n" % (i, value("kcat", codec, t, i)) for i in range(PER))
            run(["kcat", "-P", "-b", b.bootstrap, "-t", t, "-K:", "-X",
                 f"compression.codec={codec or 'none'}"], input=lines)
            expected[t] += [value("kcat", codec, t, i) for i in range(PER)]
    node(b.bootstrap, "produce", "kjs", *topics)
    for t in topics:
        expected[t] += [f"kjs-{c}-{t}-{i}".encode() * 4 for c in ("none", "gzip") for i in range(3)]
    return expected


def stored_codecs(b, topic):
    """The codec of every batch in the topic's segment files."""
    codecs = []
    for seg in glob.glob(os.path.join(b.data_dir, "**", f"{topic}-0", "*.log"), recursive=True):
        data = open(seg, "rb").read()
        pos = 0
        while pos + 61 <= len(data):
            (length,) = struct.unpack(">i", data[pos + 8:pos + 12])
            if length <= 0:
                break
            (attrs,) = struct.unpack(">h", data[pos + 21:pos + 23])
            codecs.append(attrs & 7)
            pos += 12 + length
    return codecs


def consume_kafka_python(b, topics, n):
    c = kafka.KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None, enable_auto_commit=False)
    try:
        c.assign([TopicPartition(t, 0) for t in topics])
        c.seek_to_beginning()
        got = collections.defaultdict(list)
        deadline = time.monotonic() + 30
        while sum(map(len, got.values())) < n and time.monotonic() < deadline:
            for tp, recs in c.poll(timeout_ms=300).items():
                got[tp.topic] += [r.value for r in recs]
        return got
    finally:
        c.close()


def consume_confluent(b, topics, n):
    c = confluent_kafka.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-comp",
                                  "enable.auto.commit": False})
    try:
        c.assign([confluent_kafka.TopicPartition(t, 0, confluent_kafka.OFFSET_BEGINNING)
                  for t in topics])
        got = collections.defaultdict(list)
        deadline = time.monotonic() + 30
        while sum(map(len, got.values())) < n and time.monotonic() < deadline:
            m = c.poll(0.3)
            if m is not None:
                assert m.error() is None, m.error()
                got[m.topic()].append(m.value())
        return got
    finally:
        c.close()


def consume_kcat(b, topics, _n):
    got = {}
    for t in topics:
        out = run(["kcat", "-C", "-b", b.bootstrap, "-t", t, "-o", "beginning", "-e", "-q", "-D",
                   "\x01", "-f", "%s\x01"])
        got[t] = [v for v in out.split(b"\x01") if v]
    return got


def consume_kafkajs(b, topics, n):
    out = node(b.bootstrap, "consume", str(n), *topics)
    line = next(ln for ln in out.splitlines() if ln.startswith("VALUES "))
    got = collections.defaultdict(list)
    for t, v in json.loads(line[len("VALUES "):]):
        got[t].append(v.encode())
    return got


def test_every_codec_into_every_compression_type(module_broker):
    b = module_broker
    topics = [topic_of(k) for k in TOPIC_TYPES]
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
    try:
        admin.create_topics([NewTopic(topic_of(k), 1, 1, topic_configs={"compression.type": k})
                             for k in TOPIC_TYPES])
    finally:
        admin.close()
    for t in topics:
        wait_for_topic(b, t)
    expected = produce_all(b, topics)
    total = sum(map(len, expected.values()))

    for kind in TOPIC_TYPES:
        codecs = stored_codecs(b, topic_of(kind))
        assert codecs, kind
        if kind == "producer":
            assert set(codecs) == set(CODEC_IDS.values()), codecs  # kept as each producer sent
        else:
            assert set(codecs) == {CODEC_IDS[kind]}, (kind, codecs)

    for consume in (consume_kafka_python, consume_confluent, consume_kcat):
        got = consume(b, topics, total)
        for t in topics:
            assert sorted(got.get(t, [])) == sorted(expected[t]), (consume.__name__, t)
    # kafkajs can read only none/gzip batches: the topics that force those codecs, whatever the
    # producers sent (snappy/lz4/zstd from the other clients included).
    readable = [topic_of("uncompressed"), topic_of("gzip")]
    got = consume_kafkajs(b, readable, sum(len(expected[t]) for t in readable))
    for t in readable:
        assert sorted(got.get(t, [])) == sorted(expected[t]), ("kafkajs", t)


def produce_v3(b, topic, batch):
    body = (encode_string(None) + struct.pack(">hi", -1, 10000) + struct.pack(">i", 1) +
            encode_string(topic) + struct.pack(">i", 1) + struct.pack(">ii", 0, len(batch)) +
            batch)
    with RawClient(b.host, b.port) as c:
        r = Reader(c.request(0, 3, body))
    topics = r.array(lambda rr: (rr.string(), rr.array(
        lambda p: (p.i32(), p.i16(), p.take(8), p.take(8)))))
    return topics[0][1][0][1]


def test_corrupt_compressed_batch_is_rejected(module_broker):
    b = module_broker
    topic = "comp-corrupt"
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
    try:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"compression.type": "gzip"})])
    finally:
        admin.close()
    wait_for_topic(b, topic)
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0,
                                        producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                        batch_size=1 << 20)
    builder.append(0, timestamp=int(time.time() * 1000), key=b"k", value=b"v", headers=[])
    good = bytes(builder.build())
    # Same header, lz4 codec bit, body that is not an LZ4 frame, valid CRC.
    bad = bytearray(good[:61] + b"\x04\x22\x4d\x18" + b"\x55" * 40)
    bad[8:12] = struct.pack(">i", len(bad) - 12)
    bad[21:23] = struct.pack(">h", 3)
    bad[17:21] = struct.pack(">I", calc_crc32c(bytes(bad[21:])))
    assert produce_v3(b, topic, bytes(bad)) == 2  # CORRUPT_MESSAGE
    assert produce_v3(b, topic, good) == 0
    assert stored_codecs(b, topic) == [1]
    got = consume_kcat(b, [topic], 1)
    assert got[topic] == [b"v"]
