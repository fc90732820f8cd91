"""REST v3 consumer groups against groups made by real clients (confluent-kafka and
kafka-python): groups, consumers, assignments, lags and the lag summary, compared with what the
Kafka admin APIs report through real clients (confluent-kafka's AdminClient.list_groups, i.e.
ListGroups + DescribeGroups, and kafka-python's KafkaAdminClient list_consumer_groups /
list_consumer_group_offsets; the python confluent-kafka on Debian is 1.7, older than its
describe_consumer_groups); lag equal to what the test created. Every response is checked against
/openapi.json by RestClient."""

import struct
import threading
import time

import confluent_kafka as ck
import pytest
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from rest_client import RestClient
from samsa_fixture import wait_for_topic

BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 200, "offsets.topic.num.partitions": 3,
                    "auto.create.topics.enable": "false"}
TOPIC = "rg"
PARTITIONS = 3
FIRST, EXTRA = 30, 7


class PollingConsumer:
    """A confluent-kafka group member that keeps polling (so it stays in the group) without
    committing anything after its first synchronous commit."""

    def __init__(self, bootstrap, group):
        self.c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                              "client.id": "rest-groups-test", "auto.offset.reset": "earliest",
                              "enable.auto.commit": False, "session.timeout.ms": 10000,
                              "heartbeat.interval.ms": 500})
        self.c.subscribe([TOPIC])
        self.seen = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = None

    def consume(self, n, timeout=30):
        deadline = time.monotonic() + timeout
        while self.seen < n and time.monotonic() < deadline:
            m = self.c.poll(0.2)
            if m is not None and not m.error():
                self.seen += 1
        assert self.seen >= n, f"consumed {self.seen} of {n}"

    def commit_and_keep_polling(self):
        self.c.commit(asynchronous=False)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop.is_set():
            self.c.poll(0.2)

    def close(self):
        self.stop.set()
        if self.thread:
            self.thread.join()
        self.c.close()


def produce(bootstrap, n, start=0):
    p = ck.Producer({"bootstrap.servers": bootstrap})
    for i in range(start, start + n):
        p.produce(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode())
    assert p.flush(30) == 0


def high_watermarks(bootstrap):
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "rg-watermarks"})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)[1]
                for p in range(PARTITIONS)}
    finally:
        c.close()


def describe(admin, group):
    """DescribeGroups through confluent-kafka: the GroupMetadata of `group`."""
    [g] = admin.list_groups(group, timeout=15)
    assert g.error is None, g.error
    return g


def decode_assignment(data):
    """ConsumerProtocolAssignment -> {(topic, partition)}, written independently of the broker."""
    pos = 2  # version
    (n,) = struct.unpack_from(">i", data, pos)
    pos += 4
    out = set()
    for _ in range(n):
        (tlen,) = struct.unpack_from(">h", data, pos)
        topic = data[pos + 2:pos + 2 + tlen].decode()
        pos += 2 + tlen
        (pn,) = struct.unpack_from(">i", data, pos)
        pos += 4
        for _ in range(pn):
            out.add((topic, struct.unpack_from(">i", data, pos)[0]))
            pos += 4
    return out


def kp_admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap)


def committed_offsets(bootstrap, group):
    a = kp_admin(bootstrap)
    try:
        return {(tp.topic, tp.partition): om.offset
                for tp, om in a.list_consumer_group_offsets(group).items()}
    finally:
        a.close()


@pytest.fixture(scope="module")
def env(module_broker):
    b = module_broker
    rest = RestClient(b)
    cluster = rest.get("/v3/clusters").json["data"][0]["cluster_id"]
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(timeout=15)
    wait_for_topic(b, TOPIC, PARTITIONS)
    produce(b.bootstrap, FIRST)
    member = PollingConsumer(b.bootstrap, "rg-live")
    member.consume(FIRST)
    member.commit_and_keep_polling()
    # The lag the test creates: EXTRA records after the committed position.
    produce(b.bootstrap, EXTRA, start=FIRST)
    yield b, rest, cluster, admin
    member.close()


def groups_base(cluster, prefix="/v3"):
    return f"{prefix}/clusters/{cluster}/consumer-groups"


def wait_stable(rest, cluster, group, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = rest.get(f"{groups_base(cluster)}/{group}")
        if r.status == 200 and r.json["state"] == "STABLE":
            return r.json
        time.sleep(0.2)
    raise AssertionError(f"group {group} not STABLE: {r}")


def test_group_matches_admin_client(env):
    b, rest, cluster, admin = env
    g = wait_stable(rest, cluster, "rg-live")
    desc = describe(admin, "rg-live")
    assert desc.state == "Stable" and desc.protocol_type == "consumer"
    assert g["kind"] == "KafkaConsumerGroup"
    assert g["consumer_group_id"] == "rg-live"
    assert g["is_simple"] is False
    assert g["partition_assignor"] == desc.protocol == "range"
    assert g["type"] == "CLASSIC"
    assert g["coordinator"]["related"].endswith(f"/v3/clusters/{cluster}/brokers/1")
    assert g["metadata"]["self"].endswith(f"/v3/clusters/{cluster}/consumer-groups/rg-live")

    listed = rest.get(groups_base(cluster))
    assert listed.status == 200 and listed.json["kind"] == "KafkaConsumerGroupList"
    by_id = {x["consumer_group_id"]: x for x in listed.json["data"]}
    kpa = kp_admin(b.bootstrap)
    try:
        kp_listed = dict(kpa.list_consumer_groups())
    finally:
        kpa.close()
    assert set(by_id) == set(kp_listed)
    assert set(by_id) == {x.id for x in admin.list_groups(timeout=15)}
    assert by_id["rg-live"]["state"] == "STABLE"

    consumers = rest.get(f"{groups_base(cluster)}/rg-live/consumers")
    assert consumers.status == 200
    [member] = desc.members
    [c] = consumers.json["data"]
    assert c["consumer_id"] == member.id
    assert c["client_id"] == member.client_id == "rest-groups-test"
    assert c["instance_id"] is None
    one = rest.get(f"{groups_base(cluster)}/rg-live/consumers/{member.id}")
    assert one.status == 200 and one.json == c

    assignments = rest.get(f"{groups_base(cluster)}/rg-live/consumers/{member.id}/assignments")
    assert assignments.status == 200
    got = {(a["topic_name"], a["partition_id"]) for a in assignments.json["data"]}
    want = decode_assignment(member.assignment)
    assert got == want == {(TOPIC, p) for p in range(PARTITIONS)}
    a = rest.get(f"{groups_base(cluster)}/rg-live/consumers/{member.id}"
                 f"/assignments/{TOPIC}/partitions/2")
    assert a.status == 200 and a.json["partition_id"] == 2
    assert a.json["lag"]["related"].endswith(f"/consumer-groups/rg-live/lags/{TOPIC}/partitions/2")


def test_lags_equal_what_the_test_created(env):
    b, rest, cluster, admin = env
    wait_stable(rest, cluster, "rg-live")
    committed = {p: o for (t, p), o in committed_offsets(b.bootstrap, "rg-live").items()}
    hw = high_watermarks(b.bootstrap)
    assert sum(hw.values()) == FIRST + EXTRA
    assert sum(committed.values()) == FIRST

    lags = rest.get(f"{groups_base(cluster, '/kafka/v3')}/rg-live/lags")
    assert lags.status == 200 and lags.json["kind"] == "KafkaConsumerLagList"
    assert lags.json["metadata"]["self"].startswith(f"http://127.0.0.1:{b.admin_port}/kafka/v3/")
    member_id = describe(admin, "rg-live").members[0].id
    rows = {x["partition_id"]: x for x in lags.json["data"]}
    assert set(rows) == set(range(PARTITIONS))
    for p, row in rows.items():
        assert row["current_offset"] == committed[p]
        assert row["log_end_offset"] == hw[p]
        assert row["lag"] == hw[p] - committed[p]
        assert row["consumer_id"] == member_id
        assert row["client_id"] == "rest-groups-test"
    assert sum(x["lag"] for x in rows.values()) == EXTRA

    one = rest.get(f"{groups_base(cluster)}/rg-live/lags/{TOPIC}/partitions/1")
    assert one.status == 200 and one.json["lag"] == rows[1]["lag"]

    summary = rest.get(f"{groups_base(cluster)}/rg-live/lag-summary")
    assert summary.status == 200
    s = summary.json
    assert s["kind"] == "KafkaConsumerGroupLagSummary"
    assert s["total_lag"] == EXTRA
    assert s["max_lag"] == max(x["lag"] for x in rows.values())
    assert rows[s["max_lag_partition_id"]]["lag"] == s["max_lag"]
    assert s["max_lag_topic_name"] == TOPIC and s["max_lag_consumer_id"] == member_id
    assert s["max_lag_partition"]["related"].endswith(
        f"/topics/{TOPIC}/partitions/{s['max_lag_partition_id']}")


def test_simple_group_and_kafka_python_group(env):
    b, rest, cluster, admin = env
    # A "simple" group: offsets committed without joining (assign, not subscribe).
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "rg-simple"})
    c.commit(offsets=[TopicPartition(TOPIC, 0, 3), TopicPartition(TOPIC, 2, 1)],
             asynchronous=False)
    c.close()
    g = rest.get(f"{groups_base(cluster)}/rg-simple")
    assert g.status == 200, g
    assert g.json["is_simple"] is True and g.json["state"] == "EMPTY"
    kpa = kp_admin(b.bootstrap)
    try:
        assert dict(kpa.list_consumer_groups())["rg-simple"] == "", "simple: no protocol type"
    finally:
        kpa.close()
    assert committed_offsets(b.bootstrap, "rg-simple") == {(TOPIC, 0): 3, (TOPIC, 2): 1}
    assert rest.get(f"{groups_base(cluster)}/rg-simple/consumers").json["data"] == []
    lags = {x["partition_id"]: x for x in
            rest.get(f"{groups_base(cluster)}/rg-simple/lags").json["data"]}
    hw = high_watermarks(b.bootstrap)
    assert set(lags) == {0, 2}
    assert lags[0]["lag"] == hw[0] - 3 and lags[0]["consumer_id"] == ""
    # No committed offset for partition 1: no lag resource.
    assert rest.get(f"{groups_base(cluster)}/rg-simple/lags/{TOPIC}/partitions/1").status == 404

    # kafka-python with the roundrobin assignor.
    kp = KafkaConsumer(TOPIC, bootstrap_servers=b.bootstrap, group_id="rg-kp",
                       client_id="kp-client", auto_offset_reset="earliest",
                       enable_auto_commit=False,
                       partition_assignment_strategy=[RoundRobinPartitionAssignor])
    try:
        deadline = time.monotonic() + 30
        while not kp.assignment() and time.monotonic() < deadline:
            kp.poll(timeout_ms=200)
        assert kp.assignment()
        stop = threading.Event()
        t = threading.Thread(target=lambda: [kp.poll(timeout_ms=200) for _ in iter(stop.is_set, True)],
                             daemon=True)
        t.start()
        try:
            g = wait_stable(rest, cluster, "rg-kp")
            assert g["partition_assignor"] == "roundrobin"
            desc = describe(admin, "rg-kp")
            assert desc.protocol == "roundrobin"
            [c] = rest.get(f"{groups_base(cluster)}/rg-kp/consumers").json["data"]
            assert c["client_id"] == "kp-client" == desc.members[0].client_id
            assert c["consumer_id"] == desc.members[0].id
            a = rest.get(f"{groups_base(cluster)}/rg-kp/consumers/{c['consumer_id']}/assignments")
            assert {x["partition_id"] for x in a.json["data"]} == set(range(PARTITIONS))
        finally:
            stop.set()
            t.join()
    finally:
        kp.close()


def test_not_found_answers(env):
    b, rest, cluster, admin = env
    base = groups_base(cluster)
    r = rest.get(f"{base}/no-such-group")
    assert (r.status, r.json["error_code"]) == (404, 404)
    r = rest.get(f"{base}/no-such-group/lags")
    assert r.status == 404
    r = rest.get(f"{base}/rg-live/consumers/not-a-member")
    assert r.status == 404
    r = rest.get(f"{base}/rg-live/consumers/not-a-member/assignments")
    assert r.status == 404
    r = rest.get("/v3/clusters/other-cluster/consumer-groups")
    assert (r.status, r.json["error_code"]) == (404, 404)
