"""SASL on a SASL_PLAINTEXT listener, end to end: PLAIN through the listener's JAAS users with kcat,
confluent-kafka, kafka-python (SaslHandshake v0: raw tokens) and kafkajs; bad credentials, protocol
abuse (garbage and oversized tokens, requests out of order), the raw v0 token path, the
authentication timeout, the failed-authentication delay, KIP-368 session expiry and
re-authentication, startup refusal of unimplemented mechanisms (and of GSSAPI without Kerberos
settings), and the metrics. The SCRAM client
here drives the native SCRAM server over the wire (no credential store is wired yet, so every SCRAM
user is unknown; the lead's merge adds the success path)."""

import base64
import hashlib
import hmac
import http.client
import os
import shutil
import struct
import subprocess
import time

import pytest
from samsa_fixture import (Broker, BrokerError, RawClient, Reader, encode_string, frame,
                           request_header_v1, run_broker, wait_until)

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
LISTENER = "SASL_PLAINTEXT"
JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username="admin" password="admin-secret" '
        'user_admin="admin-secret" user_alice="alice-secret" user_bob="b\\"ob;pw";')
DELAY_MS = 400


def sasl_overrides(**extra):
    o = {
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": JAAS,
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        "connection.failed.authentication.delay.ms": DELAY_MS,
        "auto.create.topics.enable": "true",
        "num.partitions": 3,
    }
    o.update(extra)
    return o


# -- raw protocol helpers --------------------------------------------------------------------------

API_SASL_HANDSHAKE = 17
API_SASL_AUTHENTICATE = 36
API_METADATA = 3
ERR_UNSUPPORTED_SASL_MECHANISM = 33
ERR_ILLEGAL_SASL_STATE = 34
ERR_SASL_AUTHENTICATION_FAILED = 58


def encode_bytes(b):
    return struct.pack(">i", len(b)) + b


def handshake(c, mechanism, version=1):
    r = Reader(c.request(API_SASL_HANDSHAKE, version, encode_string(mechanism)))
    return r.i16(), r.array(lambda rr: rr.string())


def authenticate(c, token, version=1):
    """SaslAuthenticate v0/v1: (error, message, auth_bytes, session_lifetime_ms)."""
    r = Reader(c.request(API_SASL_AUTHENTICATE, version, encode_bytes(token)))
    err = r.i16()
    msg = r.string()
    auth = r.take(r.i32())
    lifetime = struct.unpack(">q", r.take(8))[0] if version >= 1 else None
    return err, msg, auth, lifetime


def plain_token(user, password, authzid=""):
    return f"{authzid}\0{user}\0{password}".encode()


def login_plain(c, user="alice", password="alice-secret", version=1):
    assert handshake(c, "PLAIN")[0] == 0
    err, msg, _, lifetime = authenticate(c, plain_token(user, password), version)
    assert err == 0, msg
    return lifetime


def metadata_ok(c):
    c.request(API_METADATA, 1, struct.pack(">i", -1))
    return True


class ScramClient:
    """RFC 5802 client as Kafka's Java client sends it."""

    def __init__(self, user, password, mech="SCRAM-SHA-256"):
        self.user, self.password = user, password
        self.h = hashlib.sha256 if mech.endswith("256") else hashlib.sha512
        self.cnonce = base64.b64encode(os.urandom(18)).decode()

    def first(self):
        self.bare = f"n={self.user},r={self.cnonce}"
        return ("n,," + self.bare).encode()

    def final(self, server_first):
        self.server_first = server_first.decode()
        attrs = dict(a.split("=", 1) for a in self.server_first.split(","))
        salted = hashlib.pbkdf2_hmac(self.h().name, self.password.encode(),
                                     base64.b64decode(attrs["s"]), int(attrs["i"]))
        without_proof = f"c=biws,r={attrs['r']}"
        auth = f"{self.bare},{self.server_first},{without_proof}".encode()
        client_key = hmac.new(salted, b"Client Key", self.h).digest()
        sig = hmac.new(self.h(client_key).digest(), auth, self.h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


def metrics_text(b):
    # A keep-alive request, read to the end before we close: the admin server closes with
    # linger_timeout_ms=0 (an RST that can cut a large body short) when the client asks for
    # Connection: close, as urllib does.
    c = http.client.HTTPConnection(b.host, b.admin_port, timeout=10)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        assert r.status == 200, r.status
        return r.read().decode()
    finally:
        c.close()


def metric_value(text, name, **labels):
    total = None
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total = (total or 0) + float(line.rsplit(" ", 1)[1])
    return total


def auth_lines(b, result):
    return [l for l in b.log_text().splitlines()
            if "event=authentication" in l and f"result={result}" in l]


# -- the broker ------------------------------------------------------------------------------------

class SaslBroker(Broker):
    """A broker whose one Kafka listener is SASL_PLAINTEXT (on whatever port the fixture picked,
    also after a port-clash retry)."""

    def command(self):
        self.overrides["listeners"] = f"SASL_PLAINTEXT://127.0.0.1:{self.port}"
        return super().command()


@pytest.fixture(scope="module")
def b(request):
    yield from run_broker(request, SaslBroker(overrides=sasl_overrides(), name="sasl"))


@pytest.fixture
def sasl_factory(request):
    """SASL brokers made inside a test (started unless start=False); all cleaned up."""
    failed_before = request.session.testsfailed
    made = []

    def make(start=True, **extra):
        br = SaslBroker(overrides=sasl_overrides(**extra), name=request.node.name[:40])
        made.append(br)
        return br.start() if start else br

    yield make
    for br in made:
        br.cleanup(keep=request.session.testsfailed > failed_before)


# -- real clients ----------------------------------------------------------------------------------

def kcat(*args, stdin=None, timeout=60):
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed"
    return subprocess.run([exe, *args], input=stdin, capture_output=True, timeout=timeout)


def kcat_sasl(b, user, password, *args, **kw):
    return kcat("-b", b.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
                "-X", "sasl.mechanisms=PLAIN", "-X", f"sasl.username={user}",
                "-X", f"sasl.password={password}", *args, **kw)


def test_kcat_plain_produce_consume(b):
    lines = b"".join(f"k{i}\tv{i}\n".encode() for i in range(100))
    r = kcat_sasl(b, "alice", "alice-secret", "-P", "-t", "kcat-sasl", "-K", "\t", stdin=lines)
    assert r.returncode == 0, r.stderr.decode()
    r = kcat_sasl(b, "alice", "alice-secret", "-C", "-t", "kcat-sasl", "-o", "beginning", "-e",
                  "-q", "-f", "%k\t%s\n")
    assert r.returncode == 0, r.stderr.decode()
    got = sorted(r.stdout.decode().splitlines())
    assert got == sorted(f"k{i}\tv{i}" for i in range(100))
    assert any("principal=User:alice" in l and "mechanism=PLAIN" in l
               for l in auth_lines(b, "success"))


def test_kcat_quoted_jaas_password(b):
    r = kcat_sasl(b, "bob", 'b"ob;pw', "-L", "-m", "10")
    assert r.returncode == 0, r.stderr.decode()


@pytest.mark.parametrize("user,password", [("alice", "wrong"), ("mallory", "alice-secret")])
def test_kcat_bad_credentials_fail_cleanly(b, user, password):
    before = len(auth_lines(b, "failure"))
    r = kcat_sasl(b, user, password, "-L", "-m", "5", timeout=30)
    err = r.stderr.decode()
    assert r.returncode != 0, r.stdout.decode()
    assert "Authentication failed" in err, err
    wait_until(lambda: len(auth_lines(b, "failure")) > before, "a failure log line", timeout=10)
    line = auth_lines(b, "failure")[-1]
    assert f"listener={LISTENER}" in line and "mechanism=PLAIN" in line and "peer=127.0.0.1" in line
    # The broker keeps serving everyone else.
    r = kcat_sasl(b, "alice", "alice-secret", "-L", "-m", "10")
    assert r.returncode == 0, r.stderr.decode()


def test_confluent_kafka_produce_and_group_consume(b):
    from confluent_kafka import Consumer, Producer
    conf = {"bootstrap.servers": b.bootstrap, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "PLAIN", "sasl.username": "alice", "sasl.password": "alice-secret"}
    p = Producer(conf)
    for i in range(300):
        p.produce("ck-sasl", key=f"k{i % 5}".encode(), value=f"v{i}".encode())
    assert p.flush(30) == 0
    c = Consumer({**conf, "group.id": "ck-sasl-group", "auto.offset.reset": "earliest"})
    c.subscribe(["ck-sasl"])
    seen = set()
    deadline = time.monotonic() + 60
    while len(seen) < 300 and time.monotonic() < deadline:
        m = c.poll(1.0)
        if m is not None and m.error() is None:
            seen.add(m.value().decode())
    c.commit(asynchronous=False)
    c.close()
    assert seen == {f"v{i}" for i in range(300)}


def test_confluent_kafka_wrong_password_reports_authentication_error(b):
    from confluent_kafka import KafkaError, Producer
    errors = []
    p = Producer({"bootstrap.servers": b.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                  "sasl.mechanisms": "PLAIN", "sasl.username": "alice",
                  "sasl.password": "nope", "error_cb": errors.append})
    deadline = time.monotonic() + 15
    while not any(e.code() == KafkaError._AUTHENTICATION for e in errors) and \
            time.monotonic() < deadline:
        p.poll(0.5)
    assert any(e.code() == KafkaError._AUTHENTICATION for e in errors), errors
    assert any("Invalid username or password" in e.str() for e in errors), errors


def kafka_python_conf(b, user, password):
    return dict(bootstrap_servers=b.bootstrap, security_protocol="SASL_PLAINTEXT",
                sasl_mechanism="PLAIN", sasl_plain_username=user, sasl_plain_password=password,
                api_version=(2, 5, 0), request_timeout_ms=20000)


def test_kafka_python_raw_v0_tokens_produce_and_group_consume(b):
    # kafka-python 2.0.2 sends SaslHandshake v0 and then the PLAIN token as a bare frame.
    from kafka import KafkaConsumer, KafkaProducer

    def sasl_requests():
        text = metrics_text(b)
        return (metric_value(text, "kafka_network_requestmetrics_requests_total",
                             request="SaslHandshake", version="0") or 0,
                metric_value(text, "kafka_network_requestmetrics_requests_total",
                             request="SaslAuthenticate") or 0)

    handshakes_v0, authenticates = sasl_requests()
    p = KafkaProducer(**kafka_python_conf(b, "alice", "alice-secret"))
    for i in range(100):
        p.send("kp-sasl", key=b"k", value=f"v{i}".encode())
    p.flush(30)
    p.close()
    c = KafkaConsumer("kp-sasl", group_id="kp-sasl-group", auto_offset_reset="earliest",
                      consumer_timeout_ms=15000, **kafka_python_conf(b, "alice", "alice-secret"))
    values = [m.value.decode() for m in c]
    c.close()
    assert values == [f"v{i}" for i in range(100)]
    # It really took the v0 path: handshakes v0, and no SaslAuthenticate requests.
    now_v0, now_auth = sasl_requests()
    assert now_v0 > handshakes_v0 and now_auth == authenticates


def test_kafka_python_wrong_password_fails(b):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    before = len(auth_lines(b, "failure"))
    with pytest.raises(KafkaError):
        KafkaProducer(max_block_ms=5000, **kafka_python_conf(b, "alice", "nope")).send(
            "kp-sasl", b"x").get(timeout=10)
    assert len(auth_lines(b, "failure")) > before


def run_node(*args, timeout=120):
    node = shutil.which("node")
    assert node, "node is not installed"
    assert os.path.isfile(os.path.join(JS_DIR, "node_modules", "kafkajs", "package.json")), \
        "kafkajs missing: copy tests/integration/js/node_modules from main"
    r = subprocess.run([node, os.path.join(JS_DIR, "sasl.js"), *args], cwd=JS_DIR,
                       capture_output=True, timeout=timeout)
    assert r.returncode == 0, f"sasl.js {args} exited {r.returncode}\n{r.stdout.decode()}\n" \
                              f"{r.stderr.decode()[-3000:]}"
    return r.stdout.decode()


def test_kafkajs_plain_produce_and_group_consume(b):
    assert "consumed 200" in run_node(b.bootstrap, "kjs-sasl", "alice", "alice-secret", "ok")


def test_kafkajs_wrong_password_fails(b):
    assert "refused" in run_node(b.bootstrap, "kjs-sasl", "alice", "bad", "fail")


# -- raw protocol ----------------------------------------------------------------------------------

def test_handshake_lists_mechanisms_and_refuses_unknown(b):
    with RawClient(b.host, b.port) as c:
        c.api_versions()  # allowed before authentication
        err, mechs = handshake(c, "GSSAPI")
        assert err == ERR_UNSUPPORTED_SASL_MECHANISM
        assert mechs == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
        assert c.is_closed_by_peer()


def test_authenticate_before_handshake_is_illegal_state(b):
    with RawClient(b.host, b.port) as c:
        err, msg, _, _ = authenticate(c, plain_token("alice", "alice-secret"))
        assert err == ERR_ILLEGAL_SASL_STATE, msg
        assert c.is_closed_by_peer()


def test_non_sasl_request_before_authentication_closes(b):
    with RawClient(b.host, b.port) as c:
        c.send_raw(frame(request_header_v1(API_METADATA, 1, 1) + struct.pack(">i", -1)))
        assert c.is_closed_by_peer()
    # Also after the handshake, before the token; there not even ApiVersions is accepted.
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        c.send_raw(frame(request_header_v1(API_METADATA, 1, 2) + struct.pack(">i", -1)))
        assert c.is_closed_by_peer()
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        c.send_raw(frame(request_header_v1(18, 0, 2)))
        assert c.is_closed_by_peer()
    # A second handshake in the middle of an exchange.
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        assert handshake(c, "PLAIN")[0] == ERR_ILLEGAL_SASL_STATE
        assert c.is_closed_by_peer()


def test_garbage_token_fails_after_the_delay_and_closes(b):
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        t0 = time.monotonic()
        err, msg, _, _ = authenticate(c, b"\xff\x00garbage")
        elapsed = time.monotonic() - t0
        assert err == ERR_SASL_AUTHENTICATION_FAILED
        assert msg and "PLAIN" in msg or "tokens" in msg, msg
        assert elapsed >= DELAY_MS / 1000 * 0.9, elapsed
        assert c.is_closed_by_peer()


def test_wrong_password_message_and_delay(b):
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        t0 = time.monotonic()
        err, msg, _, _ = authenticate(c, plain_token("alice", "nope"), version=2 - 1)
        assert time.monotonic() - t0 >= DELAY_MS / 1000 * 0.9
        assert (err, msg) == (ERR_SASL_AUTHENTICATION_FAILED,
                              "Authentication failed: Invalid username or password")
        assert c.is_closed_by_peer()


def test_authzid_must_equal_user(b):
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        err, msg, _, _ = authenticate(c, plain_token("alice", "alice-secret", authzid="admin"))
        assert err == ERR_SASL_AUTHENTICATION_FAILED and "authorization id" in msg
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        assert authenticate(c, plain_token("alice", "alice-secret", authzid="alice"))[0] == 0
        assert metadata_ok(c)


def test_oversized_token_closes(b):
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        # A SaslAuthenticate frame over sasl.server.max.receive.size (524288): only the size is
        # sent; the broker must close without waiting for (or allocating) the body.
        c.send_raw(struct.pack(">i", 524288 + 1))
        assert c.is_closed_by_peer()
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN", version=0)[0] == 0
        c.send_raw(struct.pack(">i", 600000) + b"x" * 100)
        assert c.is_closed_by_peer()


def test_authenticate_v0_v1_v2_success_then_requests(b):
    for version in (0, 1):
        with RawClient(b.host, b.port) as c:
            assert login_plain(c, version=version) in (None, 0)
            assert metadata_ok(c)
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        # v2 is flexible: compact bytes and tagged fields.
        token = plain_token("alice", "alice-secret")
        body = bytes([len(token) + 1]) + token + b"\x00"
        r = Reader(c.request(API_SASL_AUTHENTICATE, 2, body, flexible=True)[1:])  # header tags
        assert r.i16() == 0
        assert metadata_ok(c)
        # A second SaslAuthenticate once authenticated: ILLEGAL_SASL_STATE, connection kept.
        err, _, _, _ = authenticate(c, token)
        assert err == ERR_ILLEGAL_SASL_STATE
        assert metadata_ok(c)


def raw_v0_login(c, token):
    assert handshake(c, "PLAIN", version=0)[0] == 0
    c.send_raw(struct.pack(">i", len(token)) + token)
    return c


def test_raw_v0_token_path(b):
    with RawClient(b.host, b.port) as c:
        raw_v0_login(c, plain_token("alice", "alice-secret"))
        assert c.recv_exact(4) == b"\x00\x00\x00\x00"  # PLAIN's empty answer, size-prefixed
        assert metadata_ok(c)
    with RawClient(b.host, b.port) as c:
        t0 = time.monotonic()
        raw_v0_login(c, plain_token("alice", "nope"))
        assert c.is_closed_by_peer()  # no error frame exists in the raw protocol
        assert time.monotonic() - t0 >= DELAY_MS / 1000 * 0.9
    with RawClient(b.host, b.port) as c:
        raw_v0_login(c, b"")  # an empty token is a (malformed) token, not a protocol error
        assert c.is_closed_by_peer()


def test_scram_exchange_runs_over_the_wire(b):
    # No credential store yet: the user is unknown, which Kafka reports at the first message with
    # the same words as a wrong password.
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "SCRAM-SHA-256")[0] == 0
        s = ScramClient("alice", "alice-secret")
        err, msg, _, _ = authenticate(c, s.first())
        assert err == ERR_SASL_AUTHENTICATION_FAILED
        assert msg == ("Authentication failed during authentication due to invalid credentials "
                       "with SASL mechanism SCRAM-SHA-256")
        assert c.is_closed_by_peer()
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "SCRAM-SHA-512")[0] == 0
        err, _, _, _ = authenticate(c, b"y,,n=alice,r=abc")  # channel binding requested
        assert err == ERR_SASL_AUTHENTICATION_FAILED


def test_failure_metrics(b):
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "PLAIN")[0] == 0
        authenticate(c, plain_token("alice", "nope"))
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "NO\nSUCH")[0] == ERR_UNSUPPORTED_SASL_MECHANISM
        assert c.is_closed_by_peer()
    text = metrics_text(b)
    # The client's mechanism name never becomes a label value, nor a raw line in the log.
    assert metric_value(text, "samsa_sasl_authentication_failures_total", listener=LISTENER,
                        mechanism="unsupported") >= 1
    assert "NO\nSUCH" not in b.log_text() and "NO?SUCH" in b.log_text()
    assert metric_value(text, "samsa_sasl_authentication_failures_total", listener=LISTENER,
                        mechanism="PLAIN") >= 1
    assert metric_value(text, "kafka_server_socket_server_metrics_failed_authentication_total",
                        listener=LISTENER) >= 1
    assert metric_value(text, "kafka_server_socket_server_metrics_successful_authentication_total",
                        listener=LISTENER) >= 1


# -- timeouts, re-authentication, startup ---------------------------------------------------------

def test_unauthenticated_connection_times_out(sasl_factory):
    br = sasl_factory(**{"sasl.authentication.timeout.ms": 1500})
    with RawClient(br.host, br.port) as idle, RawClient(br.host, br.port) as good:
        login_plain(good)
        idle.api_versions()
        t0 = time.monotonic()
        assert idle.is_closed_by_peer(timeout=6)
        assert 1.2 <= time.monotonic() - t0 + 0.1 <= 4.5
        time.sleep(1.0)
        assert metadata_ok(good)  # authenticated connections are not affected
    assert "reason=authentication_timeout" in br.log_text()


def test_reauthentication_and_session_expiry(sasl_factory):
    br = sasl_factory(**{"connections.max.reauth.ms": 2000})
    with RawClient(br.host, br.port) as c:
        assert login_plain(c) == 2000  # SaslAuthenticate v1 tells the client its session lifetime
        time.sleep(1.2)
        # KIP-368: a new handshake + authenticate on the authenticated connection.
        assert login_plain(c) == 2000
        time.sleep(1.2)  # past the first session's end, inside the second's
        assert metadata_ok(c)
        # Re-authenticating as someone else is refused.
        assert handshake(c, "PLAIN")[0] == 0
        err, msg, _, _ = authenticate(c, plain_token("admin", "admin-secret"))
        assert err == ERR_SASL_AUTHENTICATION_FAILED and "principal" in msg
    with RawClient(br.host, br.port) as c:
        login_plain(c)
        assert handshake(c, "SCRAM-SHA-256")[0] == ERR_ILLEGAL_SASL_STATE
        assert c.is_closed_by_peer()
    with RawClient(br.host, br.port) as c:
        login_plain(c)
        assert c.is_closed_by_peer(timeout=5)  # no re-authentication: closed at expiry
    assert "reason=session_expired" in br.log_text()


def test_unimplemented_mechanism_stops_startup(sasl_factory):
    br = sasl_factory(start=False, **{"sasl.enabled.mechanisms": "PLAIN,CRAM-MD5"})
    with pytest.raises(BrokerError) as e:
        br.start(timeout=20)
    assert "sasl.enabled.mechanisms" in str(e.value), str(e.value)
    assert "CRAM-MD5" in str(e.value), str(e.value)
    # GSSAPI (Kafka's default) is implemented but needs Kerberos settings (test_sasl_gssapi.py
    # runs it against a KDC): without them startup stops naming the missing key.
    br = sasl_factory(start=False, **{"sasl.enabled.mechanisms": "GSSAPI"})
    with pytest.raises(BrokerError) as e:
        br.start(timeout=20)
    assert "sasl.kerberos.service.name" in str(e.value), str(e.value)
    assert "GSSAPI" in str(e.value), str(e.value)
    br = sasl_factory(start=False, **{
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": 'Foo required user_a="sekrit"'})
    with pytest.raises(BrokerError) as e:
        br.start(timeout=20)
    assert "listener.name.sasl_plaintext.plain.sasl.jaas.config" in str(e.value), str(e.value)
    # The error names the key, never the value (it holds passwords); the fixture's own command
    # line at the top of the log does hold it.
    after_command = br.log_text().split("\n", 1)[1]
    assert "sekrit" not in after_command, after_command


def test_per_listener_mechanisms(sasl_factory):
    br = sasl_factory(**{
        "sasl.enabled.mechanisms": "GSSAPI",
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN"})
    with RawClient(br.host, br.port) as c:
        err, mechs = handshake(c, "SCRAM-SHA-256")
        assert (err, mechs) == (ERR_UNSUPPORTED_SASL_MECHANISM, ["PLAIN"])
    with RawClient(br.host, br.port) as c:
        login_plain(c)
        assert metadata_ok(c)
