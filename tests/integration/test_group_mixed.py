"""One consumer group shared by three different clients (kafka-python, confluent-kafka and kafkajs),
each in its own process: everyone gets partitions, a kill -9 hands the dead member's partitions to
the others within the session timeout, a restart of every consumer resumes exactly at the committed
offsets (nothing skipped, everything read at least once), and committed offsets and the group
survive a kill -9 of the broker."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient
from samsa_fixture import wait_for_topic

JS_MEMBER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "group_member.js")
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 300, "offsets.topic.num.partitions": 10,
                    "auto.create.topics.enable": "false"}
PARTITIONS = 6
SESSION_MS = 6000
# Kill -9 to stable again: the coordinator notices the death after one session timeout; the margin
# covers a heartbeat interval of each survivor, the rejoin and the sync on a loaded 2-core box.
TAKEOVER_MARGIN_S = 6.0

# One python group member; same output as js/group_member.js. Offsets are committed only for
# records already printed, so a kill -9 can never leave a committed offset past what we saw.
MEMBER = r'''
import sys
kind, bootstrap, topic, group, session_ms = sys.argv[1:6]
session_ms = int(session_ms)
def out(s):
    sys.stdout.write(s + "\n"); sys.stdout.flush()
if kind == "confluent":
    import confluent_kafka as ck
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                     "client.id": "it-mixed-confluent", "auto.offset.reset": "earliest",
                     "session.timeout.ms": session_ms, "heartbeat.interval.ms": 500,
                     "max.poll.interval.ms": 20000, "enable.auto.offset.store": False,
                     "auto.commit.interval.ms": 500})
    c.subscribe([topic], on_assign=lambda cons, parts: out(
        "A " + ",".join(str(p.partition) for p in sorted(parts, key=lambda p: p.partition))))
    while True:
        m = c.poll(0.2)
        if m is None or m.error():
            continue
        out("R %d %d %s" % (m.partition(), m.offset(), m.value().decode()))
        c.store_offsets(message=m)
else:
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                      client_id="it-mixed-kafka-python", auto_offset_reset="earliest",
                      enable_auto_commit=False, session_timeout_ms=session_ms,
                      heartbeat_interval_ms=500, max_poll_interval_ms=20000,
                      request_timeout_ms=25000)
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
        if polled:
            try:
                c.commit()  # positions, i.e. just past the records printed above
            except KafkaError as e:  # a rebalance in between: the next owner re-reads
                sys.stderr.write("commit failed: %r\n" % (e,))
'''


class Member:
    """A group member process; collects its assignments and records from its stdout."""

    def __init__(self, kind, bootstrap, topic, group):
        self.kind = kind
        if kind == "kafkajs":
            node = shutil.which("node")
            assert node, "node is not installed"
            args = [node, JS_MEMBER, bootstrap, topic, group, str(SESSION_MS)]
        else:
            args = [sys.executable, "-c", MEMBER, kind, bootstrap, topic, group, str(SESSION_MS)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=os.path.dirname(JS_MEMBER))
        self.lock = threading.Lock()
        self.records = []      # (partition, offset, value) in delivery order
        self.assignments = []  # (monotonic time, frozenset of partitions)
        self.stderr = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            with self.lock:
                if len(parts) == 4 and parts[0] == "R":
                    self.records.append((int(parts[1]), int(parts[2]), parts[3]))
                elif parts and parts[0] == "A":
                    got = frozenset(int(p) for p in parts[1].split(",")) if len(parts) > 1 else \
                        frozenset()
                    self.assignments.append((time.monotonic(), got))

    def current(self):
        with self.lock:
            return self.assignments[-1][1] if self.assignments else frozenset()

    def consumed(self, since=0):
        with self.lock:
            return list(self.records[since:])

    def mark(self):
        with self.lock:
            return len(self.records)

    def check_running(self):
        code = self.proc.poll()
        assert code is None, f"{self.kind} member exited with {code}: {''.join(self.stderr)[-2000:]}"

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def describe(self):
        return f"{self.kind}: assignments {[sorted(a) for _, a in self.assignments]}, " \
               f"{len(self.records)} records, stderr tail {''.join(self.stderr)[-600:]!r}"


class Produced:
    """Produces to explicit partitions and remembers where every value landed."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.where = {}  # value -> (partition, offset)
        self.producer = ck.Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})

    def send(self, tag, n):
        values = [f"{tag}-{i}" for i in range(n)]
        failed = []

        def on_delivery(err, msg):
            if err is not None:
                failed.append(err)
            else:
                self.where[msg.value().decode()] = (msg.partition(), msg.offset())

        for i, v in enumerate(values):
            self.producer.produce(self.topic, value=v.encode(), partition=i % PARTITIONS,
                                  on_delivery=on_delivery)
        assert self.producer.flush(30) == 0 and not failed, f"produce failed: {failed[:3]}"
        return set(values)

    def end_offsets(self):
        ends = {p: 0 for p in range(PARTITIONS)}
        for p, off in self.where.values():
            ends[p] = max(ends[p], off + 1)
        return ends


def wait_until(pred, timeout, what, broker=None, members=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker is not None:
            broker.assert_alive()
        for m in members:
            m.check_running()
        if pred():
            return
        time.sleep(0.1)
    detail = "\n".join(m.describe() for m in members)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{detail}")


def split_evenly(members):
    """True when every member owns partitions and together they own each partition exactly once."""
    owned = [m.current() for m in members]
    return all(owned) and sum(len(o) for o in owned) == PARTITIONS and \
        frozenset().union(*owned) == frozenset(range(PARTITIONS))


def committed_offsets(bootstrap, group, timeout=30):
    """{partition: committed offset} through kafka-python's admin client (OffsetFetch), retried
    while the coordinator is loading after a restart."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        admin = None
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
            got = admin.list_consumer_group_offsets(group)
            return {tp.partition: om.offset for tp, om in got.items()}
        except Exception as e:  # noqa: BLE001 - load in progress / broker still starting
            last = e
            time.sleep(0.3)
        finally:
            if admin is not None:
                admin.close()
    raise AssertionError(f"no committed offsets for {group} within {timeout}s: {last!r}")


def describe_group(bootstrap, group):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        (desc,) = admin.describe_consumer_groups([group])
        return desc.state, len(desc.members)
    finally:
        admin.close()


def test_three_clients_share_group_failover_restart(module_broker):
    b = module_broker
    topic, group = "mixed-6", "mixed-three"
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    for fut in admin.create_topics([NewTopic(topic, PARTITIONS, 1)]).values():
        fut.result(timeout=20)
    wait_for_topic(b, topic, PARTITIONS)
    prod = Produced(b.bootstrap, topic)
    everything = set()
    kinds = ("python", "confluent", "kafkajs")
    members = [Member(k, b.bootstrap, topic, group) for k in kinds]
    old = []
    try:
        # 1. All three clients agree on a protocol and each gets a share of the partitions.
        wait_until(lambda: split_evenly(members), 90, "all three clients to be assigned", b, members)
        batch = prod.send("one", 600)
        everything |= batch
        wait_until(lambda: batch <= {v for m in members for _, _, v in m.consumed()}, 60,
                   "the group to read the first batch", b, members)
        for m in members:
            assert {v for _, _, v in m.consumed()} & batch, f"{m.kind} read nothing: {m.describe()}"

        # 2. kill -9 of one member (the first to join, most likely the leader): the others take
        # over its partitions once the coordinator expires its session.
        victim, survivors = members[0], members[1:]
        victim.kill()
        killed_at = time.monotonic()
        wait_until(lambda: split_evenly(survivors), SESSION_MS / 1000 + TAKEOVER_MARGIN_S,
                   "the survivors to own all partitions", b, survivors)
        took = time.monotonic() - killed_at
        print(f"takeover after kill -9: {took:.1f} s (session timeout {SESSION_MS / 1000} s)")
        marks = [m.mark() for m in survivors]
        batch = prod.send("two", 600)
        everything |= batch
        wait_until(lambda: batch <= {v for m, k in zip(survivors, marks) for _, _, v in
                                     m.consumed(k)}, 60, "the survivors to read every partition",
                   b, survivors)

        # 3. Kill every consumer mid-stream, then restart all three: each partition resumes at
        # exactly its committed offset, so nothing past a commit is skipped or lost.
        batch = prod.send("three", 3000)
        everything |= batch
        wait_until(lambda: any(v.startswith("three-") for m in survivors
                               for _, _, v in m.consumed()), 30, "some of the third batch", b,
                   survivors)
        for m in survivors:
            m.kill()
        old = members
        ends = prod.end_offsets()
        committed = committed_offsets(b.bootstrap, group)
        seen_before = {}
        for m in old:
            for p, off, _ in m.consumed():
                seen_before[p] = max(seen_before.get(p, -1), off)
        for p in range(PARTITIONS):
            c = committed.get(p, -1)
            assert -1 <= c <= ends[p], f"partition {p}: committed {c}, log end {ends[p]}"
            assert c <= seen_before.get(p, -1) + 1, \
                f"partition {p}: committed {c} is past the last record read ({seen_before.get(p)})"
        assert any(c > 0 for c in committed.values()), f"nothing was committed: {committed}"

        print(f"committed after killing every consumer: {committed}; log ends: {ends}")
        members = [Member(k, b.bootstrap, topic, group) for k in kinds]
        want = {(p, off) for p in range(PARTITIONS) for off in range(max(committed.get(p, 0), 0),
                                                                    ends[p])}
        wait_until(lambda: want <= {(p, off) for m in members for p, off, _ in m.consumed()}, 90,
                   "the restarted consumers to read everything after the commits", b, members)
        for p in range(PARTITIONS):
            offs = [off for m in members for q, off, _ in m.consumed() if q == p]
            start = max(committed.get(p, 0), 0)
            if start < ends[p]:
                assert min(offs) == start, \
                    f"partition {p}: restarted group began at {min(offs)}, committed was {start}"
        consumed_all = {v for m in old + members for _, _, v in m.consumed()}
        assert everything <= consumed_all, f"{len(everything - consumed_all)} records never read"
        wait_until(lambda: split_evenly(members), 60, "the restarted group to be stable", b,
                   members)

        # 4. kill -9 of the broker: committed offsets are durable and the running group rejoins.
        wait_until(lambda: committed_offsets(b.bootstrap, group) == ends, 30,
                   "every record to be committed", b, members)
        marks = [m.mark() for m in members]
        b.restart(clean=False)
        assert committed_offsets(b.bootstrap, group) == ends, "committed offsets lost by restart"
        batch = prod.send("four", 600)
        everything |= batch
        wait_until(lambda: batch <= {v for m, k in zip(members, marks) for _, _, v in
                                     m.consumed(k)}, 90, "the group to read after the restart",
                   b, members)
        for m, k in zip(members, marks):
            reread = [(p, off) for p, off, _ in m.consumed(k) if off < ends[p]]
            assert not reread, f"{m.kind} re-read committed records after the restart: {reread[:5]}"
        wait_until(lambda: describe_group(b.bootstrap, group) == ("Stable", 3) and
                   split_evenly(members), 60, "the group to be stable with three members", b,
                   members)
    finally:
        for m in old + members:
            m.kill()
