"""REST v3 produce (POST .../topics/{t}/records and records:batch) against a real broker: JSON,
STRING and BINARY keys and values, headers, timestamps, key-hash partitioning compared with
librdkafka's murmur2 partitioner, the streaming mode (chunked body, one delivery report per
record), and the error answers. Everything produced over HTTP is read back with kcat and checked
byte for byte; every response is checked against /openapi.json by RestClient."""

import base64
import http.client
import json
import os
import shutil
import struct
import subprocess

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from rest_client import RestClient
from samsa_fixture import wait_for_topic

MAX_BODY = 65536
BROKER_OVERRIDES = {"auto.create.topics.enable": "false", "admin.http.max.body.bytes": MAX_BODY}


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def env(module_broker):
    rest = RestClient(module_broker)
    cluster = rest.get("/v3/clusters").json["data"][0]["cluster_id"]
    admin = AdminClient({"bootstrap.servers": module_broker.bootstrap})
    for name, parts in (("rr", 3), ("rr-stream", 2), ("rr-batch", 1), ("rr-hash", 6)):
        admin.create_topics([NewTopic(name, parts, 1)])[name].result(timeout=15)
        wait_for_topic(module_broker, name, parts)
    return module_broker, rest, cluster


def records_path(cluster, topic, prefix="/v3"):
    return f"{prefix}/clusters/{cluster}/topics/{topic}/records"


def kcat_read(broker, topic, partition, offset, count):
    """Reads `count` records with kcat; returns [(offset, key bytes|None, value bytes|None)]."""
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed (scripts/install-deps.sh installs it)"
    # Lengths first, then raw bytes: binary-safe parsing of kcat's output.
    r = subprocess.run([exe, "-b", broker.bootstrap, "-C", "-t", topic, "-p", str(partition),
                        "-o", str(offset), "-c", str(count), "-e", "-q",
                        "-f", "%o %K %S|%k%s"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    out, data = [], r.stdout
    while data:
        head, data = data.split(b"|", 1)
        off, klen, vlen = (int(x) for x in head.split())
        key = None if klen < 0 else data[:klen]
        data = data[max(klen, 0):]
        value = None if vlen < 0 else data[:vlen]
        data = data[max(vlen, 0):]
        out.append((off, key, value))
    assert len(out) == count, out
    return out


def consume_one(broker, topic, partition, offset):
    """The record at topic/partition/offset through confluent-kafka (for headers, timestamps)."""
    c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "rr-reader",
                     "enable.auto.commit": False})
    try:
        c.assign([ck.TopicPartition(topic, partition, offset)])
        for _ in range(100):
            m = c.poll(0.2)
            if m is not None and not m.error():
                return m
        raise AssertionError(f"no record at {topic}/{partition}/{offset}")
    finally:
        c.close()


def test_produce_types_read_back_byte_for_byte(env):
    broker, rest, cluster = env
    binary = bytes(range(256)) + b"\x00\xff"
    cases = [
        ({"type": "STRING", "data": "k-str"}, {"type": "STRING", "data": "héllo wörld"},
         b"k-str", "héllo wörld".encode()),
        ({"type": "BINARY", "data": b64(b"\x00\x01key")}, {"type": "BINARY", "data": b64(binary)},
         b"\x00\x01key", binary),
        (None, {"type": "JSON", "data": {"a": [1, 2, {"b": None}], "s": "x"}}, None, None),
        ({"type": "JSON", "data": 42}, {"data": "untyped means JSON"}, b"42",
         b'"untyped means JSON"'),
    ]
    for key, value, want_key, want_value in cases:
        body = {"partition_id": 1, "value": value}
        if key is not None:
            body["key"] = key
        r = rest.post(records_path(cluster, "rr"), body)
        assert r.status == 200, r
        report = r.json
        assert report["error_code"] == 200
        assert report["cluster_id"] == cluster and report["topic_name"] == "rr"
        assert report["partition_id"] == 1
        assert report["value"]["type"] == value.get("type", "JSON")
        [(off, got_key, got_value)] = kcat_read(broker, "rr", 1, report["offset"], 1)
        assert off == report["offset"]
        if want_value is None:  # JSON: compare as JSON (the broker writes compact JSON)
            assert json.loads(got_value) == value["data"]
            assert report["value"]["size"] == len(got_value)
        else:
            assert got_value == want_value
            assert report["value"]["size"] == len(want_value)
        assert got_key == want_key
        if key is None:
            assert report["key"] is None


def test_headers_timestamp_and_null_value(env):
    broker, rest, cluster = env
    body = {"partition_id": 0, "key": {"type": "STRING", "data": "hk"},
            "value": {"type": "JSON", "data": None},
            "headers": [{"name": "trace", "value": b64(b"\x01\x02abc")},
                        {"name": "empty", "value": None}],
            "timestamp": "2021-02-05T19:14:42.123Z"}
    r = rest.post(records_path(cluster, "rr", "/kafka/v3"), body)
    assert r.status == 200, r
    assert r.json["timestamp"] == "2021-02-05T19:14:42.123Z"
    m = consume_one(broker, "rr", 0, r.json["offset"])
    assert m.key() == b"hk"
    assert m.value() is None  # JSON null is a tombstone
    assert m.headers() == [("trace", b"\x01\x02abc"), ("empty", None)]
    assert m.timestamp() == (ck.TIMESTAMP_CREATE_TIME, 1612552482123)
    [(_, key, value)] = kcat_read(broker, "rr", 0, r.json["offset"], 1)
    assert key == b"hk" and value is None


def test_key_hash_matches_librdkafka_murmur2(env):
    broker, rest, cluster = env
    p = ck.Producer({"bootstrap.servers": broker.bootstrap, "partitioner": "murmur2_random"})
    expected = {}
    keys = [f"user-{i}" for i in range(40)] + ["", "ü", "a" * 33]

    def delivered(err, msg):
        assert err is None, err
        expected[msg.key().decode()] = msg.partition()

    for k in keys:
        p.produce("rr-hash", key=k.encode(), value=b"java-compatible", on_delivery=delivered)
    assert p.flush(30) == 0
    for k in keys:
        r = rest.post(records_path(cluster, "rr-hash"),
                      {"key": {"type": "STRING", "data": k}, "value": {"type": "STRING", "data": k}})
        assert r.status == 200, r
        assert r.json["partition_id"] == expected[k], k
    # Keyless records spread over the partitions.
    seen = {rest.post(records_path(cluster, "rr-hash"),
                      {"value": {"type": "STRING", "data": "x"}}).json["partition_id"]
            for _ in range(12)}
    assert len(seen) == 6, seen


def chunked_post(broker, path, chunks, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", broker.admin_port, timeout=60)
    try:
        hdrs = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        hdrs.update(headers or {})
        conn.request("POST", path, body=iter(chunks), headers=hdrs, encode_chunked=True)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def reports_of(text):
    """Concatenated JSON objects -> list."""
    dec, out, i = json.JSONDecoder(), [], 0
    text = text.decode()
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    return out


def test_streaming_mode_one_report_per_record(env):
    broker, rest, cluster = env
    n = 200
    records = [json.dumps({"partition_id": i % 2, "key": {"type": "STRING", "data": f"k{i}"},
                           "value": {"type": "BINARY", "data": b64(f"v{i}".encode() + b"\x00")}})
               for i in range(n)]
    # A bad record in the middle gets its own error report; the stream goes on.
    records.insert(50, json.dumps({"value": {"type": "BINARY", "data": "%%% not base64"}}))
    stream = "\n".join(records).encode()
    # Chunk boundaries that split records (and multi-byte runs) anywhere.
    chunks = [stream[i:i + 97] for i in range(0, len(stream), 97)]
    status, headers, body = chunked_post(broker, records_path(cluster, "rr-stream"), chunks)
    assert status == 200
    assert headers.get("Content-Type", "").startswith("application/json")
    reports = reports_of(body)
    assert len(reports) == n + 1
    bad = reports.pop(50)
    assert bad["error_code"] == 42206 and "base64" in bad["message"]
    assert all(r["error_code"] == 200 for r in reports), reports
    for part in (0, 1):
        mine = [r for r in reports if r["partition_id"] == part]
        offsets = [r["offset"] for r in mine]
        assert offsets == list(range(offsets[0], offsets[0] + len(offsets))), "in order"
        got = kcat_read(broker, "rr-stream", part, offsets[0], len(offsets))
        want = [(i, f"k{i}".encode(), f"v{i}".encode() + b"\x00") for i in range(n) if i % 2 == part]
        assert [(k, v) for _, k, v in got] == [(k, v) for _, k, v in want]


def test_streaming_bounds_each_record(env):
    broker, rest, cluster = env
    big = json.dumps({"value": {"type": "STRING", "data": "x" * (MAX_BODY + 10)}}).encode()
    ok = json.dumps({"value": {"type": "STRING", "data": "small"}}).encode()
    status, _, body = chunked_post(broker, records_path(cluster, "rr-stream"),
                                   [ok, big[:30000], big[30000:]])
    assert status == 200
    reports = reports_of(body)
    assert reports[0]["error_code"] == 200
    assert reports[-1]["error_code"] == 413, reports


def test_several_records_in_one_fixed_length_body(env):
    broker, rest, cluster = env
    body = b"".join(json.dumps({"partition_id": 0, "value": {"type": "STRING", "data": f"m{i}"}})
                    .encode() for i in range(3))
    r = rest.post(records_path(cluster, "rr"), raw=body,
                  headers={"Content-Type": "application/json"}, validate=False)
    assert r.status == 200
    reports = reports_of(r.text.encode())
    assert [x["error_code"] for x in reports] == [200, 200, 200]
    got = kcat_read(broker, "rr", 0, reports[0]["offset"], 3)
    assert [v for _, _, v in got] == [b"m0", b"m1", b"m2"]


def test_records_batch(env):
    broker, rest, cluster = env
    entries = [{"id": f"e{i}", "partition_id": 0, "value": {"type": "STRING", "data": f"b{i}"}}
               for i in range(5)]
    entries.append({"id": "bad", "partition_id": 7, "value": {"type": "STRING", "data": "x"}})
    r = rest.post(f"/v3/clusters/{cluster}/topics/rr-batch/records:batch", {"entries": entries})
    assert r.status == 207, r
    assert [s["id"] for s in r.json["successes"]] == [f"e{i}" for i in range(5)]
    assert r.json["failures"] == [{"id": "bad", "error_code": 40402,
                                   "message": "Partition not found."}]
    first = r.json["successes"][0]["offset"]
    got = kcat_read(broker, "rr-batch", 0, first, 5)
    assert [v for _, _, v in got] == [f"b{i}".encode() for i in range(5)]
    dup = rest.post(f"/v3/clusters/{cluster}/topics/rr-batch/records:batch",
                    {"entries": [{"id": "x"}, {"id": "x"}]})
    assert dup.status == 400 and "distinct" in dup.json["message"]


def test_produce_errors(env):
    broker, rest, cluster = env
    path = records_path(cluster, "rr")
    value = {"value": {"type": "STRING", "data": "v"}}
    r = rest.post(records_path(cluster, "no-such-topic"), value)
    assert (r.status, r.json["error_code"]) == (404, 40403)
    r = rest.post(records_path("not-our-cluster", "rr"), value)
    assert (r.status, r.json["error_code"]) == (404, 404)
    r = rest.post(path, {"partition_id": 3, **value})
    assert (r.status, r.json["error_code"]) == (404, 40402)
    r = rest.post(path, {"value": {"type": "AVRO", "data": {"f": 1}}})
    assert (r.status, r.json["error_code"]) == (422, 42206)
    assert "Schema Registry" in r.json["message"]
    r = rest.post(path, {"value": {"type": "BINARY", "data": "not base64!"}})
    assert (r.status, r.json["error_code"]) == (422, 42206)
    r = rest.post(path, {"headers": [{"name": "h", "value": "***"}], **value})
    assert r.status == 400
    r = rest.post(path, {"timestamp": "yesterday", **value})
    assert r.status == 400 and "RFC 3339" in r.json["message"]
    r = rest.post(path, raw=b"", headers={"Content-Type": "application/json"})
    assert (r.status, r.json["error_code"]) == (422, 422)
    r = rest.post(path, raw=b"{\"value\": ", headers={"Content-Type": "application/json"})
    assert r.status == 400
    r = rest.post(path, raw=b"value=1", headers={"Content-Type": "text/plain"})
    assert r.status == 415
    r = rest.post(path, {"value": {"type": "STRING", "data": "y" * (MAX_BODY + 1)}})
    assert r.status == 413
    # A record the topic refuses (over max.message.bytes) is the client's fault: 400/40002.
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("rr-small", 1, 1, config={"max.message.bytes": "1000"})])[
        "rr-small"].result(timeout=15)
    wait_for_topic(broker, "rr-small", 1)
    r = rest.post(records_path(cluster, "rr-small"), {"value": {"type": "STRING", "data": "z" * 2000}})
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    # The broker is still fine.
    assert rest.post(path, value).status == 200
