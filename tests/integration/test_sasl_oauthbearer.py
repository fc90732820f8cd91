"""SASL/OAUTHBEARER end to end (KIP-768 validation): the test is its own identity provider. It makes
an RSA and an EC key with python3-cryptography, publishes them as a JWKS file, and signs JWTs
itself. A broker with a SASL_PLAINTEXT listener enabling OAUTHBEARER
(sasl.oauthbearer.jwks.endpoint.url=file://...) then serves confluent-kafka (oauth_cb) and
kafka-python (sasl_oauth_token_provider), which produce and consume as User:<sub>, checked through
the StandardAuthorizer (the super user may, another subject may not). Expired tokens, a wrong
audience or issuer, a bad signature and librdkafka's built-in unsecured (alg none) token all fail
authentication, with the client told {"status":"invalid_token"} and the audit log saying why.
Over the raw protocol: Kafka's error exchange (challenge, ^A, failure), the session lifetime taken
from exp (KIP-368), the authzid check; then the JWKS file re-read on change, and startup refused
without a usable JWKS."""

import base64
import gc
import json
import os
import shutil
import signal
import subprocess
import time

import pytest
from samsa_fixture import (Broker, BrokerError, RawClient, audit_lines,
                           confluent_roundtrip, run_broker, wait_until)
from test_sasl import authenticate, handshake

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
except ImportError:  # a failure, not a skip: the suite needs it
    pytest.fail("python3-cryptography is not installed (apt-get install python3-cryptography)",
                pytrace=False)

ISSUER = "https://idp.samsa.test"
AUDIENCE = "samsa-cluster"
ERR_SASL_AUTHENTICATION_FAILED = 58
INVALID_TOKEN = '{"status":"invalid_token"}'


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64u(n, length=None):
    return b64u(n.to_bytes(length or (n.bit_length() + 7) // 8, "big"))


class Idp:
    """Keys, the JWKS file and token minting."""

    def __init__(self, root):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks_path = os.path.join(root, "jwks.json")
        self.write_jwks([("rsa-1", self.rsa), ("ec-1", self.ec)])

    @staticmethod
    def jwk(kid, key):
        pub = key.public_key().public_numbers()
        if isinstance(key, rsa.RSAPrivateKey):
            return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                    "n": int_b64u(pub.n), "e": int_b64u(pub.e)}
        return {"kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
                "x": int_b64u(pub.x, 32), "y": int_b64u(pub.y, 32)}

    def write_jwks(self, keys):
        tmp = self.jwks_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"keys": [self.jwk(kid, k) for kid, k in keys]}, f)
        os.replace(tmp, self.jwks_path)  # atomically, as a key-rotation job would

    @property
    def url(self):
        return "file://" + self.jwks_path

    def token(self, sub="alice", lifetime=3600, key=None, kid="rsa-1", **claims):
        key = key or self.rsa
        now = int(time.time())
        body = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + lifetime,
                "scope": "kafka"}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        is_ec = isinstance(key, ec.EllipticCurvePrivateKey)
        header = {"alg": "ES256" if is_ec else "RS256", "typ": "JWT", "kid": kid}
        signing_input = f"{b64u(json.dumps(header))}.{b64u(json.dumps(body))}".encode()
        if is_ec:
            r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{b64u(sig)}"


def oauth_overrides(idp, **extra):
    o = {
        "sasl.enabled.mechanisms": "OAUTHBEARER",
        "sasl.oauthbearer.jwks.endpoint.url": idp.url,
        "sasl.oauthbearer.expected.issuer": ISSUER,
        "sasl.oauthbearer.expected.audience": f"other-cluster,{AUDIENCE}",
        "connection.failed.authentication.delay.ms": 50,
        "auto.create.topics.enable": "true",
        "num.partitions": 2,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:alice",
    }
    o.update(extra)
    return o


class OAuthBroker(Broker):
    def command(self):
        self.overrides["listeners"] = f"SASL_PLAINTEXT://127.0.0.1:{self.port}"
        return super().command()


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    return Idp(str(tmp_path_factory.mktemp("idp")))


@pytest.fixture(scope="module")
def b(request, idp):
    br = OAuthBroker(overrides=oauth_overrides(idp), name="oauth")
    br.overrides["audit.log.file"] = os.path.join(br.root, "audit.log")
    yield from run_broker(request, br)


def auth_events(b, result):
    return [x for x in audit_lines(b) if x.get("event") == "authentication" and
            x.get("resource") == "Mechanism:OAUTHBEARER" and x["result"] == result]


def ck_conf(b, token_fn, **extra):
    def oauth_cb(_config):
        # librdkafka wants the expiry in the future, whatever the token says; the broker judges.
        return token_fn(), time.time() + 3600
    conf = {"bootstrap.servers": b.bootstrap, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "OAUTHBEARER", "oauth_cb": oauth_cb}
    conf.update(extra)
    return conf


def ck_roundtrip(b, token_fn, topic, n=50):
    confluent_roundtrip(ck_conf(b, token_fn), topic, n)


def ck_auth_error(b, token):
    """Connects with `token`; returns the client's error text (the connection must fail)."""
    from confluent_kafka import KafkaException, Producer
    errors = []
    p = Producer(ck_conf(b, lambda: token, error_cb=lambda e: errors.append(str(e))))
    with pytest.raises(KafkaException) as e:
        p.list_topics(timeout=5)
    errors.append(str(e.value))
    del e  # its traceback holds this frame, and so the producer, alive
    # error_cb runs from poll(); the authentication error comes with the first failed attempt.
    deadline = time.time() + 20
    while not any("SASL authentication" in x for x in errors) and time.time() < deadline:
        p.poll(0.5)
    del p
    gc.collect()  # stop the producer now rather than let it retry into the next test
    return " ".join(errors)


# -- success paths ---------------------------------------------------------------------------------

def test_confluent_kafka_produces_and_consumes_as_the_token_subject(b, idp):
    ck_roundtrip(b, lambda: idp.token("alice"), "ck-oauth")
    ok = auth_events(b, "success")
    assert any(x["principal"] == "User:alice" and x["listener"] == "SASL_PLAINTEXT" for x in ok), \
        ok[-5:]


def test_kafka_python_produces_and_consumes_with_an_es256_token(b, idp):
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.oauth.abstract import AbstractTokenProvider

    class Provider(AbstractTokenProvider):
        def token(self):
            return idp.token("alice", key=idp.ec, kid="ec-1")

    conf = {"bootstrap_servers": b.bootstrap, "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "OAUTHBEARER", "sasl_oauth_token_provider": Provider()}
    p = KafkaProducer(**conf)
    for i in range(30):
        p.send("kp-oauth", f"v{i}".encode())
    p.flush(30)
    p.close()
    c = KafkaConsumer("kp-oauth", group_id="kp-oauth-group", auto_offset_reset="earliest",
                      consumer_timeout_ms=10000, **conf)
    got = {m.value for m in c}
    c.close()
    assert got == {f"v{i}".encode() for i in range(30)}


def test_the_principal_is_user_sub_for_the_authorizer(b, idp):
    """bob authenticates (his token is good) but is not the super user and has no ACL: his
    produce is refused, which only happens if the broker sees him as User:bob."""
    from confluent_kafka import KafkaError, Producer
    ck_roundtrip(b, lambda: idp.token("alice"), "ck-oauth-acl", n=5)
    results = []
    p = Producer(ck_conf(b, lambda: idp.token("bob"), **{"message.timeout.ms": 8000}))
    p.produce("ck-oauth-acl", b"x", on_delivery=lambda err, msg: results.append(err))
    p.flush(20)
    assert results and results[0] is not None
    assert results[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, results[0]
    assert any(x["principal"] == "User:bob" for x in auth_events(b, "success"))
    denied = [x for x in audit_lines(b) if x.get("event") == "authorization"]
    assert any(x["principal"] == "User:bob" for x in denied), denied[-5:]


# -- refusals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case,expect", [
    ("expired", "expired"),
    ("wrong_audience", "audience"),
    ("wrong_issuer", "issuer"),
    ("bad_signature", "signature"),
    ("unknown_kid", "kid"),
])
def test_bad_tokens_fail_authentication_and_are_audited(b, idp, case, expect):
    token = {
        "expired": lambda: idp.token(lifetime=-120),
        "wrong_audience": lambda: idp.token(aud="someone-else"),
        "wrong_issuer": lambda: idp.token(iss="https://evil.test"),
        "bad_signature": lambda: idp.token(key=idp.rogue),
        "unknown_kid": lambda: idp.token(kid="rotated-away"),
    }[case]()
    before = len(auth_events(b, "failure"))
    err = ck_auth_error(b, token)
    # librdkafka: "SASL authentication error: {"status":"invalid_token"} (after ... in state
    # AUTH_REQ)": the broker's JSON is the message.
    assert "SASL authentication error" in err and INVALID_TOKEN in err, err
    # Earlier cases' clients may still be retrying: look for this case's reason among the new
    # failure lines.
    wait_until(lambda: any(expect in x.get("reason", "")
                           for x in auth_events(b, "failure")[before:]),
               f"an audit line with reason '{expect}'", broker=b)
    assert "event=authentication result=failure" in b.log_text()
    b.assert_alive()


def test_librdkafka_unsecured_alg_none_token_is_refused(b):
    """librdkafka's built-in token (sasl.oauthbearer.config) is an unsecured JWT; Kafka's
    validator callback handler refuses those, and so do we."""
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed"
    before = len(auth_events(b, "failure"))
    r = subprocess.run([exe, "-b", b.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
                        "-X", "sasl.mechanisms=OAUTHBEARER",
                        "-X", "enable.sasl.oauthbearer.unsecure.jwt=true",
                        "-X", "sasl.oauthbearer.config=principal=alice", "-L", "-m", "5"],
                       capture_output=True, timeout=60)
    assert r.returncode != 0
    wait_until(lambda: any("alg none" in x.get("reason", "")
                           for x in auth_events(b, "failure")[before:]),
               "an audit line with reason 'alg none'", broker=b)


def test_kafka_python_bad_token_fails(b, idp):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError as KpError
    from kafka.oauth.abstract import AbstractTokenProvider

    class Provider(AbstractTokenProvider):
        def token(self):
            return idp.token(key=idp.rogue)

    with pytest.raises(KpError):
        KafkaProducer(bootstrap_servers=b.bootstrap, security_protocol="SASL_PLAINTEXT",
                      sasl_mechanism="OAUTHBEARER", sasl_oauth_token_provider=Provider(),
                      api_version_auto_timeout_ms=5000, request_timeout_ms=5000)
    # kafka-python hangs up instead of answering the error challenge; the refusal is logged.
    wait_until(lambda: "OAUTHBEARER token refused" in b.log_text(), "the refusal log line",
               broker=b)


# -- the exchange over the raw protocol ----------------------------------------------------------

def client_first(token, authzid=""):
    return f"n,{'a=' + authzid if authzid else ''},\x01auth=Bearer {token}\x01\x01".encode()


def test_raw_error_exchange_and_session_lifetime(b, idp):
    # A refused token: the challenge, then ^A, then SASL_AUTHENTICATION_FAILED with the JSON.
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "OAUTHBEARER")[0] == 0
        err, msg, challenge, _ = authenticate(c, client_first(idp.token(lifetime=-600)))
        assert err == 0, msg
        assert challenge.decode() == INVALID_TOKEN
        err, msg, _, _ = authenticate(c, b"\x01")
        assert err == ERR_SASL_AUTHENTICATION_FAILED
        assert msg == INVALID_TOKEN
        assert c.is_closed_by_peer()
    # A good one: done at once, the session lasting until exp (KIP-368).
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "OAUTHBEARER")[0] == 0
        err, msg, challenge, lifetime = authenticate(c, client_first(idp.token(lifetime=600)))
        assert err == 0, msg
        assert challenge == b""
        assert 0 < lifetime <= 600_000, lifetime
        c.metadata_v1([])  # authenticated: requests are served


def test_raw_authzid_and_malformed_messages(b, idp):
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "OAUTHBEARER")[0] == 0
        err, _, _, _ = authenticate(c, client_first(idp.token("alice"), authzid="alice"))
        assert err == 0
    with RawClient(b.host, b.port) as c:
        assert handshake(c, "OAUTHBEARER")[0] == 0
        err, msg, _, _ = authenticate(c, client_first(idp.token("alice"), authzid="admin"))
        assert err == ERR_SASL_AUTHENTICATION_FAILED
        assert "authorization id (admin)" in msg and "(alice)" in msg, msg
    for bad in [b"n,,auth=Bearer x\x01\x01", b"n,,\x01auth=Basic abc\x01\x01", b"\x01", b""]:
        with RawClient(b.host, b.port) as c:
            assert handshake(c, "OAUTHBEARER")[0] == 0
            err, msg, _, _ = authenticate(c, bad)
            assert err == ERR_SASL_AUTHENTICATION_FAILED, bad
            assert "SASL mechanism OAUTHBEARER" in msg, msg
    b.assert_alive()


# -- JWKS rotation and startup ---------------------------------------------------------------------

def test_jwks_file_is_reread_when_it_changes(tmp_path):
    idp = Idp(str(tmp_path))
    br = OAuthBroker(overrides=oauth_overrides(idp), name="oauth-rotate")
    try:
        br.start()

        def authenticates(token):
            with RawClient(br.host, br.port) as c:
                assert handshake(c, "OAUTHBEARER")[0] == 0
                return authenticate(c, client_first(token))[2] == b""

        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert authenticates(idp.token())
        assert not authenticates(idp.token(key=new_key, kid="rsa-2"))
        idp.write_jwks([("rsa-2", new_key)])
        wait_until(lambda: authenticates(idp.token(key=new_key, kid="rsa-2")),
                   "the rotated key to be used", timeout=20, broker=br)
        assert not authenticates(idp.token())  # rsa-1 is gone
        # A broken file keeps the keys that were loaded.
        with open(idp.jwks_path, "w") as f:
            f.write("{ not json")
        # (The file is looked at when a token is checked, at most once a second.)
        wait_until(lambda: authenticates(idp.token(key=new_key, kid="rsa-2")) and
                   "keeping the keys loaded before" in br.log_text(),
                   "the bad file to be noticed", timeout=20, broker=br)
        assert authenticates(idp.token(key=new_key, kid="rsa-2"))
        # SIGHUP re-reads the file at once, with no token checked in between.
        reloads = br.log_text().count("reloaded: ")
        idp.write_jwks([("rsa-1", idp.rsa)])
        br.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: br.log_text().count("reloaded: ") > reloads, "the SIGHUP reload",
                   timeout=20, broker=br)
        assert authenticates(idp.token())
    finally:
        br.cleanup()


def test_startup_needs_a_usable_jwks(tmp_path):
    idp = Idp(str(tmp_path))
    cases = [
        ({"sasl.oauthbearer.jwks.endpoint.url": None}, "sasl.oauthbearer.jwks.endpoint.url"),
        ({"sasl.oauthbearer.jwks.endpoint.url": "https://idp.example/jwks",
          "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": 300},
         "sasl.oauthbearer.jwks.endpoint.url"),
        ({"sasl.oauthbearer.jwks.endpoint.url": "ftp://idp.example/jwks"},
         "sasl.oauthbearer.jwks.endpoint.url"),
        ({"sasl.oauthbearer.jwks.endpoint.url": None,
          "listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url":
              "file:///nonexistent/jwks.json"},
         "listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url"),
    ]
    for extra, key in cases:
        overrides = oauth_overrides(idp, **extra)
        overrides = {k: v for k, v in overrides.items() if v is not None}
        br = OAuthBroker(overrides=overrides, name="oauth-bad")
        try:
            with pytest.raises(BrokerError) as e:
                br.start(timeout=20)
            assert key in str(e.value), str(e.value)
        finally:
            br.cleanup()
    # Per listener, with the mechanism prefix, a good file is enough.
    overrides = oauth_overrides(idp, **{
        "listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url": idp.url})
    del overrides["sasl.oauthbearer.jwks.endpoint.url"]
    br = OAuthBroker(overrides=overrides, name="oauth-listener")
    try:
        br.start()
        with RawClient(br.host, br.port) as c:
            assert handshake(c, "OAUTHBEARER")[0] == 0
            assert authenticate(c, client_first(idp.token()))[0] == 0
    finally:
        br.cleanup()
