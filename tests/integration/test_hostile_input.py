"""Hostile input on raw sockets while a real client keeps producing and consuming: the broker must
drop bad connections (or answer with an error), never crash, never stall other clients."""

import random
import socket
import struct
import threading
import time

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import (API_API_VERSIONS, API_METADATA, API_PRODUCE, ERR_UNSUPPORTED_VERSION,
                           RawClient, Reader, encode_compact_string, frame,
                           parse_api_versions_v0, request_header_v1,
                           wait_for_topic)


def assert_serving(b):
    """The process is alive and a brand-new connection gets a well-formed ApiVersions v0."""
    assert b.alive(), f"broker died; log {b.log_path}"
    with RawClient(b.host, b.port) as c:
        err, apis = c.api_versions(0)
    assert err == 0 and API_API_VERSIONS in apis and API_METADATA in apis


def closed_or_answered(c, corr, timeout=5.0):
    """After a malformed request the broker may close the connection or answer with an error;
    what it must not do is send bytes that are not a response to our correlation id."""
    c.sock.settimeout(timeout)
    try:
        head = c.sock.recv(4)
    except socket.timeout:
        return "silent"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    if not head:
        return "closed"
    if len(head) < 4:
        head += c.recv_exact(4 - len(head))
    (size,) = struct.unpack(">i", head)
    assert 4 <= size <= (1 << 20), f"nonsense response size {size}"
    got = c.recv_exact(size)
    assert struct.unpack(">i", got[:4])[0] == corr, "response to a request we did not send"
    return "answered"


class BackgroundTraffic:
    """A confluent-kafka producer and consumer working the whole time the test pokes the broker."""

    def __init__(self, b, topic):
        self.b, self.topic = b, topic
        self.acks, self.errors, self.consumed = {}, [], {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._produce, daemon=True),
                        threading.Thread(target=self._consume, daemon=True)]

    def _produce(self):
        p = ck.Producer({"bootstrap.servers": self.b.bootstrap, "acks": "all", "linger.ms": 2})

        def cb(err, msg):
            with self.lock:
                if err is not None:
                    self.errors.append(str(err))
                else:
                    self.acks[(msg.partition(), msg.offset())] = msg.value()

        i = 0
        while not self.stop.is_set():
            try:
                p.produce(self.topic, key=f"k{i % 5}".encode(), value=f"bg-{i}".encode(),
                          on_delivery=cb)
                i += 1
            except BufferError:  # a stalled broker shows up as no progress, checked by the test
                pass
            p.poll(0.005)
        p.flush(30)

    def _consume(self):
        c = ck.Consumer({"bootstrap.servers": self.b.bootstrap, "group.id": "it-hostile",
                         "enable.auto.commit": False})
        c.assign([ck.TopicPartition(self.topic, p, ck.OFFSET_BEGINNING) for p in range(3)])
        try:
            while not self.stop.is_set():
                for m in c.consume(num_messages=500, timeout=0.2):
                    if m.error() is None:
                        with self.lock:
                            self.consumed[(m.partition(), m.offset())] = m.value()
        finally:
            c.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=40)
        return False

    def progress(self):
        with self.lock:
            return len(self.acks), len(self.consumed)


@pytest.fixture
def traffic(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})  # outlives its futures
    futs = admin.create_topics(
        [NewTopic("hostile-bg", num_partitions=3, replication_factor=1)], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(broker, "hostile-bg", 3)
    with BackgroundTraffic(broker, "hostile-bg") as t:
        deadline = time.monotonic() + 20
        while t.progress()[0] < 50 and time.monotonic() < deadline:
            broker.assert_alive()
            time.sleep(0.05)
        assert t.progress()[0] >= 50, "background producer made no progress before the attack"
        yield t


def attack(b):
    """Runs every hostile case; returns {case: outcome}."""
    outcomes = {}
    rng = random.Random(20240611)

    # 1. Random bytes (deterministic seed so a failure reproduces).
    for n in (1, 7, 64, 4096):
        with RawClient(b.host, b.port) as c:
            c.send_raw(bytes(rng.getrandbits(8) for _ in range(n)))
            outcomes[f"random-{n}"] = _drain(c)
    # 2. Size prefix of 2^31-1: must be refused before any allocation, i.e. closed promptly.
    with RawClient(b.host, b.port) as c:
        c.send_raw(struct.pack(">i", 2**31 - 1) + b"\x00" * 16)
        assert c.is_closed_by_peer(5.0), "2^31-1 size prefix: connection left open"
        outcomes["size-2^31-1"] = "closed"
    # 3. Negative size.
    for size in (-1, -2**31):
        with RawClient(b.host, b.port) as c:
            c.send_raw(struct.pack(">i", size))
            assert c.is_closed_by_peer(5.0), f"negative size {size}: connection left open"
            outcomes[f"size{size}"] = "closed"
    # 4. Truncated header: complete frames too short to hold a request header.
    for body in (b"", b"\x00", b"\x00\x12\x00", b"\x00\x12\x00\x00\x00\x00\x00",
                 struct.pack(">hhi", API_METADATA, 1, 7) + b"\x00\x40ab"):
        with RawClient(b.host, b.port) as c:
            c.send_raw(frame(body))
            outcome = closed_or_answered(c, corr=7)
            assert outcome != "silent", f"truncated header {body!r}: no answer, no close"
            outcomes[f"truncated-{len(body)}"] = outcome
    # 5. Valid headers with garbage bodies.
    garbage = {
        "metadata-huge-array": struct.pack(">i", 2**31 - 1),
        "metadata-neg-string": struct.pack(">ih", 1, -7),
        "metadata-long-string": struct.pack(">ih", 1, 30000) + b"abc",
        "produce-random": bytes(rng.getrandbits(8) for _ in range(200)),
        "produce-huge-records": struct.pack(">hhii", -1, 1, 1000, 1) + b"\x00\x01t" +
                                struct.pack(">iii", 1, 0, 2**31 - 1) + b"\x00" * 32,
    }
    for name, body in garbage.items():
        api, ver = (API_METADATA, 1) if name.startswith("metadata") else (API_PRODUCE, 3)
        with RawClient(b.host, b.port) as c:
            c.send_raw(frame(request_header_v1(api, ver, 99) + body))
            outcome = closed_or_answered(c, corr=99)
            assert outcome != "silent", f"{name}: no answer, no close"
            outcomes[name] = outcome
    # 6. Unknown api key on an otherwise valid header.
    with RawClient(b.host, b.port) as c:
        c.send_raw(frame(request_header_v1(9999, 0, 5)))
        outcomes["unknown-api"] = closed_or_answered(c, corr=5)
        assert outcomes["unknown-api"] != "silent"
    # 7. ApiVersions v99: v0-format answer with UNSUPPORTED_VERSION and the api list, and the
    #    connection stays usable. Versions >= 3 are flexible, so Kafka parses a v99 header as
    #    header v2 (tagged fields); the body is the v3 shape a newer client would send.
    with RawClient(b.host, b.port) as c:
        body = encode_compact_string("samsa-raw") + encode_compact_string("9.9") + b"\x00"
        err, apis = parse_api_versions_v0(Reader(c.request(API_API_VERSIONS, 99, body,
                                                           flexible=True)))
        assert err == ERR_UNSUPPORTED_VERSION, err
        assert apis and API_API_VERSIONS in apis and apis[API_API_VERSIONS][0] == 0
        err, apis2 = c.api_versions(0)
        assert err == 0 and apis2 == apis
        outcomes["apiversions-v99"] = "answered"
    return outcomes


def _drain(c):
    """Random bytes may look like a frame still arriving, so silence is allowed; data that is not
    a framed response is not."""
    c.sock.settimeout(1.0)
    try:
        data = c.sock.recv(65536)
    except socket.timeout:
        return "silent"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    if not data:
        return "closed"
    assert len(data) >= 8, f"stray bytes from broker: {data!r}"
    return "answered"


def test_hostile_input_does_not_hurt_other_clients(broker, traffic):
    b = broker
    acks0, consumed0 = traffic.progress()
    outcomes = attack(b)
    assert_serving(b)
    # The good client kept working through the attack, not just before it.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        acks1, consumed1 = traffic.progress()
        if acks1 >= acks0 + 100 and consumed1 >= consumed0 + 100:
            break
        b.assert_alive()
        time.sleep(0.1)
    acks1, consumed1 = traffic.progress()
    assert acks1 >= acks0 + 100 and consumed1 >= consumed0 + 100, \
        f"background client stalled: acks {acks0}->{acks1}, consumed {consumed0}->{consumed1}"
    traffic.stop.set()
    for t in traffic.threads:
        t.join(timeout=40)
    assert not traffic.errors, f"background producer errors: {traffic.errors[:5]}"
    # What was consumed matches what was acknowledged at the same offsets.
    for k, v in traffic.consumed.items():
        assert traffic.acks.get(k) == v, f"consumed {k}={v!r}, acknowledged {traffic.acks.get(k)!r}"
    assert_serving(b)
    print("hostile outcomes:", outcomes)


def test_many_slow_half_open_connections(broker):
    """Connections that send half a frame and stall must not block new clients."""
    b = broker
    socks = []
    try:
        for _ in range(50):
            s = socket.create_connection((b.host, b.port), timeout=5)
            s.sendall(struct.pack(">i", 100) + b"\x00\x12")  # promises 100 bytes, sends 2
            socks.append(s)
        t0 = time.monotonic()
        assert_serving(b)
        assert time.monotonic() - t0 < 5
    finally:
        for s in socks:
            s.close()
    assert_serving(b)
