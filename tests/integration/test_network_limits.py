"""The network layer under hostile and heavy load, against the real broker on real sockets:
slowloris connections (huge announced frames, one byte a second), the request-bytes budget,
max.connections, max.connections.per.ip (+ overrides), max.connection.creation.rate and
connections.max.idle.ms. Each test asserts exact counts of what was refused or closed and that
clients already connected keep being served."""

import json
import os
import re
import resource
import select
import socket
import struct
import subprocess
import sys
import time
import urllib.request

import pytest
from samsa_fixture import RawClient, frame, request_header_v1, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    assert want >= n, f"RLIMIT_NOFILE hard limit {hard} is below the {n} this test needs"


def metrics(b):
    with urllib.request.urlopen(f"{b.admin_url}/metrics", timeout=10) as r:
        return r.read().decode()


def metric(text, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    total, found = 0.0, False
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
            found = True
    assert found, f"no sample of {name}{labels} in the scrape"
    return total


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def api_versions_ok(c):
    err, apis = c.api_versions(0)
    return err == 0 and 3 in apis


def connect(b, source=None, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((b.host, b.port))
    return s


def raw_from(sock):
    c = RawClient.__new__(RawClient)
    c.sock, c.next_corr = sock, 1
    return c


def all_closed_by_peer(socks, timeout):
    """Waits until every socket sees EOF/RST; returns those still open. (poll, not select: the
    descriptors go past FD_SETSIZE.)"""
    by_fd = {s.fileno(): s for s in socks}
    poller = select.poll()
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    deadline = time.monotonic() + timeout
    while by_fd and time.monotonic() < deadline:
        for fd, _ in poller.poll(500):
            s = by_fd.pop(fd, None)
            if s is None:
                continue
            poller.unregister(fd)
            try:
                s.setblocking(False)
                data = s.recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                by_fd[fd] = s  # spurious
                poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
                continue
            assert not data, f"broker sent {len(data)} bytes to a connection that sent no request"
    return list(by_fd.values())


# --- slowloris --------------------------------------------------------------------------------

PROBER = r"""
import json, socket, struct, sys, time
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
lat = []
s = socket.create_connection((host, port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
corr = 0
def recv_exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit("closed")
        b += c
    return b
end = time.monotonic() + seconds
while time.monotonic() < end:
    corr += 1
    cid = b"prober"
    body = struct.pack(">i", -1)  # Metadata v1: all topics
    head = struct.pack(">hhi", 3, 1, corr) + struct.pack(">h", len(cid)) + cid
    t0 = time.monotonic()
    s.sendall(struct.pack(">i", len(head) + len(body)) + head + body)
    (size,) = struct.unpack(">i", recv_exact(4))
    got = recv_exact(size)
    assert struct.unpack(">i", got[:4])[0] == corr
    lat.append(time.monotonic() - t0)
    time.sleep(0.05)
print(json.dumps(lat))
"""


def test_slowloris_is_bounded_and_cleaned_up(broker_factory):
    """1,000 connections announcing 100 MiB frames and going silent, and 1,000 sending one byte a
    second: the broker's RSS stays under 512 MiB, another client's Metadata answers within 100 ms
    throughout, and every one of them is closed by request.timeout.ms."""
    raise_fd_limit(4500)  # inherited by the broker started below
    request_timeout_s = 12
    b = broker_factory({"request.timeout.ms": request_timeout_s * 1000})
    baseline_rss = rss_bytes(b.pid)
    prober = subprocess.Popen([sys.executable, "-c", PROBER, b.host, str(b.port), "14"],
                              stdout=subprocess.PIPE, text=True)
    silent, trickle = [], []
    try:
        announce = struct.pack(">i", 100 << 20)  # = socket.request.max.bytes, so not refused
        for _ in range(1000):
            s = connect(b)
            s.sendall(announce + b"\x00\x03")  # and never the rest
            silent.append(s)
        for _ in range(1000):
            s = connect(b)
            s.setblocking(False)
            trickle.append(s)
        # One byte a second on each trickling connection: a 64 KiB Metadata request, slowly.
        trickle_frame = struct.pack(">i", 64 << 10) + request_header_v1(3, 1, 1) + b"\x00" * 64
        peak_rss = 0
        sent = 0
        start = time.monotonic()
        while time.monotonic() - start < 10:
            for s in trickle:
                try:
                    s.send(trickle_frame[sent:sent + 1])
                except (BlockingIOError, ConnectionError):
                    pass
            sent += 1
            peak_rss = max(peak_rss, rss_bytes(b.pid))
            b.assert_alive()
            time.sleep(1.0)
        out, _ = prober.communicate(timeout=60)
        assert prober.returncode == 0, "the Metadata prober failed (its connection was dropped?)"
        latencies = json.loads(out)
        assert len(latencies) >= 50, f"only {len(latencies)} Metadata round trips"
        worst = max(latencies)
        # The bound is for the broker as shipped; an ASan+UBSan broker does the same work
        # several times slower (CI runs that one), so it gets a wider one.
        bound = 0.400 if os.environ.get("SAMSA_SANITIZE") else 0.100
        assert worst < bound, f"Metadata took {worst * 1000:.1f} ms under slowloris " \
                              f"(median {sorted(latencies)[len(latencies) // 2] * 1000:.1f} ms)"
        assert peak_rss < 512 << 20, f"broker RSS peaked at {peak_rss >> 20} MiB " \
                                     f"(baseline {baseline_rss >> 20} MiB)"
        held = metric(metrics(b), "kafka_network_socketserver_memorypoolused")
        assert held == 0, f"{held} budget bytes held by connections that sent almost nothing"

        # Every one is closed by the broker once request.timeout.ms passed since its first byte.
        still_open = all_closed_by_peer(silent + trickle, timeout=request_timeout_s + 20)
        assert not still_open, f"{len(still_open)} slowloris connections were never closed"
        text = metrics(b)
        expired = metric(text, "samsa_network_connections_expired_total", reason="request_timeout")
        assert expired == 2000, f"{expired} connections expired, expected 2000"
        wait_until(lambda: metric(metrics(b), "kafka_server_socket_server_metrics_connection_count")
                   == 0, "the connection count to drop back", broker=b)
        with RawClient(b.host, b.port) as c:
            assert api_versions_ok(c)
    finally:
        if prober.poll() is None:
            prober.kill()
        for s in silent + trickle:
            s.close()


def test_request_bytes_budget_applies_backpressure(broker_factory):
    """Clients that really send big frames hold at most queued.max.request.bytes (plus one
    doubling) of broker memory; the rest waits in their socket buffers. Small requests still pass,
    the stalled ones are closed by request.timeout.ms, and the budget is whole again after."""
    budget = 4 << 20
    b = broker_factory({"queued.max.request.bytes": budget, "socket.request.max.bytes": 64 << 20,
                        "request.timeout.ms": 6000})
    hogs = []
    try:
        # More than the kernel's socket buffers absorb, so the broker not reading shows.
        body = memoryview(struct.pack(">i", 64 << 20) + request_header_v1(0, 9, 1) +
                          b"\x00" * (48 << 20))
        for _ in range(4):
            s = connect(b)
            s.setblocking(False)
            hogs.append([s, 0])
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for h in hogs:
                try:
                    h[1] += h[0].send(body[h[1]:h[1] + (1 << 20)])
                except (BlockingIOError, ConnectionError):
                    pass
            time.sleep(0.01)
        text = metrics(b)
        used = metric(text, "kafka_network_socketserver_memorypoolused")
        # Not strict (as Kafka's pool): the grant that crosses the budget may double a buffer.
        assert 0 < used <= 2 * budget + (1 << 20), f"{used} bytes held with a budget of {budget}"
        unsent = sum(len(body) - h[1] for h in hogs)
        assert unsent > 0, "the broker read everything: no backpressure"
        # A small request is not stuck behind them.
        with RawClient(b.host, b.port, timeout=5) as c:
            assert api_versions_ok(c)
        still_open = all_closed_by_peer([h[0] for h in hogs], timeout=30)
        assert not still_open
        wait_until(lambda: metric(metrics(b), "kafka_network_socketserver_memorypoolused") == 0,
                   "the budget to be given back", broker=b)
        assert metric(metrics(b), "samsa_network_connections_expired_total",
                      reason="request_timeout") == 4
    finally:
        for h in hogs:
            h[0].close()


# --- connection quotas ------------------------------------------------------------------------

def test_max_connections_per_ip_and_overrides(broker_factory):
    b = broker_factory({"max.connections.per.ip": 3,
                        "max.connections.per.ip.overrides": "127.0.0.2:5"})
    kept = [raw_from(connect(b)) for _ in range(3)]
    for c in kept:
        assert api_versions_ok(c)
    # Over the limit: accepted, then closed at once (Kafka's TooManyConnectionsException).
    refused = [raw_from(connect(b)) for _ in range(2)]
    for c in refused:
        assert c.is_closed_by_peer(timeout=10), "a connection over max.connections.per.ip stayed open"
    # The override's address gets its own count.
    other = [raw_from(connect(b, source="127.0.0.2")) for _ in range(5)]
    for c in other:
        assert api_versions_ok(c)
    sixth = raw_from(connect(b, source="127.0.0.2"))
    assert sixth.is_closed_by_peer(timeout=10)
    # Existing clients are unaffected, and a freed slot is usable again.
    for c in kept + other:
        assert api_versions_ok(c)
    kept.pop().close()
    wait_until(lambda: metric(metrics(b), "kafka_server_socket_server_metrics_connection_count")
               == 7, "the closed connection to be counted out", broker=b)
    again = raw_from(connect(b))
    assert api_versions_ok(again)
    assert metric(metrics(b), "samsa_network_connections_rejected_total",
                  reason="max_connections_per_ip") == 3
    for c in kept + other + refused + [sixth, again]:
        c.close()


def test_max_connections_blocks_accepting_until_a_slot_frees(broker_factory):
    b = broker_factory({"max.connections": 3})
    held = [raw_from(connect(b)) for _ in range(3)]
    for c in held:
        assert api_versions_ok(c)
    # The fourth completes the TCP handshake (kernel backlog) but is not served...
    waiting = raw_from(connect(b))
    hdr = request_header_v1(18, 0, 77)
    waiting.send_raw(frame(hdr))
    r, _, _ = select.select([waiting.sock], [], [], 2.0)
    assert not r, "a connection beyond max.connections was served (or closed) at once"
    # ...until one of the three closes: then it is accepted and answered, nothing is lost.
    held.pop(0).close()
    waiting.sock.settimeout(10)
    corr, _ = waiting.read_response()
    assert corr == 77
    for c in held:
        assert api_versions_ok(c)
    assert metric(metrics(b), "samsa_network_acceptor_blocked_seconds_total",
                  reason="max_connections") > 0
    for c in held + [waiting]:
        c.close()


def test_max_connections_per_ip_is_dynamic(broker_factory):
    """max.connections.per.ip is a cluster-wide dynamic config, as in Kafka."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
    b = broker_factory({})
    kp = KafkaAdminClient(bootstrap_servers=b.bootstrap, client_id="it-limits")
    try:
        resp = kp.alter_configs([ConfigResource(ConfigResourceType.BROKER, "",
                                                configs={"max.connections.per.ip": "2"})])
    finally:
        kp.close()
    assert resp.resources[0][0] == 0, resp.resources[0]
    # Wait for the limit to be in force.
    def refused_now():
        c = raw_from(connect(b))
        try:
            extra = [raw_from(connect(b)) for _ in range(3)]
            closed = [x.is_closed_by_peer(timeout=1) for x in extra]
            for x in extra:
                x.close()
            return any(closed)
        finally:
            c.close()
    wait_until(refused_now, "the new max.connections.per.ip to apply", timeout=30, broker=b)
    assert metric(metrics(b), "samsa_network_connections_rejected_total",
                  reason="max_connections_per_ip") >= 1


def test_connection_creation_rate_delays_not_refuses(broker_factory):
    b = broker_factory({"max.connection.creation.rate": 4})
    clients = [raw_from(connect(b)) for _ in range(16)]
    # Every one of them is served: a rate is kept by accepting later, never by refusing.
    for c in clients:
        c.sock.settimeout(30)
        assert api_versions_ok(c)
    assert metric(metrics(b), "samsa_network_acceptor_blocked_seconds_total",
                  reason="connection_creation_rate") > 0
    assert metric(metrics(b), "samsa_network_connections_rejected_total",
                  reason="max_connections_per_ip") == 0
    for c in clients:
        c.close()


def test_idle_connections_are_closed(broker_factory):
    b = broker_factory({"connections.max.idle.ms": 1500})
    idle = raw_from(connect(b))
    assert api_versions_ok(idle)
    busy = raw_from(connect(b))
    # A connection in use is never idle: requests every 300 ms for 4 s keep it open.
    end = time.monotonic() + 4
    while time.monotonic() < end:
        assert api_versions_ok(busy)
        time.sleep(0.3)
    assert idle.is_closed_by_peer(timeout=10), "an idle connection outlived connections.max.idle.ms"
    assert api_versions_ok(busy)
    assert metric(metrics(b), "samsa_network_connections_expired_total", reason="idle") == 1
    busy.close()
    idle.close()


def test_bind_failures_name_the_address_and_key(broker_factory):
    """A second broker whose metadata-quorum or Kafka port is taken says which and by what key."""
    first = broker_factory({})
    second = broker_factory({"controller.quorum.voters": f"1@127.0.0.1:{first.controller_port}"},
                            start=False)
    with pytest.raises(Exception) as e:
        second.start()
    assert "controller.quorum.voters" in str(e.value) and \
        f"127.0.0.1:{first.controller_port}" in str(e.value) and "in use" in str(e.value), str(e.value)
    third = broker_factory({"listeners": f"PLAINTEXT://127.0.0.1:{first.port}"}, start=False)
    with pytest.raises(Exception) as e:
        third.start()
    assert "listeners: cannot listen on" in str(e.value) and str(first.port) in str(e.value), \
        str(e.value)


def test_listener_host_names_resolve(broker_factory):
    b = broker_factory({}, start=False)
    b.overrides["listeners"] = f"PLAINTEXT://localhost:{b.port}"
    b.start()
    with RawClient("127.0.0.1", b.port) as c:
        assert api_versions_ok(c)
