"""SCRAM end to end: credentials from the metadata log (the --add-scram bootstrap and the
/v1/security/users routes) authenticate kcat, confluent-kafka, kafka-python and kafkajs with
SCRAM-SHA-256 and SCRAM-SHA-512 on SASL_PLAINTEXT and SASL_SSL listeners; PLAIN is checked against
the same salted credential; a changed or deleted credential stops working at once. The authorizer
is on (the bootstrap admin is the super user), so a SASL principal without ACLs is refused, and
the audit log records authentications and denials."""

import os
import shutil
import subprocess

import pytest
from rest_client import RestClient
from samsa_fixture import Broker, audit_lines, confluent_roundtrip, free_port, run_broker
from test_sasl import run_node
from tls_certs import Pki

ADMIN_PASSWORD = "admin-Secret-1"
MECHANISMS = "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN"


class ScramBroker(Broker):
    """SASL_PLAINTEXT on the fixture's port, SASL_SSL on a second one, and the first admin
    credential given with --add-scram, as an operator formats a secured broker."""

    def __init__(self, pki, **kw):
        super().__init__(**kw)
        self.pki = pki
        self.ssl_port = None

    def command(self):
        while self.ssl_port in (None, self.port, self.controller_port, self.admin_port):
            self.ssl_port = free_port()
        self.overrides["listeners"] = (f"SASL_PLAINTEXT://127.0.0.1:{self.port},"
                                       f"SASL_SSL://127.0.0.1:{self.ssl_port}")
        return super().command() + [
            "--add-scram", f"SCRAM-SHA-256=[name=admin,password={ADMIN_PASSWORD}]",
            "--add-scram", f"SCRAM-SHA-512=[name=admin,iterations=8192,password={ADMIN_PASSWORD}]"]

    @property
    def ssl_bootstrap(self):
        return f"127.0.0.1:{self.ssl_port}"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(str(tmp_path_factory.mktemp("pki")))
    p.server = p.issue("server", "/O=Samsa/CN=localhost", 0x51, server=True)
    return p


@pytest.fixture(scope="module")
def b(request, pki):
    br = ScramBroker(pki, overrides={
        "sasl.enabled.mechanisms": MECHANISMS,
        "ssl.keystore.location": pki.keystore_pem(pki.server),
        "auto.create.topics.enable": "true", "num.partitions": 3,
        "connection.failed.authentication.delay.ms": 50,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:admin",
    }, name="scram")
    br.overrides["audit.log.file"] = os.path.join(br.root, "audit.log")
    yield from run_broker(request, br)


def kcat(b, mechanism, user, password, *args, tls=False, stdin=None):
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed"
    security = ["-X", "security.protocol=SASL_SSL", "-X",
                f"ssl.ca.location={b.pki.path('ca.pem')}"] if tls else \
        ["-X", "security.protocol=SASL_PLAINTEXT"]
    return subprocess.run(
        [exe, "-b", b.ssl_bootstrap if tls else b.bootstrap, *security,
         "-X", f"sasl.mechanisms={mechanism}", "-X", f"sasl.username={user}",
         "-X", f"sasl.password={password}", *args],
        input=stdin, capture_output=True, timeout=60)


def kcat_roundtrip(b, mechanism, user, password, topic, tls=False):
    lines = b"".join(f"v{i}\n".encode() for i in range(50))
    r = kcat(b, mechanism, user, password, "-P", "-t", topic, stdin=lines, tls=tls)
    assert r.returncode == 0, r.stderr.decode()
    r = kcat(b, mechanism, user, password, "-C", "-t", topic, "-o", "beginning", "-e",
             "-q", tls=tls)
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(r.stdout.split()) == sorted(lines.split())


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
@pytest.mark.parametrize("tls", [False, True], ids=["sasl_plaintext", "sasl_ssl"])
def test_kcat_scram_with_the_bootstrap_credential(b, mechanism, tls):
    topic = f"kcat-{mechanism.lower()}-{'ssl' if tls else 'plain'}"
    kcat_roundtrip(b, mechanism, "admin", ADMIN_PASSWORD, topic, tls=tls)


def test_kcat_scram_wrong_password_fails_and_is_logged(b):
    r = kcat(b, "SCRAM-SHA-512", "admin", "wrong", "-L")
    assert r.returncode != 0
    assert "Authentication failed" in r.stderr.decode() or "SASL" in r.stderr.decode(), \
        r.stderr.decode()
    assert "event=authentication result=failure" in b.log_text()
    # The broker keeps serving the others.
    assert kcat(b, "SCRAM-SHA-256", "admin", ADMIN_PASSWORD, "-L").returncode == 0


def test_plain_is_checked_against_the_salted_scram_credential(b):
    kcat_roundtrip(b, "PLAIN", "admin", ADMIN_PASSWORD, "kcat-plain-scram")
    assert kcat(b, "PLAIN", "admin", "wrong", "-L").returncode != 0


def test_confluent_kafka_scram_sha_256_over_sasl_ssl(b):
    conf = {"bootstrap.servers": b.ssl_bootstrap, "security.protocol": "SASL_SSL",
            "ssl.ca.location": b.pki.path("ca.pem"), "sasl.mechanisms": "SCRAM-SHA-256",
            "sasl.username": "admin", "sasl.password": ADMIN_PASSWORD}
    confluent_roundtrip(conf, "ck-scram")


def test_kafka_python_scram_sha_512(b):
    from kafka import KafkaConsumer, KafkaProducer
    conf = {"bootstrap_servers": b.bootstrap, "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "admin",
            "sasl_plain_password": ADMIN_PASSWORD}
    p = KafkaProducer(**conf)
    for i in range(50):
        p.send("kp-scram", f"v{i}".encode())
    p.flush(30)
    p.close()
    c = KafkaConsumer("kp-scram", group_id="kp-scram-group", auto_offset_reset="earliest",
                      consumer_timeout_ms=10000, **conf)
    got = {m.value for m in c}
    c.close()
    assert got == {f"v{i}".encode() for i in range(50)}


def test_kafkajs_scram_over_sasl_ssl(b):
    assert "consumed 200" in run_node(b.ssl_bootstrap, "kjs-scram", "admin", ADMIN_PASSWORD, "ok",
                                      "scram-sha-256", b.pki.path("ca.pem"))
    assert "refused" in run_node(b.ssl_bootstrap, "kjs-scram", "admin", "nope", "fail",
                                 "scram-sha-512", b.pki.path("ca.pem"))


def test_user_made_over_rest_logs_in_until_changed_or_deleted(b):
    rest = RestClient(b, auth=("admin", ADMIN_PASSWORD))
    r = rest.post("/v1/security/users", {"username": "carol", "password": "carol-1",
                                          "algorithm": "SCRAM-SHA-512"})
    assert r.status == 200, r
    assert kcat(b, "SCRAM-SHA-512", "carol", "carol-1", "-L").returncode == 0
    # No SCRAM-SHA-256 credential for carol: that mechanism does not know her.
    assert kcat(b, "SCRAM-SHA-256", "carol", "carol-1", "-L").returncode != 0
    assert rest.put("/v1/security/users/carol",
                    {"password": "carol-2", "algorithm": "SCRAM-SHA-512"}).status == 200
    assert kcat(b, "SCRAM-SHA-512", "carol", "carol-1", "-L").returncode != 0
    assert kcat(b, "SCRAM-SHA-512", "carol", "carol-2", "-L").returncode == 0
    assert rest.delete("/v1/security/users/carol").status == 204
    assert kcat(b, "SCRAM-SHA-512", "carol", "carol-2", "-L").returncode != 0


def test_no_password_in_the_data_dir(b):
    for root, _, files in os.walk(b.data_dir):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                assert ADMIN_PASSWORD.encode() not in fh.read(), f


def test_audit_log_records_authentications_and_denials(b):
    rest = RestClient(b, auth=("admin", ADMIN_PASSWORD))
    assert rest.post("/v1/security/users", {"username": "dave", "password": "dave-1",
                                             "algorithm": "SCRAM-SHA-256"}).status == 200
    assert kcat(b, "SCRAM-SHA-256", "dave", "wrong", "-L").returncode != 0
    # Authenticated but without ACLs: producing is refused with TOPIC_AUTHORIZATION_FAILED.
    r = kcat(b, "SCRAM-SHA-256", "dave", "dave-1", "-P", "-t", "kcat-plain-scram",
             "-X", "message.timeout.ms=5000", stdin=b"x\n")
    assert r.returncode != 0 or b"authoriz" in r.stderr.lower(), r.stderr.decode()
    lines = audit_lines(b)
    for line in lines:
        assert {"time", "principal", "client", "listener", "resource", "operation",
                "result"} <= line.keys(), line
        assert ("api" in line) != ("route" in line), line
    auth = [x for x in lines if x["event"] == "authentication"]
    assert any(x["principal"] == "User:admin" and x["result"] == "success" and
               x["listener"] == "SASL_SSL" for x in auth), auth[-5:]
    assert any(x["result"] == "failure" and "dave" in x.get("reason", "") + x["principal"]
               for x in auth) or any(x["result"] == "failure" for x in auth), auth[-5:]
    denied = [x for x in lines if x["event"] == "authorization"]
    # librdkafka asks Metadata for the topic first: DESCRIBE is what is denied (then WRITE, if it
    # gets as far as Produce).
    assert any(x["principal"] == "User:dave" and x["operation"] in ("DESCRIBE", "WRITE") and
               x["resource"] == "TOPIC:kcat-plain-scram" and x["result"] == "denied" and
               x["api"] in ("Metadata", "Produce") and x["listener"] == "SASL_PLAINTEXT"
               for x in denied), denied[-5:]
