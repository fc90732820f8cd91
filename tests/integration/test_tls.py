"""TLS on SSL listeners end to end: kcat, confluent-kafka, kafka-python and kafkajs produce and
consume over TLS; mutual TLS with ssl.client.auth=required and a mapped principal; expired,
untrusted and unmapped client certificates are refused while the broker keeps serving; plaintext
to a TLS port and TLS to a plaintext port; a stalled handshake is closed; PKCS12 and inline PEM key
stores; a bad key password stops startup naming the key; the certificate expiry metric. Every
certificate is made at test time with the openssl CLI (tls_certs.py). Reloads: test_tls_reload.py."""

import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import time
import urllib.request

import pytest
from samsa_fixture import BrokerError, RawClient, frame, request_header_v1, wait_until
from tls_certs import Pki, server_serial

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
N = 2000
RULES = "RULE:^CN=([^,]+),OU=clients,O=Samsa$/$1/L"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(str(tmp_path_factory.mktemp("pki")))
    p.server = p.issue("server", "/O=Samsa/CN=localhost", 0x51, server=True)
    p.alice = p.issue("alice", "/O=Samsa/OU=clients/CN=Alice", 0x61)
    p.bob_enc = p.issue("bob", "/O=Samsa/OU=clients/CN=bob", 0x62, key_password="bobpw")
    p.mallory = p.issue("mallory", "/O=Elsewhere/CN=mallory", 0x63)  # trusted, matches no rule
    p.expired = p.issue("expired", "/O=Samsa/OU=clients/CN=old", 0x64, expired=True)
    p.untrusted = p.issue("untrusted", "/O=Samsa/OU=clients/CN=eve", 0x65, ca=p.other_ca)
    return p


def tls_broker(broker_factory, pki, extra=None, plaintext_too=False, start=True):
    """A broker whose first listener is SSL (keystore: the server PEM file unless `extra` says
    otherwise); with plaintext_too a PLAINTEXT listener follows on another port."""
    overrides = {"auto.create.topics.enable": "true", "num.partitions": 1,
                 "ssl.keystore.location": pki.keystore_pem(pki.server)}
    overrides.update(extra or {})
    b = broker_factory(overrides, start=False)
    listeners = f"SSL://127.0.0.1:{b.port}"
    if plaintext_too:
        b.plain_port = _free_port_besides(b)
        listeners += f",PLAINTEXT://127.0.0.1:{b.plain_port}"
    b.overrides["listeners"] = listeners
    return b.start() if start else b


def _free_port_besides(b):
    from samsa_fixture import free_port
    while True:
        p = free_port()
        if p not in (b.port, b.controller_port, b.admin_port):
            return p


def kcat_args(pki, cert=None, password=None):
    args = ["-X", "security.protocol=ssl", "-X", f"ssl.ca.location={pki.path('ca.pem')}"]
    if cert:
        args += ["-X", f"ssl.certificate.location={cert}.pem", "-X", f"ssl.key.location={cert}.key"]
    if password:
        args += ["-X", f"ssl.key.password={password}"]
    return args


def kcat(b, *args, stdin=None, timeout=60):
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed"
    return subprocess.run([exe, "-b", b.bootstrap, *args], input=stdin, capture_output=True,
                          timeout=timeout)


def kcat_roundtrip(b, pki, topic, cert=None, password=None, n=N):
    tls = kcat_args(pki, cert, password)
    lines = "".join(f"k{i % 5}\tkcat-{i}\n" for i in range(n)).encode()
    r = kcat(b, *tls, "-P", "-t", topic, "-K", "\t", stdin=lines)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    r = kcat(b, *tls, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n")
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    assert r.stdout.decode().splitlines() == [f"kcat-{i}" for i in range(n)]


def kcat_refused(b, pki, cert):
    """kcat with this client certificate gets no metadata (the handshake or login fails)."""
    r = kcat(b, *kcat_args(pki, cert), "-L", "-m", "5", timeout=30)
    assert r.returncode != 0, r.stdout.decode()


def confluent_config(b, pki):
    return {"bootstrap.servers": b.bootstrap, "security.protocol": "SSL",
            "ssl.ca.location": pki.path("ca.pem")}


def test_kcat_over_ssl(broker_factory, pki):
    b = tls_broker(broker_factory, pki)
    kcat_roundtrip(b, pki, "tls-kcat")
    # Server authentication is real: a client trusting another CA refuses the broker.
    r = kcat(b, "-X", "security.protocol=ssl", "-X", f"ssl.ca.location={pki.path('other-ca.pem')}",
             "-L", "-m", "5", timeout=30)
    assert r.returncode != 0
    # Fetches on TLS copy the record bytes (no sendfile under OpenSSL).
    metrics = urllib.request.urlopen(b.admin_url + "/metrics", timeout=10).read().decode()
    sendfile = re.search(r'samsa_kafka_fetch_record_bytes_total\{path="sendfile"\} (\S+)', metrics)
    copy = re.search(r'samsa_kafka_fetch_record_bytes_total\{path="copy"\} (\S+)', metrics)
    assert sendfile and float(sendfile.group(1)) == 0 and copy and float(copy.group(1)) > 0


def test_confluent_kafka_over_ssl(broker_factory, pki):
    from confluent_kafka import Consumer, Producer
    b = tls_broker(broker_factory, pki)
    producer = Producer(confluent_config(b, pki))
    for i in range(N):
        producer.produce("tls-ck", key=f"k{i % 5}", value=f"ck-{i}")
    assert producer.flush(30) == 0
    consumer = Consumer({**confluent_config(b, pki), "group.id": "tls-ck-group",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe(["tls-ck"])
    got = []
    deadline = time.monotonic() + 60
    while len(got) < N and time.monotonic() < deadline:
        m = consumer.poll(1.0)
        if m is not None and not m.error():
            got.append(m.value().decode())
    consumer.close()
    assert got == [f"ck-{i}" for i in range(N)]


def test_kafka_python_over_ssl(broker_factory, pki):
    from kafka import KafkaConsumer, KafkaProducer
    b = tls_broker(broker_factory, pki)
    tls = {"security_protocol": "SSL", "ssl_cafile": pki.path("ca.pem")}
    producer = KafkaProducer(bootstrap_servers=b.bootstrap, **tls)
    for i in range(N):
        producer.send("tls-kp", key=f"k{i % 5}".encode(), value=f"kp-{i}".encode())
    producer.flush(30)
    producer.close()
    consumer = KafkaConsumer("tls-kp", bootstrap_servers=b.bootstrap, auto_offset_reset="earliest",
                             consumer_timeout_ms=15000, **tls)
    got = [m.value.decode() for m in consumer]
    consumer.close()
    assert got == [f"kp-{i}" for i in range(N)]


def test_kafkajs_over_mutual_tls(broker_factory, pki):
    b = tls_broker(broker_factory, pki, {"ssl.client.auth": "required",
                                         "ssl.truststore.location": pki.path("ca.pem"),
                                         "ssl.principal.mapping.rules": RULES})
    node = shutil.which("node")
    assert node and os.path.isfile(os.path.join(JS_DIR, "node_modules", "kafkajs", "package.json"))
    r = subprocess.run([node, os.path.join(JS_DIR, "tls_roundtrip.js"), b.bootstrap, "tls-kjs",
                        str(N), pki.path("ca.pem"), pki.alice + ".pem", pki.alice + ".key"],
                       cwd=JS_DIR, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "scenario passed" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    assert "principal=User:alice" in b.log_text()


def test_mutual_tls_required_maps_principal_and_refuses_bad_certificates(broker_factory, pki):
    b = tls_broker(broker_factory, pki, {"ssl.client.auth": "required",
                                         "ssl.truststore.location": pki.path("ca.pem"),
                                         "ssl.principal.mapping.rules": RULES}, start=False)
    b.overrides["audit.log.file"] = os.path.join(b.root, "audit.log")
    b.start()
    kcat_roundtrip(b, pki, "tls-mtls", cert=pki.alice, n=200)
    log = b.log_text()
    assert re.search(r"event=authentication result=success listener=SSL protocol=SSL peer=\S+ "
                     r'principal=User:alice dn="CN=Alice,OU=clients,O=Samsa"', log), log[-3000:]
    # An encrypted client key works the same (the client decrypts it).
    kcat_roundtrip(b, pki, "tls-mtls-bob", cert=pki.bob_enc, password="bobpw", n=50)
    assert "principal=User:bob" in b.log_text()

    kcat_refused(b, pki, None)  # no certificate at all
    kcat_refused(b, pki, pki.expired)
    kcat_refused(b, pki, pki.untrusted)
    kcat_refused(b, pki, pki.mallory)  # trusted, but no mapping rule applies
    log = b.log_text()
    assert "certificate has expired" in log, log[-3000:]
    assert re.search(r"event=tls_handshake_failed .*(unable to get local issuer|unknown ca|"
                     r"certificate verify failed)", log), log[-3000:]
    assert re.search(r'event=authentication result=failure .*dn="CN=mallory,O=Elsewhere"', log)
    # The audit log has each certificate authentication, accepted or refused.
    with open(b.overrides["audit.log.file"]) as f:
        audit = [json.loads(line) for line in f if line.strip()]
    tls = [x for x in audit if x.get("api") == "TlsHandshake"]
    assert any(x["result"] == "success" and x["principal"] == "User:alice" and
               x["listener"] == "SSL" and x["resource"] == "Mechanism:SSL" for x in tls), tls[-5:]
    assert any(x["result"] == "failure" and "expired" in x["reason"] for x in tls), tls[-5:]
    assert any(x["result"] == "failure" and "CN=mallory" in x["reason"] for x in tls), tls[-5:]
    # The broker kept serving throughout.
    b.assert_alive()
    kcat_roundtrip(b, pki, "tls-mtls-after", cert=pki.alice, n=50)


def test_client_auth_requested_gives_anonymous_without_certificate(broker_factory, pki):
    b = tls_broker(broker_factory, pki, {"ssl.client.auth": "requested",
                                         "ssl.truststore.location": pki.path("ca.pem")})
    r = kcat(b, *kcat_args(pki), "-L", "-m", "10")
    assert r.returncode == 0, r.stderr.decode()
    assert "principal=User:ANONYMOUS" in b.log_text()
    r = kcat(b, *kcat_args(pki, pki.alice), "-L", "-m", "10")
    assert r.returncode == 0, r.stderr.decode()
    assert 'principal=User:CN=Alice,OU=clients,O=Samsa dn=' in b.log_text()  # DEFAULT rule


def test_plaintext_to_tls_port_and_tls_to_plaintext_port(broker_factory, pki):
    b = tls_broker(broker_factory, pki, plaintext_too=True)
    # A Kafka ApiVersions v0 request in clear text on the TLS port: closed, with a log line.
    request = struct.pack(">hhih", 18, 0, 1, 3) + b"raw"
    with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(request)) + request)
        assert s.recv(100) == b""
    wait_until(lambda: "not a TLS handshake" in b.log_text(), "the plaintext-on-TLS log line")
    # A TLS client on the plaintext port fails its handshake instead of hanging.
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    with socket.create_connection(("127.0.0.1", b.plain_port), timeout=10) as raw:
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    # Both listeners still serve.
    assert server_serial(b.port, pki.path("ca.pem")) == "51"
    r = subprocess.run(["kcat", "-b", f"127.0.0.1:{b.plain_port}", "-L", "-m", "10"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode()


def test_stalled_handshake_is_closed(broker_factory, pki):
    b = tls_broker(broker_factory, pki, {"request.timeout.ms": 1500})
    started = time.monotonic()
    silent = socket.create_connection(("127.0.0.1", b.port), timeout=15)
    partial = socket.create_connection(("127.0.0.1", b.port), timeout=15)
    partial.sendall(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello, then nothing
    for s in (silent, partial):
        assert s.recv(100) == b""  # closed by the broker
        s.close()
    assert time.monotonic() - started < 10
    wait_until(lambda: b.log_text().count("reason=tls_handshake_timeout") >= 2,
               "two handshake timeouts in the log")
    assert server_serial(b.port, pki.path("ca.pem")) == "51"  # still serving


def test_pkcs12_keystore(broker_factory, pki):
    b = tls_broker(broker_factory, pki, {"ssl.keystore.type": "PKCS12",
                                         "ssl.keystore.location": pki.pkcs12(pki.server, "p12pw"),
                                         "ssl.keystore.password": "p12pw"})
    assert server_serial(b.port, pki.path("ca.pem")) == "51"
    kcat_roundtrip(b, pki, "tls-p12", n=100)


def test_inline_pem_keystore_with_encrypted_key(broker_factory, pki):
    enc = pki.issue("inline", "/O=Samsa/CN=localhost", 0x52, server=True, key_password="keypw")
    b = tls_broker(broker_factory, pki, {
        "ssl.keystore.location": "",
        "ssl.keystore.certificate.chain": open(enc + ".pem").read(),
        "ssl.keystore.key": open(enc + ".key").read(),
        "ssl.key.password": "keypw"})
    assert server_serial(b.port, pki.path("ca.pem")) == "52"
    kcat_roundtrip(b, pki, "tls-inline", n=100)


def test_bad_key_password_or_file_stops_startup_naming_the_key(broker_factory, pki):
    enc = pki.issue("badpw", "/O=Samsa/CN=localhost", 0x53, server=True, key_password="right")
    b = tls_broker(broker_factory, pki, {"ssl.keystore.location": pki.keystore_pem(enc),
                                         "ssl.key.password": "wrong"}, start=False)
    with pytest.raises(BrokerError, match="ssl.key.password"):
        b.start()
    b = tls_broker(broker_factory, pki, {"listener.name.ssl.ssl.keystore.location":
                                         pki.path("no-such.pem")}, start=False)
    with pytest.raises(BrokerError, match="listener.name.ssl.ssl.keystore.location"):
        b.start()


def test_certificate_expiry_metric(broker_factory, pki):
    b = tls_broker(broker_factory, pki)
    metrics = urllib.request.urlopen(b.admin_url + "/metrics", timeout=10).read().decode()
    m = re.search(r'samsa_tls_certificate_expiry_timestamp_seconds\{listener="SSL"\} (\S+)', metrics)
    assert m, metrics[:2000]
    assert abs(float(m.group(1)) - pki.not_after(pki.server + ".pem")) < 1



def test_sasl_ssl_listener_runs_tls_and_leaves_the_principal_to_sasl(broker_factory, pki):
    b = broker_factory({"ssl.keystore.location": pki.keystore_pem(pki.server),
                        "sasl.enabled.mechanisms": "PLAIN",
                        "listener.name.sasl_ssl.plain.sasl.jaas.config":
                            'org.apache.kafka.common.security.plain.PlainLoginModule required '
                            'user_alice="alice-secret";'}, start=False)
    b.overrides["listeners"] = f"SASL_SSL://127.0.0.1:{b.port}"
    b.start()
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    c = RawClient("127.0.0.1", b.port)
    c.sock = ctx.wrap_socket(c.sock, server_hostname="127.0.0.1")
    error, apis = c.api_versions()  # allowed before SASL, answered over TLS
    assert error == 0 and 18 in apis
    # Any other request before SASL authentication closes the connection.
    c.send_raw(frame(request_header_v1(3, 1, 99) + struct.pack(">i", -1)))
    c.sock.settimeout(10)
    try:
        assert c.sock.recv(100) == b""
    except (ssl.SSLError, ConnectionResetError):
        pass
    c.close()
    # TLS authenticated nobody here: the certificate does not decide a SASL_SSL principal.
    assert "event=authentication" not in b.log_text()
    assert server_serial(b.port, pki.path("ca.pem")) == "51"
