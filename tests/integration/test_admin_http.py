"""The admin HTTP server itself: basic routes, bounded bodies, and hostile or slow HTTP clients,
which must neither crash the broker nor hold its worker threads forever."""

import http.client
import json
import socket
import time

import pytest
from rest_client import RestClient
from samsa_fixture import RawClient

SMALL = {"admin.http.threads": "4", "admin.http.request.timeout.ms": "1000",
         "admin.http.max.body.bytes": "4096"}


def get(b, path, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", b.admin_port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def assert_kafka_serving(b):
    assert b.alive(), f"broker died; log {b.log_path}"
    with RawClient(b.host, b.port) as c:
        err, _ = c.api_versions(0)
    assert err == 0


def test_basic_routes(broker):
    rest = RestClient(broker)
    assert rest.get("/v1/status/live").json == {"status": "live"}
    assert rest.get("/v1/status/ready").json == {"status": "ready"}
    status, headers, body = get(broker, "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    doc = rest.get("/openapi.json").json
    assert doc["openapi"].startswith("3.1") and "/v1/status/ready" in doc["paths"]
    r = rest.get("/no/such/route")
    assert r.status == 404 and r.json["error_code"] == 404
    assert r.headers["content-type"].startswith("application/json")
    r = rest.post("/v1/status/ready", body={})
    assert r.status == 405 and r.json["error_code"] == 405


@pytest.mark.broker_overrides(SMALL)
def test_oversized_bodies_are_refused_without_reading_them(broker):
    rest = RestClient(broker)
    r = rest.request("POST", "/v1/status/ready", raw=b"x" * 5000,
                     headers={"Content-Type": "application/json"}, validate=False)
    assert r.status in (405, 413)
    # A declared length far beyond any bound is answered at once, before anything is read or
    # allocated for it (REST tests check the 413 of routes that take bodies).
    s = socket.create_connection(("127.0.0.1", broker.admin_port), timeout=10)
    try:
        s.sendall(b"POST /openapi.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1099511627776\r\n\r\n")
        head = s.recv(4096)
        assert head.startswith(b"HTTP/1.1 4"), head
    finally:
        s.close()
    assert_kafka_serving(broker)


@pytest.mark.broker_overrides(SMALL)
def test_slow_clients_cannot_hold_the_worker_threads(broker):
    # Four times as many half-sent requests as there are worker threads.
    slow = []
    for _ in range(16):
        s = socket.create_connection(("127.0.0.1", broker.admin_port), timeout=10)
        s.sendall(b"GET /v1/status/live HTTP/1.1\r\nHost: x\r\n")  # never finished
        slow.append(s)
    try:
        # Each stalled request is dropped after admin.http.request.timeout.ms, so a well-behaved
        # client is served well within the deadline (generous: it is not a timing assertion).
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status, _, body = get(broker, "/v1/status/live", timeout=30)
                break
            except (socket.timeout, ConnectionError):
                continue
        assert status == 200
        assert_kafka_serving(broker)
    finally:
        for s in slow:
            s.close()


@pytest.mark.broker_overrides(SMALL)
def test_garbage_and_huge_headers(broker):
    for payload in (b"\x00\x01\x02garbage\r\n\r\n", b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 200000 +
                    b"\r\n\r\n", b"NOTAMETHOD /v3 HTTP/9.9\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", broker.admin_port), timeout=10)
        try:
            try:
                s.sendall(payload)
                s.recv(4096)  # an error status or a close; either is fine
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                pass
        finally:
            s.close()
    status, _, body = get(broker, "/v1/status/ready")
    assert status == 200 and json.loads(body)["status"] == "ready"
    assert_kafka_serving(broker)


def test_keep_alive_serves_many_requests_on_one_connection(broker):
    conn = http.client.HTTPConnection("127.0.0.1", broker.admin_port, timeout=10)
    try:
        for _ in range(20):
            conn.request("GET", "/v1/status/live")
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read()) == {"status": "live"}
    finally:
        conn.close()
