"""GSSAPI (Kerberos) end to end against a real MIT KDC on loopback (kdc.py): the broker accepts
with kafka/localhost from a keytab named in Kafka's JAAS form, kcat and confluent-kafka
(librdkafka + Cyrus SASL, kinit from their own keytabs) produce and consume; the client principal
goes through sasl.kerberos.principal.to.local.rules and the authorizer sees the short name
(super.users, denials); failures (a principal the KDC does not know, a broker whose keytab holds an
old key, a garbage token, a principal no rule maps) fail authentication, each with an audit line;
missing Kerberos settings stop startup naming the key. The same exchange on a SASL_SSL listener."""

import os
import shutil
import subprocess
import time

import pytest
from kdc import Kdc
from samsa_fixture import (Broker, BrokerError, RawClient, audit_lines, confluent_roundtrip,
                           run_broker)
from test_sasl import (ERR_SASL_AUTHENTICATION_FAILED, authenticate, handshake)

LISTENER = "SASL_PLAINTEXT"
SERVICE = "kafka"
# alice maps to herself and is the super user; etl/localhost maps to etl-svc, which has no ACLs;
# carol is a valid Kerberos principal that no rule maps (no DEFAULT), so she is not authenticated.
RULES = "RULE:[2:$1-svc](etl-svc)/L,RULE:[1:$1](alice|mallory)"
FAILED_MESSAGE = ("Authentication failed during authentication due to invalid credentials with "
                  "SASL mechanism GSSAPI")


def jaas(keytab, principal=f"{SERVICE}/localhost@SAMSA.TEST"):
    return ('com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true '
            f'storeKey=true keyTab="{keytab}" principal="{principal}";')


class GssapiBroker(Broker):
    """One SASL_PLAINTEXT listener on 127.0.0.1, advertised as `localhost`: librdkafka asks for a
    ticket to kafka/<the host it connects to>, so clients must know the broker as localhost."""

    def __init__(self, kdc, **kw):
        super().__init__(**kw)
        self.env = kdc.env

    def command(self):
        self.overrides["listeners"] = f"{LISTENER}://127.0.0.1:{self.port}"
        self.overrides["advertised.listeners"] = f"{LISTENER}://localhost:{self.port}"
        return super().command()

    @property
    def named_bootstrap(self):
        return f"localhost:{self.port}"


@pytest.fixture(scope="module")
def kdc(request):
    failed_before = request.session.testsfailed
    k = Kdc()
    try:
        k.start()
        # Exported twice: the first keytab holds a key the KDC no longer issues tickets for.
        k.add_principal(f"{SERVICE}/localhost", k.path("kafka-old.keytab"))
        k.export(f"{SERVICE}/localhost", k.path("kafka.keytab"))
        for p in ("alice", "etl/localhost", "carol", "mallory"):
            k.add_principal(p, k.path(keytab_name(p)))
        # mallory has a keytab but the KDC no longer knows her.
        k.kadmin("delprinc -force mallory")
    except Exception:
        k.stop(keep=True)
        raise
    yield k
    k.stop(keep=request.session.testsfailed > failed_before)


def keytab_name(principal):
    return principal.replace("/", "_") + ".keytab"


def make_broker(kdc, keytab, name, **extra):
    overrides = {
        "sasl.enabled.mechanisms": "GSSAPI",
        "listener.name.sasl_plaintext.gssapi.sasl.jaas.config": jaas(keytab),
        "sasl.kerberos.service.name": SERVICE,
        "sasl.kerberos.principal.to.local.rules": RULES,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:alice",
        "auto.create.topics.enable": "true",
        "num.partitions": 2,
        "connection.failed.authentication.delay.ms": 50,
    }
    overrides.update(extra)
    br = GssapiBroker(kdc, overrides=overrides, name=name)
    br.overrides["audit.log.file"] = os.path.join(br.root, "audit.log")
    return br


@pytest.fixture(scope="module")
def b(request, kdc):
    br = make_broker(kdc, kdc.path("kafka.keytab"), "gssapi")
    yield from run_broker(request, br)


def client_env(kdc, principal, cache=None):
    """Each client principal (or `cache`) gets its own credential cache, so no test borrows
    another's tickets and parallel kinits never share a file."""
    return {**os.environ, **kdc.env,
            "KRB5CCNAME": "FILE:" + kdc.path("cc-" + (cache or principal.replace("/", "_")))}


def kcat_cmd(b, kdc, principal, *args, keytab=None):
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed (Debian package kcat)"
    keytab = keytab or kdc.path(keytab_name(principal))
    return [exe, "-b", b.named_bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
            "-X", "sasl.mechanisms=GSSAPI", "-X", f"sasl.kerberos.service.name={SERVICE}",
            "-X", f"sasl.kerberos.keytab={keytab}", "-X", f"sasl.kerberos.principal={principal}",
            "-X", "broker.address.family=v4", *args]


def kcat(b, kdc, principal, *args, stdin=None, keytab=None):
    return subprocess.run(kcat_cmd(b, kdc, principal, *args, keytab=keytab), input=stdin,
                          capture_output=True, timeout=60, env=client_env(kdc, principal))


def authentications(b):
    return [x for x in audit_lines(b) if x["event"] == "authentication"]


def wait_for_audit(b, pred, what, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        lines = authentications(b)
        if any(pred(x) for x in lines):
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"no audit line for {what}; last: {lines[-5:]}")
        time.sleep(0.1)


def test_kcat_produces_and_consumes_as_the_mapped_principal(b, kdc):
    lines = b"".join(f"k{i}\n".encode() for i in range(50))
    r = kcat(b, kdc, "alice", "-P", "-t", "kcat-gssapi", stdin=lines)
    assert r.returncode == 0, r.stderr.decode()
    r = kcat(b, kdc, "alice", "-C", "-t", "kcat-gssapi", "-o", "beginning", "-e", "-q")
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(r.stdout.split()) == sorted(lines.split())
    assert "event=authentication result=success principal=User:alice mechanism=GSSAPI" in \
        b.log_text()
    auth = authentications(b)
    assert any(x["principal"] == "User:alice" and x["result"] == "success" and
               x["resource"] == "Mechanism:GSSAPI" and x["listener"] == LISTENER
               for x in auth), auth[-5:]


def test_confluent_kafka_produces_and_consumes(b, kdc, monkeypatch):
    # librdkafka runs kinit and Cyrus reads the ticket cache from the environment of this
    # process.
    for k, v in client_env(kdc, "alice").items():
        monkeypatch.setenv(k, v)
    conf = {"bootstrap.servers": b.named_bootstrap, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "GSSAPI", "sasl.kerberos.service.name": SERVICE,
            "sasl.kerberos.keytab": kdc.path("alice.keytab"),
            "sasl.kerberos.principal": "alice", "broker.address.family": "v4",
            "sasl.kerberos.kinit.cmd": f"kinit -k -t {kdc.path('alice.keytab')} alice"}
    confluent_roundtrip(conf, "ck-gssapi")


def test_parallel_clients_authenticate_on_all_network_threads(b, kdc):
    # Cyrus calls from several network threads at once are serialized in the broker; each
    # client has its own credential cache.
    procs = [subprocess.Popen(kcat_cmd(b, kdc, "alice", "-L", "-t", "kcat-gssapi"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=client_env(kdc, "alice", cache=f"parallel-{i}"))
             for i in range(12)]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err.decode()
        assert b"kcat-gssapi" in out
    assert b.log_text().count("result=success principal=User:alice mechanism=GSSAPI") >= 12
    b.assert_alive()


def test_service_principal_maps_through_rules_and_is_authorized_by_short_name(b, kdc):
    # etl/localhost@SAMSA.TEST -> etl-svc: authenticated, but not a super user and without ACLs.
    r = kcat(b, kdc, "etl/localhost", "-P", "-t", "kcat-gssapi",
             "-X", "message.timeout.ms=5000", stdin=b"x\n")
    assert r.returncode != 0 or b"authoriz" in r.stderr.lower(), r.stderr.decode()
    lines = audit_lines(b)
    assert any(x["event"] == "authentication" and x["principal"] == "User:etl-svc" and
               x["result"] == "success" for x in lines), lines[-5:]
    assert any(x["event"] == "authorization" and x["principal"] == "User:etl-svc" and
               x["result"] == "denied" and x["resource"] == "TOPIC:kcat-gssapi"
               for x in lines), lines[-5:]


def test_principal_no_rule_maps_is_not_authenticated(b, kdc):
    r = kcat(b, kdc, "carol", "-L", "-m", "10")
    assert r.returncode != 0
    assert "carol" not in [x["principal"] for x in authentications(b)
                           if x["result"] == "success"]
    wait_for_audit(b, lambda x: x["result"] == "failure" and
                   "No rules apply to carol@SAMSA.TEST" in x.get("reason", ""),
                   "carol's unmapped principal")
    assert 'reason="principal carol@SAMSA.TEST: No rules apply' in b.log_text()


def test_principal_unknown_to_the_kdc_gets_no_ticket(b, kdc):
    # mallory's keytab is valid in form but the KDC deleted her: kinit fails on the client, which
    # then never authenticates.
    r = kcat(b, kdc, "mallory", "-L", "-m", "10")
    assert r.returncode != 0
    assert not any(x["principal"] == "User:mallory" and x["result"] == "success"
                   for x in authentications(b))
    r = subprocess.run(["kinit", "-k", "-t", kdc.path("mallory.keytab"), "mallory"],
                       capture_output=True, env=client_env(kdc, "mallory"), timeout=30)
    assert r.returncode != 0 and b"not found" in r.stderr.lower(), r.stderr.decode()


def test_garbage_token_fails_with_kafkas_message_and_an_audit_line(b):
    with RawClient("127.0.0.1", b.port) as c:
        err, mechs = handshake(c, "GSSAPI")
        assert (err, mechs) == (0, ["GSSAPI"])
        err, msg, _, _ = authenticate(c, b"\x60\x03not-a-kerberos-token")
        assert err == ERR_SASL_AUTHENTICATION_FAILED
        assert msg == FAILED_MESSAGE
        assert c.is_closed_by_peer()
    wait_for_audit(b, lambda x: x["result"] == "failure" and x["resource"] == "Mechanism:GSSAPI"
                   and "GSSAPI Error" in x.get("reason", ""), "the garbage token")


def test_broker_with_an_old_key_rejects_valid_tickets(kdc, request):
    # kafka-old.keytab holds the key of the first export; the KDC now issues tickets under the
    # second, so this broker cannot read them.
    br = make_broker(kdc, kdc.path("kafka-old.keytab"), "gssapi-oldkey")
    failed_before = request.session.testsfailed
    try:
        br.start()
        r = kcat(br, kdc, "alice", "-L", "-m", "10")
        assert r.returncode != 0
        # The GSS-API reason reaches the audit line (never the client).
        lines = wait_for_audit(br, lambda x: x["result"] == "failure" and
                               x["resource"] == "Mechanism:GSSAPI" and
                               "not found in keytab" in x.get("reason", ""),
                               "the old-key failure")
        assert not any(x["result"] == "success" for x in lines), lines
        assert "event=authentication result=failure" in br.log_text()
    finally:
        br.cleanup()


STARTUP_CASES = {
    # case: (overrides beyond sasl.enabled.mechanisms=GSSAPI, what the error must say: at least
    # the key)
    "no-service": ({"sasl.kerberos.keytab": "kafka.keytab"}, "sasl.kerberos.service.name"),
    "no-keytab": ({"sasl.kerberos.service.name": SERVICE}, "sasl.kerberos.keytab"),
    "unreadable-keytab": ({"sasl.kerberos.service.name": SERVICE,
                           "sasl.kerberos.keytab": "no-such.keytab"}, "sasl.kerberos.keytab"),
    "bad-rules": ({"sasl.kerberos.service.name": SERVICE, "sasl.kerberos.keytab": "kafka.keytab",
                   "sasl.kerberos.principal.to.local.rules": "RULE:[1:$1]/X"},
                  "sasl.kerberos.principal.to.local.rules"),
    "bad-principal": ({"sasl.kerberos.principal": "kafka@SAMSA.TEST",
                       "sasl.kerberos.keytab": "kafka.keytab"}, "sasl.kerberos.principal"),
    # A keytab without the service principal's key: refused at startup, not at every client.
    "keytab-without-the-principal": ({"sasl.kerberos.service.name": SERVICE,
                                      "sasl.kerberos.principal": "kafka/localhost",
                                      "sasl.kerberos.keytab": "alice.keytab"},
                                     "holds no key for service principal kafka/localhost (it has: "
                                     "alice@SAMSA.TEST)"),
    "jaas-without-keytab": ({"listener.name.sasl_plaintext.gssapi.sasl.jaas.config":
                             'com.sun.security.auth.module.Krb5LoginModule required '
                             'principal="kafka/localhost";'},
                            "sasl.kerberos.keytab"),
}


@pytest.mark.parametrize("case", sorted(STARTUP_CASES))
def test_missing_kerberos_settings_stop_startup(kdc, case):
    extra, key = STARTUP_CASES[case]
    extra = {k: kdc.path(v) if k == "sasl.kerberos.keytab" else v for k, v in extra.items()}
    br = GssapiBroker(kdc, overrides={"sasl.enabled.mechanisms": "GSSAPI", **extra},
                      name=f"gssapi-{case}")
    try:
        with pytest.raises(BrokerError) as e:
            br.start(timeout=20)
        # The fixture's command line at the top of the log names every key: look at the error.
        failed = [x for x in br.log_text().splitlines() if "cannot start:" in x]
        assert failed and key in failed[-1], str(e.value)
    finally:
        br.cleanup(keep=False)


def test_plain_keys_instead_of_jaas_with_default_rules(kdc, request):
    # sasl.kerberos.principal + sasl.kerberos.keytab, the Samsa keys, do what the JAAS form does;
    # DEFAULT maps a principal of the default realm (from KRB5_CONFIG) to its primary.
    br = make_broker(kdc, kdc.path("kafka.keytab"), "gssapi-keys", **{
        "sasl.kerberos.principal": f"{SERVICE}/localhost",
        "sasl.kerberos.keytab": kdc.path("kafka.keytab"),
        "sasl.kerberos.principal.to.local.rules": "DEFAULT",
        "super.users": "User:alice;User:etl"})
    del br.overrides["listener.name.sasl_plaintext.gssapi.sasl.jaas.config"]
    failed_before = request.session.testsfailed
    try:
        br.start()
        for principal, short in (("alice", "alice"), ("etl/localhost", "etl"),
                                 ("carol", "carol")):
            r = kcat(br, kdc, principal, "-L")
            assert r.returncode == 0, r.stderr.decode()
            assert f"result=success principal=User:{short} mechanism=GSSAPI" in br.log_text()
    finally:
        br.cleanup()


class GssapiSslBroker(GssapiBroker):
    """The same Kerberos settings on a SASL_SSL listener (TLS from a test CA)."""

    def command(self):
        self.overrides["listeners"] = f"SASL_SSL://127.0.0.1:{self.port}"
        self.overrides["advertised.listeners"] = f"SASL_SSL://localhost:{self.port}"
        return Broker.command(self)


def test_gssapi_over_sasl_ssl(kdc, tmp_path):
    from tls_certs import Pki
    pki = Pki(str(tmp_path / "pki"))
    server = pki.issue("server", "/CN=localhost", 0x61, server=True)
    br = GssapiSslBroker(kdc, name="gssapi-ssl", overrides={
        "sasl.enabled.mechanisms": "GSSAPI",
        "listener.name.sasl_ssl.gssapi.sasl.jaas.config": jaas(kdc.path("kafka.keytab")),
        "sasl.kerberos.service.name": SERVICE,
        "sasl.kerberos.principal.to.local.rules": RULES,
        "ssl.keystore.location": pki.keystore_pem(server),
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:alice",
        "auto.create.topics.enable": "true",
    })
    br.overrides["audit.log.file"] = os.path.join(br.root, "audit.log")
    br.start()
    try:
        tls = ["-X", "security.protocol=SASL_SSL", "-X", f"ssl.ca.location={pki.path('ca.pem')}"]
        lines = b"".join(f"s{i}\n".encode() for i in range(20))
        r = kcat(br, kdc, "alice", *tls, "-P", "-t", "gssapi-ssl", stdin=lines)
        assert r.returncode == 0, r.stderr.decode()
        r = kcat(br, kdc, "alice", *tls, "-C", "-t", "gssapi-ssl", "-o", "beginning", "-e", "-q")
        assert r.returncode == 0, r.stderr.decode()
        assert sorted(r.stdout.split()) == sorted(lines.split())
        # etl/localhost authenticates over TLS too (as etl-svc) and is denied by the authorizer.
        r = kcat(br, kdc, "etl/localhost", *tls, "-P", "-t", "gssapi-ssl",
                 "-X", "message.timeout.ms=5000", stdin=b"x\n")
        audit = audit_lines(br)
        assert any(x["event"] == "authentication" and x["principal"] == "User:alice" and
                   x["result"] == "success" and x["listener"] == "SASL_SSL"
                   for x in audit), audit[-5:]
        assert any(x["event"] == "authorization" and x["principal"] == "User:etl-svc" and
                   x["result"] == "denied" and x["resource"] == "TOPIC:gssapi-ssl"
                   for x in audit), audit[-5:]
    finally:
        br.cleanup()
