"""OAUTHBEARER with the JWKS fetched from an identity provider's https:// endpoint
(sasl.oauthbearer.jwks.endpoint.url=https://...), as Kafka's RefreshingHttpsJwks does it. The test
runs the endpoint itself: Python's HTTP server behind real TLS, with a certificate from a test CA
the broker trusts through ssl.truststore.location in the listener's OAUTHBEARER JAAS config (where
Kafka reads it). Checked: clients authenticate with keys fetched at startup; a token whose kid the
broker has not seen gets the JWKS refetched early, so a key rotation needs no restart; the periodic
refetch runs, and an endpoint that fails keeps the old keys serving; SIGHUP refetches; startup
stops with the key named when the endpoint cannot be trusted, reached or read."""

import http.server
import json
import signal
import ssl
import threading

import pytest
from samsa_fixture import BrokerError, RawClient, wait_until
from test_sasl import authenticate, handshake
from test_sasl_oauthbearer import (Idp, OAuthBroker, ck_roundtrip, client_first, oauth_overrides,
                                   rsa)
from tls_certs import Pki


class JwksServer:
    """An HTTPS endpoint serving the Idp's keys; `status` other than 200 makes it fail."""

    def __init__(self, idp, pki):
        self.idp = idp
        self.keys = [("rsa-1", idp.rsa), ("ec-1", idp.ec)]
        self.status = 200
        self.requests = 0
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with server.lock:
                    server.requests += 1
                    status = server.status
                    body = json.dumps({"keys": [idp.jwk(k, v) for k, v in server.keys]}).encode()
                if self.path != "/jwks":
                    status = 404
                if status != 200:
                    body = b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cert = pki.issue("jwks-server", "/CN=localhost", 7001, server=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert + ".pem", cert + ".key")
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}/jwks"

    def count(self):
        with self.lock:
            return self.requests

    def set(self, keys=None, status=None):
        with self.lock:
            if keys is not None:
                self.keys = keys
            if status is not None:
                self.status = status

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def jaas_truststore(path, type_="PEM"):
    return ("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
            f'ssl.truststore.location="{path}" ssl.truststore.type="{type_}";')


@pytest.fixture()
def pki(tmp_path):
    return Pki(str(tmp_path / "pki"))


@pytest.fixture()
def endpoint(tmp_path, pki):
    server = JwksServer(Idp(str(tmp_path)), pki)
    yield server
    server.close()


def endpoint_broker(endpoint, pki, name, **extra):
    overrides = oauth_overrides(endpoint.idp, **{
        "sasl.oauthbearer.jwks.endpoint.url": endpoint.url,
        "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config":
            jaas_truststore(pki.path("ca.pem")),
        **extra})
    return OAuthBroker(overrides={k: v for k, v in overrides.items() if v is not None}, name=name)


def authenticates(br, token):
    with RawClient(br.host, br.port) as c:
        assert handshake(c, "OAUTHBEARER")[0] == 0
        return authenticate(c, client_first(token))[2] == b""


def test_clients_authenticate_with_keys_fetched_over_https(endpoint, pki):
    br = endpoint_broker(endpoint, pki, "jwks-https")
    try:
        br.start()
        assert endpoint.count() == 1  # fetched once at startup
        assert "JWKS https://127.0.0.1" in br.log_text()
        ck_roundtrip(br, lambda: endpoint.idp.token("alice"), "jwks-https", n=5)
        assert authenticates(br, endpoint.idp.token(key=endpoint.idp.ec, kid="ec-1"))
        assert not authenticates(br, endpoint.idp.token(key=endpoint.idp.rogue))
    finally:
        br.cleanup()


def test_unknown_kid_refetches_early_and_rotation_needs_no_restart(endpoint, pki):
    # The periodic refetch is an hour away: only the early refetch can pick the new key up.
    br = endpoint_broker(endpoint, pki, "jwks-rotate",
                         **{"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": 1000})
    try:
        br.start()
        idp = endpoint.idp
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        endpoint.set(keys=[("rsa-1", idp.rsa), ("rsa-2", new_key)])
        before = endpoint.count()
        # The first token with the new kid is refused (the refetch runs in the background), as
        # in Kafka; the client's retry then succeeds.
        assert not authenticates(br, idp.token(key=new_key, kid="rsa-2"))
        wait_until(lambda: endpoint.count() > before, "the early JWKS refetch", broker=br)
        wait_until(lambda: authenticates(br, idp.token(key=new_key, kid="rsa-2")),
                   "the rotated key to be accepted", timeout=20, broker=br)
        # A kid the endpoint does not have either: one refetch for it, not one per token.
        wait_until(lambda: "refetched" in br.log_text(), "the refetch log line", broker=br)
        count = endpoint.count()
        for _ in range(5):
            assert not authenticates(br, idp.token(key=idp.rogue, kid="nobody"))
        wait_until(lambda: endpoint.count() >= count + 1, "the refetch for kid nobody", broker=br)
        assert endpoint.count() <= count + 1, "a kid is looked for at most once a minute"
    finally:
        br.cleanup()


def test_periodic_refetch_keeps_old_keys_when_the_endpoint_fails(endpoint, pki):
    br = endpoint_broker(endpoint, pki, "jwks-refresh", **{
        "sasl.oauthbearer.jwks.endpoint.refresh.ms": 1000,
        "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": 200})
    try:
        br.start()
        wait_until(lambda: endpoint.count() >= 3, "periodic refetches", broker=br)
        endpoint.set(status=500)
        failed = endpoint.count()
        wait_until(lambda: endpoint.count() >= failed + 2 and
                   "keeping the keys loaded before" in br.log_text(),
                   "a failed refetch", timeout=20, broker=br)
        assert authenticates(br, endpoint.idp.token())
        # Back up with a rotated set: the next periodic refetch replaces the keys.
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        endpoint.set(keys=[("rsa-3", new_key)], status=200)
        wait_until(lambda: not authenticates(br, endpoint.idp.token()),
                   "rsa-1 to be dropped", timeout=20, broker=br)
        assert authenticates(br, endpoint.idp.token(key=new_key, kid="rsa-3"))
    finally:
        br.cleanup()


def test_sighup_refetches(endpoint, pki):
    br = endpoint_broker(endpoint, pki, "jwks-hup")
    try:
        br.start()
        before = endpoint.count()
        br.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: endpoint.count() > before, "the SIGHUP refetch", broker=br)
        br.assert_alive()
    finally:
        br.cleanup()


def test_startup_stops_when_the_endpoint_cannot_be_used(endpoint, pki, tmp_path):
    url_key = "sasl.oauthbearer.jwks.endpoint.url"
    jaas_key = "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config"
    other_ca = pki.path("other-ca.pem")
    cases = [
        # Not trusted: the system's CAs do not know the test CA, nor does another CA.
        ({jaas_key: None}, [url_key, "certificate"]),
        ({jaas_key: jaas_truststore(other_ca)}, [url_key, "certificate"]),
        ({jaas_key: jaas_truststore(pki.path("ca.pem"), "PKCS12")}, [jaas_key, "PEM"]),
        ({jaas_key: jaas_truststore(str(tmp_path / "missing.pem"))}, [jaas_key, "cannot be read"]),
        ({url_key: endpoint.url.replace("/jwks", "/nothing")}, [url_key, "HTTP status 404"]),
        ({url_key: "https://127.0.0.1:1/jwks"}, [url_key, "attempts"]),
        ({"sasl.oauthbearer.jwks.endpoint.refresh.ms": 10},
         ["sasl.oauthbearer.jwks.endpoint.refresh.ms"]),
    ]
    for extra, needles in cases:
        br = endpoint_broker(endpoint, pki, "jwks-bad", **{
            "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": 300, **extra})
        try:
            with pytest.raises(BrokerError) as e:
                br.start(timeout=30)
            for needle in needles:
                assert needle in str(e.value), (extra, str(e.value))
        finally:
            br.cleanup()
    endpoint.set(status=503)
    br = endpoint_broker(endpoint, pki, "jwks-503",
                         **{"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": 300})
    try:
        before = endpoint.count()
        with pytest.raises(BrokerError) as e:
            br.start(timeout=30)
        assert "HTTP status 503" in str(e.value)
        assert endpoint.count() - before >= 2, "a 5xx answer is retried"
    finally:
        br.cleanup()
