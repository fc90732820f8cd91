"""REST v3 clusters, brokers and broker configs (per broker and cluster-wide) against a real
broker over real HTTP, every response checked against /openapi.json by RestClient, and compared
with what confluent-kafka reports over the Kafka protocol (Metadata, DescribeConfigs)."""

from confluent_kafka.admin import AdminClient, ConfigResource
from rest_client import RestClient

BROKER_OVERRIDES = {"num.partitions": 1, "log.retention.hours": 100}

SOURCES = {1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG",
           3: "DYNAMIC_DEFAULT_BROKER_CONFIG", 4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG"}


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def describe_broker(broker, node="1"):
    res = ConfigResource(ConfigResource.Type.BROKER, node)
    a = admin(broker)  # kept alive until the result is in: a destroyed client fails its futures
    return a.describe_configs([res])[res].result(timeout=15)


def test_clusters_match_metadata(module_broker):
    rest = RestClient(module_broker)
    md = admin(module_broker).list_topics(timeout=10)
    for prefix in ("/v3", "/kafka/v3"):
        r = rest.get(f"{prefix}/clusters")
        assert r.status == 200, r
        assert r.json["kind"] == "KafkaClusterList"
        [cluster] = r.json["data"]
        assert cluster["cluster_id"] == md.cluster_id
        base = f"http://127.0.0.1:{module_broker.admin_port}{prefix}/clusters/{md.cluster_id}"
        assert cluster["metadata"]["self"] == base
        assert cluster["controller"]["related"] == f"{base}/brokers/{md.controller_id}"
        for link, rel in (("topics", "/topics"), ("brokers", "/brokers"), ("acls", "/acls"),
                          ("broker_configs", "/broker-configs"),
                          ("consumer_groups", "/consumer-groups"),
                          ("partition_reassignments", "/topics/-/partitions/-/reassignment")):
            assert cluster[link]["related"] == base + rel, link
        r = rest.get(f"{prefix}/clusters/{md.cluster_id}")
        assert r.status == 200, r
        assert r.json == cluster
    r = rest.get("/v3/clusters/lkc-unknown")
    assert (r.status, r.json["error_code"]) == (404, 404), r
    assert r.json["message"] == "Cluster lkc-unknown cannot be found."


def test_brokers_match_metadata(module_broker):
    rest = RestClient(module_broker)
    md = admin(module_broker).list_topics(timeout=10)
    cid = md.cluster_id
    r = rest.get(f"/v3/clusters/{cid}/brokers")
    assert r.status == 200, r
    rest_brokers = {b["broker_id"]: b for b in r.json["data"]}
    assert set(rest_brokers) == set(md.brokers)
    for node, b in md.brokers.items():
        got = rest_brokers[node]
        assert (got["host"], got["port"], got["rack"]) == (b.host, b.port, None)
        assert got["configs"]["related"].endswith(f"/v3/clusters/{cid}/brokers/{node}/configs")
        r = rest.get(f"/kafka/v3/clusters/{cid}/brokers/{node}")
        assert r.status == 200, r
        assert r.json["partition_replicas"]["related"].endswith(
            f"/kafka/v3/clusters/{cid}/brokers/{node}/partition-replicas")
    for bad in ("42", "x", "-1"):
        r = rest.get(f"/v3/clusters/{cid}/brokers/{bad}")
        assert (r.status, r.json["error_code"]) == (404, 404), (bad, r)
        r = rest.get(f"/v3/clusters/{cid}/brokers/{bad}/configs")
        assert (r.status, r.json["error_code"]) == (404, 404), (bad, r)


def test_per_broker_configs(module_broker):
    rest = RestClient(module_broker)
    cid = admin(module_broker).list_topics(timeout=10).cluster_id
    base = f"/v3/clusters/{cid}/brokers/1/configs"
    r = rest.get(base)
    assert r.status == 200, r
    rest_cfg = {c["name"]: c for c in r.json["data"]}
    kafka = describe_broker(module_broker)
    assert set(rest_cfg) == set(kafka)
    for name, entry in kafka.items():
        got = rest_cfg[name]
        assert got["value"] == entry.value, name
        assert got["source"] == SOURCES[entry.source], name
        assert (got["is_read_only"], got["is_sensitive"]) == \
            (entry.is_read_only, entry.is_sensitive), name
        assert got["broker_id"] == 1
    hours = rest_cfg["log.retention.hours"]
    assert (hours["value"], hours["source"], hours["is_default"]) == \
        ("100", "STATIC_BROKER_CONFIG", False)
    r = rest.get(f"/v3/clusters/{cid}/brokers/-/configs")
    assert r.status == 200, r
    assert {c["name"] for c in r.json["data"]} == set(rest_cfg)

    # Set, read, batch, reset.
    assert rest.put(f"{base}/log.segment.delete.delay.ms", {"value": "30000"}).status == 204
    r = rest.get(f"{base}/log.segment.delete.delay.ms")
    assert r.status == 200, r
    assert (r.json["value"], r.json["source"]) == ("30000", "DYNAMIC_BROKER_CONFIG")
    assert r.json["metadata"]["resource_name"] == \
        f"crn:///kafka={cid}/broker=1/config=log.segment.delete.delay.ms"
    assert [s["source"] for s in r.json["synonyms"]][:1] == ["DYNAMIC_BROKER_CONFIG"]
    assert describe_broker(module_broker)["log.segment.delete.delay.ms"].value == "30000"

    r = rest.post(f"{base}:alter", {"data": [
        {"name": "log.segment.delete.delay.ms", "operation": "DELETE"},
        {"name": "log.cleaner.min.compaction.lag.ms", "value": "1000"}]})
    assert r.status == 204, r
    kafka = describe_broker(module_broker)
    assert kafka["log.segment.delete.delay.ms"].value == "60000"
    assert kafka["log.cleaner.min.compaction.lag.ms"].value == "1000"
    assert rest.delete(f"{base}/log.cleaner.min.compaction.lag.ms").status == 204
    assert rest.get(f"{base}/log.cleaner.min.compaction.lag.ms").json["source"] == \
        "DEFAULT_CONFIG"

    # Read-only keys, bad values and unknown names are refused with Kafka's reasons.
    r = rest.put(f"{base}/log.dirs", {"value": "/tmp/elsewhere"})
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = rest.put(f"{base}/log.segment.delete.delay.ms", {"value": "-5"})
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = rest.get(f"{base}/no.such.key")
    assert (r.status, r.json["error_code"]) == (404, 404), r
    r = rest.post(f"{base}:alter", {"data": "nope"})
    assert (r.status, r.json["error_code"]) == (400, 400), r


def test_cluster_wide_broker_configs(module_broker):
    rest = RestClient(module_broker)
    cid = admin(module_broker).list_topics(timeout=10).cluster_id
    base = f"/kafka/v3/clusters/{cid}/broker-configs"
    r = rest.get(base)
    assert (r.status, r.json["kind"]) == (200, "KafkaClusterConfigList"), r
    before = {c["name"] for c in r.json["data"]}

    # What the Terraform provider's confluent_kafka_cluster_config does: :alter, then list.
    r = rest.post(f"{base}:alter", {"data": [{"name": "log.retention.ms", "value": "7200000"}]})
    assert r.status == 204, r
    r = rest.get(base)
    listed = {c["name"]: c for c in r.json["data"]}
    assert set(listed) == before | {"log.retention.ms"}
    entry = listed["log.retention.ms"]
    assert (entry["value"], entry["source"], entry["config_type"]) == \
        ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG", "BROKER")
    assert entry["metadata"]["resource_name"] == f"crn:///kafka={cid}/broker-config=log.retention.ms"
    # The broker sees the cluster-wide value in force, over the static log.retention.hours.
    kafka = describe_broker(module_broker)["log.retention.ms"]
    assert (kafka.value, SOURCES[kafka.source]) == ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG")

    assert rest.put(f"{base}/log.cleaner.delete.retention.ms", {"value": "1000"}).status == 204
    r = rest.get(f"{base}/log.cleaner.delete.retention.ms")
    assert (r.status, r.json["value"]) == (200, "1000"), r
    r = rest.post(f"{base}:alter", {"data": [{"name": "log.retention.ms", "value": "1"}],
                                    "validate_only": True})
    assert r.status == 204, r
    assert rest.get(f"{base}/log.retention.ms").json["value"] == "7200000"

    assert rest.delete(f"{base}/log.retention.ms").status == 204
    assert rest.delete(f"{base}/log.cleaner.delete.retention.ms").status == 204
    r = rest.get(f"{base}/log.retention.ms")
    assert (r.status, r.json["error_code"]) == (404, 404), r
    assert {c["name"] for c in rest.get(base).json["data"]} == before
    kafka = describe_broker(module_broker)["log.retention.ms"]
    assert SOURCES[kafka.source] != "DYNAMIC_DEFAULT_BROKER_CONFIG"

    # Per-broker-only and read-only keys cannot be set cluster-wide.
    r = rest.put(f"{base}/log.dirs", {"value": "/tmp/x"})
    assert (r.status, r.json["error_code"]) == (400, 40002), r
    r = rest.put(f"{base}/log.retention.ms", raw=b'{"value": 5', headers={
        "Content-Type": "application/json"})
    assert (r.status, r.json["error_code"]) == (400, 400), r
    r = rest.put(f"{base}/log.retention.ms", raw=b'value=5', headers={
        "Content-Type": "text/plain"})
    assert (r.status, r.json["error_code"]) == (415, 415), r
