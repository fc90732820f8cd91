"""kcat (librdkafka 2.0.2 on Debian) against a real broker: metadata listing, auto-created topics,
keyed round trips with every codec, and timestamp lookups. kcat has no admin API, so topics come
from auto-creation with num.partitions=6."""

import json
import shutil
import subprocess
import time

import pytest
from samsa_fixture import check_roundtrip, make_records, wait_for_topic

BROKER_OVERRIDES = {"num.partitions": 6, "auto.create.topics.enable": "true"}
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 10000


def kcat(*args, stdin=None, timeout=120):
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed (scripts/install-deps.sh installs it)"
    r = subprocess.run([exe, *args], input=stdin, capture_output=True, timeout=timeout)
    return r


def kcat_ok(*args, stdin=None, timeout=120):
    r = kcat(*args, stdin=stdin, timeout=timeout)
    assert r.returncode == 0, f"kcat {' '.join(args)} failed ({r.returncode}):\n" \
                              f"{r.stderr.decode(errors='replace')[-3000:]}"
    return r


def consume_all(bootstrap, topic, fmt="%p\t%o\t%k\t%s\n", extra=()):
    r = kcat_ok("-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", fmt,
                *extra)
    rows = []
    for line in r.stdout.decode().splitlines():
        p, o, k, v = line.split("\t", 3)
        rows.append((int(p), int(o), k.encode(), v.encode()))
    return rows


def test_metadata_lists_broker_and_topics(module_broker):
    b = module_broker
    kcat_ok("-b", b.bootstrap, "-P", "-t", "kcat-listed", "-K", "\t", stdin=b"k\tv\n")
    wait_for_topic(b, "kcat-listed", 6)
    r = kcat_ok("-b", b.bootstrap, "-L", "-J")
    md = json.loads(r.stdout)
    brokers = md["brokers"]
    assert [(x["id"], x["name"]) for x in brokers] == [(1, b.bootstrap)], brokers
    topics = {t["topic"]: t for t in md["topics"]}
    assert "kcat-listed" in topics, sorted(topics)
    parts = topics["kcat-listed"]["partitions"]
    assert sorted(p["partition"] for p in parts) == list(range(6))
    for p in parts:
        assert p["leader"] == 1
        assert [r["id"] for r in p["replicas"]] == [1]
        assert [r["id"] for r in p["isrs"]] == [1]
    # The plain-text listing is what operators read; check it names the broker too.
    text = kcat_ok("-b", b.bootstrap, "-L").stdout.decode()
    assert f"broker 1 at {b.bootstrap}" in text, text
    assert 'topic "kcat-listed" with 6 partitions' in text, text


def test_auto_create_on_first_produce(module_broker):
    b = module_broker
    topic = "kcat-autocreated"
    assert topic not in consume_topics(b)
    kcat_ok("-b", b.bootstrap, "-P", "-t", topic, "-K", "\t", "-X", "acks=all",
            stdin=b"a\t1\nb\t2\nc\t3\n")
    md = wait_for_topic(b, topic, 6)
    assert len(md["partitions"]) == 6
    rows = consume_all(b.bootstrap, topic)
    assert sorted((k, v) for _, _, k, v in rows) == [(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]


def consume_topics(b):
    md = json.loads(kcat_ok("-b", b.bootstrap, "-L", "-J").stdout)
    return {t["topic"] for t in md["topics"]}


@pytest.mark.parametrize("codec", CODECS)
def test_roundtrip_10k_keyed(module_broker, codec):
    b = module_broker
    topic = f"kcat-rt-{codec}"
    records = make_records(N, tag=f"kcat-{codec}")
    payload = b"".join(k + b"\t" + v + b"\n" for k, v in records)
    # One in-flight request keeps produce order observable even if librdkafka had to retry.
    kcat_ok("-b", b.bootstrap, "-P", "-t", topic, "-K", "\t", "-X", f"compression.codec={codec}",
            "-X", "acks=all", "-X", "max.in.flight=1", "-X", "linger.ms=5",
            stdin=payload, timeout=180)
    wait_for_topic(b, topic, 6)
    rows = consume_all(b.bootstrap, topic)
    check_roundtrip(records, rows, partitions=6)


def test_offset_by_timestamp(module_broker):
    b = module_broker
    topic = "kcat-times"
    first = [(f"k{i}".encode(), f"early-{i}".encode()) for i in range(20)]
    second = [(f"k{i}".encode(), f"late-{i}".encode()) for i in range(20)]
    args = ["-b", b.bootstrap, "-P", "-t", topic, "-p", "0", "-K", "\t", "-X", "acks=all"]
    kcat_ok(*args, stdin=b"".join(k + b"\t" + v + b"\n" for k, v in first))
    time.sleep(0.3)  # two clearly separated CreateTime ranges
    kcat_ok(*args, stdin=b"".join(k + b"\t" + v + b"\n" for k, v in second))
    rows = kcat_ok("-b", b.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
                   "-f", "%o\t%T\t%s\n").stdout.decode().splitlines()
    parsed = [(int(o), int(t), v) for o, t, v in (r.split("\t", 2) for r in rows)]
    assert [o for o, _, _ in parsed] == list(range(40))
    late_ts = parsed[20][1]
    assert parsed[19][1] < late_ts, "the two waves share a timestamp"
    assert parsed[20][2] == "late-0"
    got = kcat_ok("-b", b.bootstrap, "-C", "-t", topic, "-p", "0", "-o", f"s@{late_ts}", "-e",
                  "-q", "-f", "%o\t%s\n").stdout.decode().splitlines()
    assert got[0] == "20\tlate-0", got[:3]
    assert len(got) == 20
    # A timestamp before everything starts at the first record.
    got = kcat_ok("-b", b.bootstrap, "-C", "-t", topic, "-p", "0", "-o", f"s@{parsed[0][1] - 1}",
                  "-e", "-q", "-f", "%o\n").stdout.decode().split()
    assert got[0] == "0" and len(got) == 40
