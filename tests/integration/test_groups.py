"""Consumer groups with real clients: kcat -G, confluent-kafka and kafka-python sharing a topic,
failover after kill -9, committed offsets across a broker restart, kafkajs, the admin APIs and
static membership."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient
from samsa_fixture import wait_for_topic

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
# A short initial delay keeps the tests quick; the session timeout floor stays Kafka's 6 s.
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 300, "offsets.topic.num.partitions": 10,
                    "auto.create.topics.enable": "false"}
SESSION_MS = 6000

# One group member in its own process, so that kill -9 is a real crash. It prints one line per
# record ("R <partition> <offset> <value>") and per assignment ("A <partitions>").
MEMBER = r'''
import sys, time
kind, bootstrap, topic, group = sys.argv[1:5]
instance = sys.argv[5] if len(sys.argv) > 5 else None
def out(s):
    sys.stdout.write(s + "\n"); sys.stdout.flush()
if kind == "confluent":
    import confluent_kafka as ck
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
            "auto.commit.interval.ms": 500}
    if instance:
        conf["group.instance.id"] = instance
        conf["session.timeout.ms"] = 30000
    c = ck.Consumer(conf)
    c.subscribe([topic], on_assign=lambda cons, parts: out(
        "A " + ",".join(str(p.partition) for p in parts)))
    while True:
        m = c.poll(0.2)
        if m is None or m.error():
            continue
        out("R %d %d %s" % (m.partition(), m.offset(), m.value().decode()))
else:
    from kafka import KafkaConsumer
    from kafka.coordinator.assignors.range import RangePartitionAssignor
    from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                      auto_offset_reset="earliest", session_timeout_ms=6000,
                      heartbeat_interval_ms=500, auto_commit_interval_ms=500,
                      partition_assignment_strategy=[RangePartitionAssignor,
                                                     RoundRobinPartitionAssignor])
    last = None
    while True:
        polled = c.poll(timeout_ms=200)
        now = sorted(tp.partition for tp in c.assignment())
        if now != last:
            last = now
            out("A " + ",".join(str(p) for p in now))
        for tp, msgs in polled.items():
            for m in msgs:
                out("R %d %d %s" % (m.partition, m.offset, m.value.decode()))
'''


class Member:
    def __init__(self, kind, bootstrap, topic, group, instance=None):
        args = [sys.executable, "-c", MEMBER, kind, bootstrap, topic, group]
        if instance:
            args.append(instance)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.values = set()
        self.assignments = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.stderr = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            with self.lock:
                if parts and parts[0] == "R":
                    self.values.add(parts[3])
                elif parts and parts[0] == "A":
                    self.assignments.append(parts[1] if len(parts) > 1 else "")

    def seen(self):
        with self.lock:
            return set(self.values)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    stop = kill


def create_topic(b, name, partitions):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    for fut in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        fut.result(timeout=20)
    wait_for_topic(b, name, partitions)


def produce(b, topic, values):
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 5})
    for i, v in enumerate(values):
        p.produce(topic, key=str(i % 31).encode(), value=v.encode())
    assert p.flush(30) == 0


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def kcat(*args, timeout=60):
    r = subprocess.run(["kcat", *args], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"kcat {args} exited {r.returncode}: {r.stderr[-2000:]}"
    return r.stdout.split()


def test_kcat_group_consumes_and_resumes_from_commit(module_broker):
    b = module_broker
    create_topic(b, "kcat-groups", 3)
    first = [f"a{i}" for i in range(200)]
    produce(b, "kcat-groups", first)
    got = kcat("-b", b.bootstrap, "-G", "kcat-group", "-X", "auto.offset.reset=earliest", "-c", "200", "kcat-groups")
    assert sorted(got) == sorted(first)
    # The second run resumes from the offsets the first one committed on close.
    second = [f"b{i}" for i in range(50)]
    produce(b, "kcat-groups", second)
    got = kcat("-b", b.bootstrap, "-G", "kcat-group", "-X", "auto.offset.reset=earliest", "-c", "50", "kcat-groups")
    assert sorted(got) == sorted(second)


def test_mixed_clients_share_topic_and_take_over_after_kill9(module_broker):
    b = module_broker
    topic, group = "shared-6", "mixed-group"
    create_topic(b, topic, 6)
    members = [Member("confluent", b.bootstrap, topic, group),
               Member("python", b.bootstrap, topic, group)]
    try:
        # Produce once both are in the same generation, so that each owns some partitions.
        wait_until(lambda: all(m.assignments and m.assignments[-1] for m in members) and
                   sum(len(m.assignments[-1].split(",")) for m in members) == 6, 60,
                   "both consumers to be assigned")
        batch1 = [f"one-{i}" for i in range(600)]
        produce(b, topic, batch1)
        wait_until(lambda: set(batch1) <= members[0].seen() | members[1].seen(), 60,
                   "both consumers together to read every record")
        assert members[0].seen() and members[1].seen(), "one consumer got no partitions"

        members[0].kill()
        killed_at = time.monotonic()
        batch2 = [f"two-{i}" for i in range(600)]
        produce(b, topic, batch2)
        wait_until(lambda: set(batch2) <= members[1].seen(), SESSION_MS / 1000 + 20,
                   "the survivor to take over the killed consumer's partitions")
        assert time.monotonic() - killed_at < SESSION_MS / 1000 + 20
    finally:
        for m in members:
            m.stop()


def test_committed_offsets_survive_broker_restart(broker_factory):
    b = broker_factory(dict(BROKER_OVERRIDES))
    topic, group = "restart-offsets", "restart-group"
    create_topic(b, topic, 2)
    produce(b, topic, [f"v{i}" for i in range(100)])

    conf = {"bootstrap.servers": b.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    c = ck.Consumer(conf)
    c.subscribe([topic])
    taken = []
    deadline = time.monotonic() + 60
    while len(taken) < 60 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            taken.append(m)
    assert len(taken) == 60
    c.commit(asynchronous=False)
    committed = {p.partition: p.offset for p in
                 c.committed([ck.TopicPartition(topic, 0), ck.TopicPartition(topic, 1)], 10)}
    c.close()
    assert sum(committed.values()) == 60

    b.restart(clean=False)  # kill -9: commits were acknowledged, so they are in the log

    c = ck.Consumer(conf)
    c.subscribe([topic])
    rest = []
    deadline = time.monotonic() + 60
    while len(rest) < 40 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            rest.append(m)
    c.close()
    assert len(rest) == 40, f"resumed consumer read {len(rest)} records, expected 40"
    for p in (0, 1):
        offsets = [m.offset() for m in rest if m.partition() == p]
        if offsets:
            assert min(offsets) == committed[p], "consumer did not resume at the committed offset"
    seen = {m.value().decode() for m in taken} | {m.value().decode() for m in rest}
    assert seen == {f"v{i}" for i in range(100)}

    # kafka-python's committed() reads the same offsets (OffsetFetch v1).
    from kafka import KafkaConsumer, TopicPartition
    kc = KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=group, enable_auto_commit=False)
    assert kc.committed(TopicPartition(topic, 0)) == committed[0]
    kc.close()


def test_kafkajs_consumer_default_settings(module_broker):
    node = shutil.which("node")
    assert node, "node is not installed"
    r = subprocess.run([node, os.path.join(JS_DIR, "group_consume.js"), module_broker.bootstrap,
                        "kjs-groups", "kjs-group"], cwd=JS_DIR, capture_output=True, text=True,
                       timeout=150)
    assert r.returncode == 0 and "scenario passed" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]


def test_admin_list_describe_delete_groups(module_broker):
    b = module_broker
    create_topic(b, "admin-groups", 1)
    produce(b, "admin-groups", ["x"])
    kcat("-b", b.bootstrap, "-G", "admin-group", "-X", "auto.offset.reset=earliest", "-c", "1", "admin-groups")

    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
    try:
        listed = dict(admin.list_consumer_groups())
        assert listed.get("admin-group") == "consumer"
        (desc,) = admin.describe_consumer_groups(["admin-group"])
        assert desc.group == "admin-group" and desc.state == "Empty"
        offsets = admin.list_consumer_group_offsets("admin-group")
        assert [o.offset for o in offsets.values()] == [1]

        # confluent-kafka's legacy list_groups (ListGroups v0 + DescribeGroups v0).
        ck_admin = AdminClient({"bootstrap.servers": b.bootstrap})
        names = {g.id for g in ck_admin.list_groups(timeout=10)}
        assert "admin-group" in names

        results = dict(admin.delete_consumer_groups(["admin-group", "no-such-group"]))
        assert results["admin-group"].errno == 0
        assert results["no-such-group"].errno == 69  # GROUP_ID_NOT_FOUND
        assert "admin-group" not in dict(admin.list_consumer_groups())
    finally:
        admin.close()


def test_static_member_restart_does_not_rebalance(module_broker):
    b = module_broker
    topic, group = "static-6", "static-group"
    create_topic(b, topic, 6)
    s1 = Member("confluent", b.bootstrap, topic, group, instance="static-1")
    s2 = Member("confluent", b.bootstrap, topic, group, instance="static-2")
    try:
        produce(b, topic, [f"s{i}" for i in range(60)])
        wait_until(lambda: len(s1.seen() | s2.seen()) == 60 and s1.assignments and
                   s2.assignments and s1.assignments[-1] and s2.assignments[-1], 60,
                   "two static members to share the topic")
        time.sleep(2)
        before = list(s2.assignments)
        s1_parts = s1.assignments[-1]
        s1.kill()
        s1 = Member("confluent", b.bootstrap, topic, group, instance="static-1")
        wait_until(lambda: s1.assignments, 30, "the restarted static member's assignment")
        assert s1.assignments[-1] == s1_parts
        time.sleep(3)
        assert s2.assignments == before, "the other member saw a rebalance"
    finally:
        s1.stop()
        s2.stop()
