"""REST v3 topics, topic configs, partitions and replicas against a real broker over real HTTP.

Every call goes through RestClient, which checks each response (status, Content-Type, body) against
the broker's own /openapi.json. Results are compared with what confluent-kafka's AdminClient and
consumer report over the Kafka protocol, so the two faces cannot disagree. The Terraform provider's
call sequence (notes/rest.md §2.1) runs under /kafka/v3, the prefix it hard-codes.
"""

import concurrent.futures
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from rest_client import RestClient

# A small body limit so the 413 path is cheap to reach.
BROKER_OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false",
                    "admin.http.max.body.bytes": 4096}


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def cluster_id(rest):
    r = rest.get("/v3/clusters")
    assert r.status == 200, r
    return r.json["data"][0]["cluster_id"]


def kafka_topics(broker):
    return admin(broker).list_topics(timeout=10).topics


def describe_topic_configs(broker, topic):
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    a = admin(broker)  # kept alive until the result is in: a destroyed client fails its futures
    return a.describe_configs([res])[res].result(timeout=15)


def create(rest, prefix, cid, name, **fields):
    body = {"topic_name": name}
    body.update(fields)
    return rest.post(f"{prefix}/clusters/{cid}/topics", body)


def test_terraform_topic_sequence(module_broker):
    """Create with configs, read back at once, update configs and partitions, delete, poll 404."""
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    base = f"/kafka/v3/clusters/{cid}/topics"
    r = create(rest, "/kafka/v3", cid, "tf-orders", partitions_count=6,
               configs=[{"name": "cleanup.policy", "value": "compact"},
                        {"name": "retention.ms", "value": "600000"}])
    assert r.status == 201, r
    assert r.headers["location"].endswith(f"{base}/tf-orders")
    assert r.json["partitions_count"] == 6 and r.json["replication_factor"] == 1
    assert "/kafka/v3/" in r.json["metadata"]["self"]
    assert r.json["metadata"]["resource_name"] == f"crn:///kafka={cid}/topic=tf-orders"

    # Read straight away, as the provider does: the topic must already be visible.
    r = rest.get(f"{base}/tf-orders")
    assert r.status == 200, r
    assert (r.json["topic_name"], r.json["partitions_count"]) == ("tf-orders", 6)
    assert len(kafka_topics(module_broker)["tf-orders"].partitions) == 6

    def overrides():
        r = rest.get(f"{base}/tf-orders/configs")
        assert r.status == 200, r
        return {c["name"]: c["value"] for c in r.json["data"]
                if c["source"] == "DYNAMIC_TOPIC_CONFIG" and c["value"] is not None}

    assert overrides() == {"cleanup.policy": "compact", "retention.ms": "600000"}

    r = rest.post(f"{base}/tf-orders/configs:alter",
                  {"data": [{"name": "retention.ms", "value": "900000"},
                            {"name": "cleanup.policy", "operation": "DELETE"}]})
    assert r.status == 204, r
    assert overrides() == {"retention.ms": "900000"}
    kafka = describe_topic_configs(module_broker, "tf-orders")
    assert kafka["retention.ms"].value == "900000"
    assert kafka["cleanup.policy"].value == "delete"

    r = rest.patch(f"{base}/tf-orders", {"partitions_count": 8})
    assert r.status == 200, r
    assert r.json["partitions_count"] == 8
    assert len(kafka_topics(module_broker)["tf-orders"].partitions) == 8
    # Not an increase: the provider expects a 400.
    r = rest.patch(f"{base}/tf-orders", {"partitions_count": 8})
    assert (r.status, r.json["error_code"]) == (400, 40002), r

    r = rest.delete(f"{base}/tf-orders")
    assert r.status == 204, r
    assert r.text == ""
    deadline = time.monotonic() + 10
    while True:
        r = rest.get(f"{base}/tf-orders")
        if r.status == 404 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (r.status, r.json["error_code"]) == (404, 40403), r
    assert "tf-orders" not in kafka_topics(module_broker)


def test_create_defaults_validate_only_and_errors(module_broker):
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    r = create(rest, "/v3", cid, "rt-defaults")
    assert r.status == 201, r
    assert (r.json["partitions_count"], r.json["replication_factor"]) == (1, 1)

    r = create(rest, "/v3", cid, "rt-dry", partitions_count=3, validate_only=True)
    assert r.status == 200, r
    assert r.json["partitions_count"] == 3
    assert rest.get(f"/v3/clusters/{cid}/topics/rt-dry").status == 404
    assert "rt-dry" not in kafka_topics(module_broker)

    r = create(rest, "/v3", cid, "rt-defaults")
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    assert "rt-defaults" in r.json["message"]

    r = create(rest, "/v3", cid, "rt-badcfg", configs=[{"name": "retention.ms", "value": "soon"}])
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    assert "retention.ms" in r.json["message"]
    r = create(rest, "/v3", cid, "rt-badcfg", configs=[{"name": "no.such.config", "value": "1"}])
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    assert "rt-badcfg" not in kafka_topics(module_broker)

    r = create(rest, "/v3", cid, "bad name!")
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = create(rest, "/v3", cid, "rt-rf", replication_factor=3)
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = create(rest, "/v3", cid, "rt-parts", partitions_count="many")
    assert (r.status, r.json["error_code"]) == (400, 400), r
    r = rest.post(f"/v3/clusters/{cid}/topics", {"partitions_count": 1})
    assert (r.status, r.json["error_code"]) == (400, 400), r

    r = rest.post(f"/v3/clusters/{cid}/topics", raw=b'{"topic_name": "x",',
                  headers={"Content-Type": "application/json"})
    assert (r.status, r.json["error_code"]) == (400, 400), r
    r = rest.post(f"/v3/clusters/{cid}/topics", raw=b"topic_name=x",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status, r.json["error_code"]) == (415, 415), r
    assert r.headers["content-type"].startswith("application/json")

    r = rest.get(f"/v3/clusters/{cid}/topics/rt-missing")
    assert (r.status, r.json["error_code"]) == (404, 40403), r
    r = rest.delete(f"/v3/clusters/{cid}/topics/rt-missing")
    assert (r.status, r.json["error_code"]) == (404, 40403), r
    r = rest.patch(f"/v3/clusters/{cid}/topics/rt-missing", {"partitions_count": 4})
    assert (r.status, r.json["error_code"]) == (404, 40403), r
    r = rest.get("/v3/clusters/not-our-cluster/topics")
    assert (r.status, r.json["error_code"]) == (404, 404), r
    assert "not-our-cluster" in r.json["message"]


def test_topic_list_matches_kafka_metadata(module_broker):
    a = admin(module_broker)
    names = [f"rt-list-{i}" for i in range(3)]
    for f in a.create_topics([NewTopic(n, i + 1, 1) for i, n in enumerate(names)]).values():
        f.result(timeout=15)
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    for prefix in ("/v3", "/kafka/v3"):
        r = rest.get(f"{prefix}/clusters/{cid}/topics")
        assert r.status == 200, r
        assert r.json["metadata"]["self"].endswith(f"{prefix}/clusters/{cid}/topics")
        rest_topics = {t["topic_name"]: t for t in r.json["data"]}
        kafka = kafka_topics(module_broker)
        assert set(rest_topics) == set(kafka)
        for name, t in kafka.items():
            assert rest_topics[name]["partitions_count"] == len(t.partitions), name
            assert rest_topics[name]["configs"]["related"].startswith(
                f"http://127.0.0.1:{module_broker.admin_port}{prefix}/clusters/{cid}/topics/")
        assert [rest_topics[n]["partitions_count"] for n in names] == [1, 2, 3]


def test_topic_configs_match_describe_configs(module_broker):
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    assert create(rest, "/v3", cid, "rt-cfg",
                  configs=[{"name": "segment.ms", "value": "3600000"}]).status == 201
    base = f"/v3/clusters/{cid}/topics/rt-cfg/configs"

    r = rest.get(base)
    assert r.status == 200, r
    rest_cfg = {c["name"]: c for c in r.json["data"]}
    kafka = describe_topic_configs(module_broker, "rt-cfg")
    assert set(rest_cfg) == set(kafka)
    sources = {1: "DYNAMIC_TOPIC_CONFIG", 4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG",
               3: "DYNAMIC_DEFAULT_BROKER_CONFIG", 2: "DYNAMIC_BROKER_CONFIG"}
    for name, entry in kafka.items():
        assert rest_cfg[name]["value"] == entry.value, name
        assert rest_cfg[name]["source"] == sources[entry.source], name
        assert rest_cfg[name]["is_read_only"] == entry.is_read_only, name
        assert rest_cfg[name]["is_default"] == (entry.source == 5), name
    seg = rest_cfg["segment.ms"]
    assert seg["source"] == "DYNAMIC_TOPIC_CONFIG" and seg["value"] == "3600000"
    assert [s["source"] for s in seg["synonyms"]][0] == "DYNAMIC_TOPIC_CONFIG"
    assert any(s["name"] == "log.roll.hours" for s in seg["synonyms"]), seg["synonyms"]

    # Set one, read one, reset one.
    assert rest.put(f"{base}/retention.bytes", {"value": "1048576"}).status == 204
    r = rest.get(f"{base}/retention.bytes")
    assert r.status == 200, r
    assert (r.json["value"], r.json["source"], r.json["is_default"]) == \
        ("1048576", "DYNAMIC_TOPIC_CONFIG", False)
    assert r.json["metadata"]["resource_name"] == \
        f"crn:///kafka={cid}/topic=rt-cfg/config=retention.bytes"
    assert describe_topic_configs(module_broker, "rt-cfg")["retention.bytes"].value == "1048576"
    assert rest.delete(f"{base}/retention.bytes").status == 204
    r = rest.get(f"{base}/retention.bytes")
    assert (r.json["value"], r.json["source"], r.json["is_default"]) == \
        ("-1", "DEFAULT_CONFIG", True), r

    r = rest.put(f"{base}/retention.bytes", {"value": "lots"})
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = rest.put(f"{base}/no.such.config", {"value": "1"})
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = rest.put(f"{base}/retention.bytes", {"val": "1"})
    assert (r.status, r.json["error_code"]) == (400, 400), r
    r = rest.get(f"{base}/no.such.config")
    assert (r.status, r.json["error_code"]) == (404, 404), r
    r = rest.post(f"{base}:alter", {"data": [{"name": "retention.ms", "operation": "APPEND"}]})
    assert (r.status, r.json["error_code"]) == (400, 400), r
    r = rest.post(f"{base}:alter", {"data": [{"name": "retention.ms", "value": "5"}],
                                    "validate_only": True})
    assert r.status == 204, r
    assert rest.get(f"{base}/retention.ms").json["source"] == "DEFAULT_CONFIG"
    r = rest.get(f"/v3/clusters/{cid}/topics/rt-nope/configs")
    assert (r.status, r.json["error_code"]) == (404, 40403), r
    r = rest.put(f"/v3/clusters/{cid}/topics/rt-nope/configs/retention.ms", {"value": "1"})
    assert (r.status, r.json["error_code"]) == (404, 40403), r

    r = rest.get(f"/v3/clusters/{cid}/topics/-/configs")
    assert r.status == 200, r
    mine = [c for c in r.json["data"] if c["topic_name"] == "rt-cfg"]
    assert {c["name"] for c in mine} == set(kafka)


def produce(broker, topic, partition, n):
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    errors = []
    for i in range(n):
        p.produce(topic, value=f"v{i}".encode(), partition=partition,
                  on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(30) == 0
    assert not errors, errors


def test_partitions_offsets_and_replicas(module_broker):
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    assert create(rest, "/v3", cid, "rt-parts3", partitions_count=3).status == 201
    produce(module_broker, "rt-parts3", 1, 25)
    base = f"/v3/clusters/{cid}/topics/rt-parts3/partitions"

    r = rest.get(base)
    assert r.status == 200, r
    assert [p["partition_id"] for p in r.json["data"]] == [0, 1, 2]
    kafka = kafka_topics(module_broker)["rt-parts3"].partitions
    for p in r.json["data"]:
        leader = kafka[p["partition_id"]].leader
        assert p["leader"]["related"].endswith(f"{base}/{p['partition_id']}/replicas/{leader}")

    r = rest.get(f"{base}/1")
    assert (r.status, r.json["partition_id"]) == (200, 1), r

    c = Consumer({"bootstrap.servers": module_broker.bootstrap, "group.id": "rt-wm"})
    try:
        for pid in range(3):
            low, high = c.get_watermark_offsets(TopicPartition("rt-parts3", pid), timeout=10)
            for prefix in ("/v3", "/kafka/v3"):
                r = rest.get(f"{prefix}/clusters/{cid}/topics/rt-parts3/partitions/{pid}/offset"
                             "?offset_type=earliest_and_latest")
                assert r.status == 200, r
                assert (r.json["earliest_offset"], r.json["latest_offset"]) == (low, high)
                assert r.json["kind"] == "KafkaPartitionWithOffsets"
    finally:
        c.close()
    assert rest.get(f"{base}/1/offset").json["latest_offset"] == 25
    r = rest.get(f"{base}/1/offset?offset_type=latest")
    assert (r.status, r.json["error_code"]) == (400, 400), r

    r = rest.get(f"{base}/2/replicas")
    assert r.status == 200, r
    [replica] = r.json["data"]
    node = kafka[2].replicas[0]
    assert (replica["broker_id"], replica["is_leader"], replica["is_in_sync"]) == (node, True, True)
    assert replica["broker"]["related"].endswith(f"/v3/clusters/{cid}/brokers/{node}")
    r = rest.get(f"{base}/2/replicas/{node}")
    assert (r.status, r.json["broker_id"]) == (200, node), r
    r = rest.get(f"{base}/2/replicas/{node + 7}")
    assert (r.status, r.json["error_code"]) == (404, 404), r

    r = rest.get(f"/v3/clusters/{cid}/brokers/{node}/partition-replicas")
    assert r.status == 200, r
    mine = sorted(x["partition_id"] for x in r.json["data"] if x["topic_name"] == "rt-parts3")
    assert mine == [0, 1, 2]

    for bad in ("3", "-1", "x", "99999999999"):
        r = rest.get(f"{base}/{bad}")
        assert (r.status, r.json["error_code"]) == (404, 40402), (bad, r)
    r = rest.get(f"/v3/clusters/{cid}/topics/rt-none/partitions")
    assert (r.status, r.json["error_code"]) == (404, 40403), r

    # Partitions never move yet: no reassignments anywhere.
    for path in (f"/v3/clusters/{cid}/topics/-/partitions/-/reassignment",
                 f"{base}/-/reassignment"):
        r = rest.get(path)
        assert (r.status, r.json["kind"], r.json["data"]) == (200, "KafkaReassignmentList", []), r
    r = rest.get(f"{base}/0/reassignment")
    assert (r.status, r.json["error_code"]) == (404, 404), r


def test_http_errors(module_broker):
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    r = rest.get(f"/v3/clusters/{cid}/nothing-here")
    assert (r.status, r.json["error_code"]) == (404, 404), r
    r = rest.get("/kafka/v4/clusters")
    assert r.status == 404, r
    r = rest.request("PUT", f"/v3/clusters/{cid}/topics", body={})
    assert (r.status, r.json["error_code"]) == (405, 405), r
    r = rest.request("POST", f"/kafka/v3/clusters/{cid}", body={})
    assert r.status == 405, r
    r = rest.request("GET", f"/v3/clusters/{cid}/topics/x/configs:alter")
    assert r.status == 405, r
    big = {"topic_name": "rt-big", "configs": [{"name": "x" * 100, "value": "y"}] * 60}
    r = rest.post(f"/v3/clusters/{cid}/topics", big)
    assert (r.status, r.json["error_code"]) == (413, 413), r
    assert "rt-big" not in kafka_topics(module_broker)


def test_concurrent_requests_while_producing(module_broker):
    """50 concurrent REST calls (reads and writes) while a producer runs: every one succeeds and
    the producer loses nothing."""
    rest = RestClient(module_broker)
    cid = cluster_id(rest)
    assert create(rest, "/v3", cid, "rt-load", partitions_count=2).status == 201
    stop = threading.Event()
    delivered, errors = [0], []

    def producer():
        p = Producer({"bootstrap.servers": module_broker.bootstrap, "linger.ms": 2})

        def on_delivery(err, msg):
            if err:
                errors.append(err)
            else:
                delivered[0] += 1
        while not stop.is_set():
            p.produce("rt-load", value=b"x" * 100, on_delivery=on_delivery)
            p.poll(0)
            time.sleep(0.001)
        if p.flush(30) != 0:
            errors.append("flush left messages undelivered")

    t = threading.Thread(target=producer)
    t.start()
    try:
        def call(i):
            kind = i % 5
            if kind == 0:
                return rest.get(f"/v3/clusters/{cid}/topics/rt-load/partitions/{i % 2}/offset")
            if kind == 1:
                return rest.get(f"/kafka/v3/clusters/{cid}/topics")
            if kind == 2:
                return rest.get(f"/v3/clusters/{cid}/topics/rt-load/configs")
            if kind == 3:
                return create(rest, "/v3", cid, f"rt-load-{i}")
            return rest.put(f"/v3/clusters/{cid}/topics/rt-load/configs/retention.ms",
                            {"value": str(3600000 + i)})

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(call, range(50)))
    finally:
        stop.set()
        t.join(60)
    for i, r in enumerate(results):
        assert r.status in (200, 201, 204), (i, r)
    assert not errors, errors[:3]
    assert delivered[0] > 0
    names = kafka_topics(module_broker)
    assert all(f"rt-load-{i}" in names for i in range(3, 50, 5))
    latest = sum(rest.get(f"/v3/clusters/{cid}/topics/rt-load/partitions/{p}/offset")
                 .json["latest_offset"] for p in (0, 1))
    assert latest == delivered[0]
