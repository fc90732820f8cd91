"""Samsa's /v1 extensions against a real broker: cluster health overview, consumer-group offset
reset (earliest, latest, offset, timestamp, shift_by, dry run, refusal while the group has
members), log dirs, delete records (then ListOffsets earliest moved, as a Kafka client sees it), record
browsing (offset, timestamp, key filter, binary data, compressed batches) and runtime log levels.
Every response is checked against /openapi.json by RestClient."""

import base64
import threading
import time

import confluent_kafka as ck
import pytest
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient
from rest_client import RestClient
from samsa_fixture import wait_for_topic

BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 200, "offsets.topic.num.partitions": 3,
                    "auto.create.topics.enable": "false"}
T0 = 1_700_000_000_000  # record timestamps: T0 + i * 1000


@pytest.fixture(scope="module")
def env(module_broker):
    b = module_broker
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    for name, parts in (("v1-reset", 2), ("v1-del", 1), ("v1-browse", 1)):
        admin.create_topics([NewTopic(name, parts, 1)])[name].result(timeout=15)
        wait_for_topic(b, name, parts)
    p = ck.Producer({"bootstrap.servers": b.bootstrap})
    for part in (0, 1):
        for i in range(10):
            p.produce("v1-reset", partition=part, value=f"r{i}".encode(), timestamp=T0 + i * 1000)
    for i in range(10):
        p.produce("v1-del", value=f"d{i}".encode())
    assert p.flush(30) == 0
    return b, RestClient(b), admin


def committed(bootstrap, group):
    """OffsetFetch through kafka-python's admin client (confluent-kafka 1.7 has none)."""
    a = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {(tp.topic, tp.partition): om.offset
                for tp, om in a.list_consumer_group_offsets(group).items()}
    finally:
        a.close()


def make_group(bootstrap, group, offsets):
    """Commits `offsets` {partition: offset} on v1-reset as an empty group."""
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    c.commit(offsets=[TopicPartition("v1-reset", p, o) for p, o in offsets.items()],
             asynchronous=False)
    c.close()


def reset(rest, group, body):
    return rest.post(f"/v1/consumer-groups/{group}/offsets:reset", body)


def test_health_overview(env):
    b, rest, admin = env
    r = rest.get("/v1/cluster/health_overview")
    assert r.status == 200
    h = r.json
    assert h["is_healthy"] is True and h["unhealthy_reasons"] == []
    assert h["controller_id"] == 1
    assert h["all_nodes"] == [1] and h["nodes_down"] == []
    assert h["leaderless_count"] == 0 and h["under_replicated_count"] == 0


def test_log_dirs(env):
    b, rest, admin = env
    r = rest.get("/v1/log-dirs")
    assert r.status == 200
    doc = r.json
    assert doc["broker_id"] == 1 and len(doc["log_dirs"]) == 1
    d = doc["log_dirs"][0]
    assert d["log_dir"] == b.data_dir and d["error"] is None
    assert 0 < d["usable_bytes"] <= d["total_bytes"]
    sizes = {(p["topic"], p["partition"]): p["size_bytes"] for p in d["partitions"]}
    assert sizes[("v1-del", 0)] > 0 and ("v1-reset", 1) in sizes


def test_offset_reset_variants(env):
    b, rest, admin = env
    g = "v1-reset-g"
    make_group(b.bootstrap, g, {0: 10, 1: 8})

    r = reset(rest, g, {"to": "earliest", "dry_run": True})
    assert r.status == 200, r
    assert r.json["dry_run"] is True
    plan = {(x["topic"], x["partition"]): x for x in r.json["partitions"]}
    assert plan[("v1-reset", 0)]["previous_offset"] == 10
    assert plan[("v1-reset", 0)]["new_offset"] == 0
    assert committed(b.bootstrap, g) == {("v1-reset", 0): 10, ("v1-reset", 1): 8}, "dry run commits nothing"

    assert reset(rest, g, {"to": "earliest"}).status == 200
    assert committed(b.bootstrap, g) == {("v1-reset", 0): 0, ("v1-reset", 1): 0}

    r = reset(rest, g, {"to": "offset", "offset": 5, "topics": [{"topic": "v1-reset", "partitions": [0]}]})
    assert r.status == 200 and [x["new_offset"] for x in r.json["partitions"]] == [5]
    assert committed(b.bootstrap, g) == {("v1-reset", 0): 5, ("v1-reset", 1): 0}

    # Beyond the end is clamped to the high watermark, as kafka-consumer-groups does.
    r = reset(rest, g, {"to": "offset", "offset": 999, "topics": [{"topic": "v1-reset", "partitions": [1]}]})
    assert r.json["partitions"][0]["new_offset"] == 10

    r = reset(rest, g, {"to": "shift_by", "shift_by": -2})
    assert {x["partition"]: x["new_offset"] for x in r.json["partitions"]} == {0: 3, 1: 8}
    assert committed(b.bootstrap, g) == {("v1-reset", 0): 3, ("v1-reset", 1): 8}
    r = reset(rest, g, {"to": "shift_by", "shift_by": -100})
    assert {x["partition"]: x["new_offset"] for x in r.json["partitions"]} == {0: 0, 1: 0}

    r = reset(rest, g, {"to": "latest"})
    assert committed(b.bootstrap, g) == {("v1-reset", 0): 10, ("v1-reset", 1): 10}

    # By timestamp: the first record at or after it; RFC 3339 or epoch ms.
    r = reset(rest, g, {"to": "timestamp", "timestamp": T0 + 3500})
    assert {x["new_offset"] for x in r.json["partitions"]} == {4}
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((T0 + 6000) // 1000)) + "Z"
    r = reset(rest, g, {"to": "timestamp", "timestamp": iso, "topics": [{"topic": "v1-reset"}]})
    assert {x["new_offset"] for x in r.json["partitions"]} == {6}
    r = reset(rest, g, {"to": "timestamp", "timestamp": T0 + 10_000_000})
    assert {x["new_offset"] for x in r.json["partitions"]} == {10}, "after the last: the end"
    assert committed(b.bootstrap, g) == {("v1-reset", 0): 10, ("v1-reset", 1): 10}

    # A group that does not exist yet can be given offsets for named topics.
    r = reset(rest, "v1-new-group", {"to": "offset", "offset": 2, "topics": [{"topic": "v1-reset"}]})
    assert r.status == 200
    assert committed(b.bootstrap, "v1-new-group") == {("v1-reset", 0): 2, ("v1-reset", 1): 2}


def test_offset_reset_refused_while_group_has_members(env):
    b, rest, admin = env
    g = "v1-active"
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": g,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe(["v1-reset"])
    stop = threading.Event()
    assigned = threading.Event()

    def loop():
        while not stop.is_set():
            c.poll(0.2)
            if c.assignment():
                assigned.set()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        assert assigned.wait(30), "consumer never got an assignment"
        before = committed(b.bootstrap, g)
        r = reset(rest, g, {"to": "earliest", "topics": [{"topic": "v1-reset"}]})
        assert (r.status, r.json["error_code"]) == (409, 409), r
        assert "active member" in r.json["message"]
        r = reset(rest, g, {"to": "earliest", "topics": [{"topic": "v1-reset"}], "dry_run": True})
        assert r.status == 409
        assert committed(b.bootstrap, g) == before
    finally:
        stop.set()
        t.join()
        c.close()


def test_offset_reset_bad_requests(env):
    b, rest, admin = env
    assert reset(rest, "nobody-home", {"to": "earliest"}).status == 404
    r = reset(rest, "x", {"to": "yesterday"})
    assert r.status == 400 and "earliest" in r.json["message"]
    assert reset(rest, "x", {"to": "offset"}).status == 400
    assert reset(rest, "x", {"to": "timestamp", "timestamp": "soon"}).status == 400
    r = reset(rest, "x", {"to": "earliest", "topics": [{"topic": "nope"}]})
    assert (r.status, r.json["error_code"]) == (404, 40403)
    r = reset(rest, "x", {"to": "earliest", "topics": [{"topic": "v1-reset", "partitions": [9]}]})
    assert (r.status, r.json["error_code"]) == (404, 40402)
    r = rest.post("/v1/consumer-groups/x/offsets:reset", raw=b"{", headers={"Content-Type": "application/json"})
    assert r.status == 400


def list_earliest(bootstrap, topic, partition):
    """ListOffsets EARLIEST through librdkafka, as a consumer sees the log start."""
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "v1-lister"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[0]
    finally:
        c.close()


def test_delete_records(env):
    b, rest, admin = env
    assert list_earliest(b.bootstrap, "v1-del", 0) == 0
    r = rest.post("/v1/topics/v1-del/partitions/0/records:delete", {"before_offset": 4})
    assert r.status == 200, r
    assert r.json == {"topic": "v1-del", "partition": 0, "low_watermark": 4}
    assert list_earliest(b.bootstrap, "v1-del", 0) == 4
    # The records below are gone for a consumer too.
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "v1-del-reader",
                     "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("v1-del", 0, 0)])
    first = None
    for _ in range(100):
        m = c.poll(0.2)
        if m is not None and not m.error():
            first = m
            break
    c.close()
    assert first is not None and first.offset() == 4 and first.value() == b"d4"

    r = rest.post("/v1/topics/v1-del/partitions/0/records:delete", {"before_offset": 99})
    assert (r.status, r.json["error_code"]) == (400, 40002)
    r = rest.post("/v1/topics/v1-del/partitions/0/records:delete", {"before_offset": -1})
    assert r.status == 200 and r.json["low_watermark"] == 10
    assert rest.post("/v1/topics/nope/partitions/0/records:delete", {"before_offset": 1}).status == 404
    assert rest.post("/v1/topics/v1-del/partitions/5/records:delete", {"before_offset": 1}).status == 404
    assert rest.post("/v1/topics/v1-del/partitions/0/records:delete", {}).status == 400


def test_browse_records(env):
    b, rest, admin = env
    binary = b"\xff\x00\xfe"
    plain = ck.Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 0})
    for i in range(5):
        plain.produce("v1-browse", key=f"k{i % 2}".encode(), value=f"plain-{i}".encode(),
                      headers=[("h", f"hv{i}".encode())], timestamp=T0 + i * 1000)
        plain.flush(10)
    gz = ck.Producer({"bootstrap.servers": b.bootstrap, "compression.type": "gzip",
                      "linger.ms": 50})
    for i in range(5, 10):
        gz.produce("v1-browse", key=f"k{i % 2}".encode(), value=f"gz-{i}".encode(),
                   timestamp=T0 + i * 1000)
    gz.produce("v1-browse", key=binary, value=binary, timestamp=T0 + 10_000)
    assert gz.flush(30) == 0

    r = rest.get("/v1/topics/v1-browse/partitions/0/records?limit=3")
    assert r.status == 200, r
    j = r.json
    assert (j["log_start_offset"], j["high_watermark"], j["next_offset"]) == (0, 11, 3)
    first = j["records"][0]
    assert first == {"offset": 0, "timestamp": T0, "timestamp_type": "CREATE_TIME",
                     "key": {"encoding": "utf8", "data": "k0"},
                     "value": {"encoding": "utf8", "data": "plain-0"},
                     "headers": [{"name": "h", "value": {"encoding": "utf8", "data": "hv0"}}]}
    assert [x["offset"] for x in j["records"]] == [0, 1, 2]

    # Continue from next_offset, across the compressed batch.
    r = rest.get(f"/v1/topics/v1-browse/partitions/0/records?offset={j['next_offset']}&limit=100")
    values = [x["value"]["data"] for x in r.json["records"]]
    assert values[:4] == ["plain-3", "plain-4", "gz-5", "gz-6"]
    last = r.json["records"][-1]
    assert last["offset"] == 10
    assert last["key"] == last["value"] == {"encoding": "base64",
                                            "data": base64.b64encode(binary).decode()}
    assert r.json["next_offset"] == 11

    # Starting mid-way into a compressed batch returns from that offset, not the batch start.
    r = rest.get("/v1/topics/v1-browse/partitions/0/records?offset=7&limit=2")
    assert [x["offset"] for x in r.json["records"]] == [7, 8]

    r = rest.get(f"/v1/topics/v1-browse/partitions/0/records?timestamp={T0 + 6500}&limit=1")
    assert [x["offset"] for x in r.json["records"]] == [7]

    r = rest.get("/v1/topics/v1-browse/partitions/0/records?key=k1")
    assert [x["offset"] for x in r.json["records"]] == [1, 3, 5, 7, 9]
    key64 = base64.b64encode(binary).decode().replace("+", "%2B").replace("/", "%2F")
    r = rest.get(f"/v1/topics/v1-browse/partitions/0/records?key={key64}&key_encoding=base64")
    assert [x["offset"] for x in r.json["records"]] == [10]

    # At the end: nothing, and next_offset stays.
    r = rest.get("/v1/topics/v1-browse/partitions/0/records?offset=11")
    assert r.status == 200 and r.json["records"] == [] and r.json["next_offset"] == 11

    assert rest.get("/v1/topics/v1-browse/partitions/0/records?offset=12").status == 416
    assert rest.get("/v1/topics/v1-browse/partitions/0/records?limit=0").status == 400
    assert rest.get("/v1/topics/v1-browse/partitions/0/records?limit=abc").status == 400
    assert rest.get("/v1/topics/v1-browse/partitions/0/records?max_bytes=999999999").status == 400
    assert rest.get("/v1/topics/nope/partitions/0/records").status == 404
    assert rest.get("/v1/topics/v1-browse/partitions/3/records").status == 404


def test_log_levels(env):
    b, rest, admin = env
    r = rest.get("/v1/log-level")
    assert r.status == 200 and r.json["level"] == "info"
    assert "debug" in r.json["levels"]
    marker = "/v1/status/live"
    assert "event=admin_http_request" not in b.log_text()
    r = rest.put("/v1/log-level", {"level": "debug"})
    assert r.status == 200 and r.json["level"] == "debug" and r.json["previous"] == "info"
    assert rest.get("/v1/log-level").json["level"] == "debug"
    rest.get(marker)
    deadline = time.monotonic() + 5
    while "event=admin_http_request" not in b.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"path={marker}" in b.log_text(), "debug lines appear once the level is debug"
    r = rest.put("/v1/log-level", {"level": "verbose"})
    assert r.status == 400 and "Unknown log level" in r.json["message"]
    assert rest.get("/v1/log-level").json["level"] == "debug", "a bad name changes nothing"
    assert rest.put("/v1/log-level", {"lvl": "info"}).status == 400
    assert rest.put("/v1/log-level", {"level": "info"}).json["level"] == "info"
