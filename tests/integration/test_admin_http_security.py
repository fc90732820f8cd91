"""The admin HTTP server secured like the Kafka listeners: HTTPS on admin.listeners with the
broker's TLS keys (reloaded on SIGHUP), HTTP Basic against the SCRAM credentials and JAAS PLAIN
users, client certificates mapped through ssl.principal.mapping.rules, 401/403 with Confluent's
bodies, the same authorizer as the Kafka API for every route, configurable open routes, and audit
lines for REST authentications and denials. Real TLS (certificates made by openssl at test time),
a real broker, and Kafka-side checks with kcat over SASL."""

import http.client
import os
import shutil
import signal
import ssl
import subprocess

import pytest
from rest_client import RestClient
from samsa_fixture import Broker, audit_lines, free_port, run_broker, wait_until
from tls_certs import Pki

ADMIN_PASSWORD = "admin-Secret-1"
JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
        'user_jaasbob="bob-Secret-2";')


class SecuredBroker(Broker):
    """SASL_PLAINTEXT (SCRAM, PLAIN) on the Kafka port, the authorizer on with the bootstrap admin
    as super user, and the admin HTTP server on https (plus a plain http port)."""

    def __init__(self, pki, **kw):
        super().__init__(**kw)
        self.pki = pki
        self.http_port = None
        self.rest_admin_auth = ("admin", ADMIN_PASSWORD)

    def command(self):
        while self.http_port in (None, self.port, self.controller_port, self.admin_port):
            self.http_port = free_port()
        self.overrides["listeners"] = f"SASL_PLAINTEXT://127.0.0.1:{self.port}"
        self.overrides["admin.listeners"] = (f"https://127.0.0.1:{self.admin_port},"
                                             f"http://127.0.0.1:{self.http_port}")
        return super().command() + [
            "--add-scram", f"SCRAM-SHA-256=[name=admin,password={ADMIN_PASSWORD}]"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(str(tmp_path_factory.mktemp("pki")))
    p.server = p.issue("server", "/O=Samsa/CN=localhost", 0x61, server=True)
    p.server2 = p.issue("server2", "/O=Samsa/CN=localhost", 0x62, server=True)
    p.carol = p.issue("carol", "/O=Samsa/OU=ops/CN=carol", 0x63)
    p.stranger = p.issue("stranger", "/CN=stranger", 0x64, ca=p.other_ca)
    return p


@pytest.fixture(scope="module")
def b(request, pki):
    keystore = os.path.join(pki.root, "admin-keystore.pem")
    shutil.copy(pki.keystore_pem(pki.server), keystore)
    br = SecuredBroker(pki, overrides={
        "sasl.enabled.mechanisms": "SCRAM-SHA-256,PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": JAAS,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:admin",
        "connection.failed.authentication.delay.ms": 50,
        # The admin server's own TLS settings: its key store, and client certificates requested
        # (not required: Basic works too) and mapped to their CN.
        "listener.name.admin_http.ssl.keystore.location": keystore,
        "listener.name.admin_http.ssl.truststore.location": pki.path("ca.pem"),
        "listener.name.admin_http.ssl.client.auth": "requested",
        "listener.name.admin_http.ssl.principal.mapping.rules":
            "RULE:^CN=([a-z]+),.*$/$1/,DEFAULT",
    }, name="admin-sec")
    br.keystore = keystore
    br.overrides["audit.log.file"] = os.path.join(br.root, "audit.log")
    yield from run_broker(request, br)


def tls_context(pki, cert=None):
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    if cert:
        ctx.load_cert_chain(cert + ".pem", cert + ".key")
    return ctx


def rest(b, auth=None, cert=None, https=True):
    if https:
        return RestClient(b, auth=auth, tls=tls_context(b.pki, cert))
    return RestClient(b, auth=auth, port=b.http_port)


def cluster_id(b):
    r = rest(b, ("admin", ADMIN_PASSWORD)).get("/v3/clusters")
    assert r.status == 200, r
    return r.json["data"][0]["cluster_id"]


def kcat_sasl(b, user, password, *args, stdin=None):
    exe = shutil.which("kcat")
    assert exe, "kcat is not installed"
    return subprocess.run(
        [exe, "-b", b.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X",
         "sasl.mechanisms=SCRAM-SHA-256", "-X", f"sasl.username={user}", "-X",
         f"sasl.password={password}", *args],
        input=stdin, capture_output=True, timeout=60)


def make_user(b, name, password):
    r = rest(b, ("admin", ADMIN_PASSWORD)).post(
        "/v1/security/users", {"username": name, "password": password,
                               "algorithm": "SCRAM-SHA-256"})
    assert r.status == 200, r


def kafka_acl(b, principal, operation, resource_type, name):
    """Creates an ACL over the Kafka API (kafka-python, SASL as the admin)."""
    from kafka.admin import KafkaAdminClient
    from kafka.admin.acl_resource import (ACL, ACLOperation, ACLPermissionType,
                                          ResourcePattern, ResourceType)
    a = KafkaAdminClient(bootstrap_servers=b.bootstrap, security_protocol="SASL_PLAINTEXT",
                         sasl_mechanism="SCRAM-SHA-256", sasl_plain_username="admin",
                         sasl_plain_password=ADMIN_PASSWORD, request_timeout_ms=15000)
    try:
        result = a.create_acls([ACL(principal, "*", getattr(ACLOperation, operation),
                                    ACLPermissionType.ALLOW,
                                    ResourcePattern(getattr(ResourceType, resource_type), name))])
        assert not result["failed"], result
    finally:
        a.close()


def test_open_routes_answer_without_credentials_and_others_need_them(b):
    anonymous = rest(b)
    assert anonymous.get("/v1/status/live").status == 200
    assert anonymous.get("/v1/status/ready").status == 200
    metrics = anonymous.get("/metrics", validate=False)
    assert metrics.status == 200 and "samsa_" in metrics.text
    r = anonymous.get("/v3/clusters", validate=False)
    assert r.status == 401, r
    assert r.headers["www-authenticate"].startswith("Basic realm=")
    assert r.json["error_code"] == 40101, r
    # The plain http listener asks for the same credentials.
    assert rest(b, https=False).get("/v3/clusters", validate=False).status == 401
    assert rest(b, ("admin", ADMIN_PASSWORD), https=False).get("/v3/clusters").status == 200


def test_basic_with_scram_and_jaas_users(b):
    assert rest(b, ("admin", ADMIN_PASSWORD)).get("/v3/clusters").status == 200
    r = rest(b, ("admin", "wrong")).get("/v3/clusters", validate=False)
    assert r.status == 401 and r.json["error_code"] == 40101, r
    assert rest(b, ("nobody", "x")).get("/v3/clusters", validate=False).status == 401
    # A JAAS PLAIN user of the Kafka listener logs in too (no ACL needed to list clusters).
    assert rest(b, ("jaasbob", "bob-Secret-2")).get("/v3/clusters").status == 200
    assert rest(b, ("jaasbob", "nope")).get("/v3/clusters", validate=False).status == 401
    # Garbage in the header is a 401, not a crash.
    raw = RestClient(b, tls=tls_context(b.pki))
    for header in ("Basic !!!", "Bearer abc", "Basic " + "A" * 10000, "Basic"):
        r = raw.get("/v3/clusters", headers={"Authorization": header}, validate=False)
        assert r.status == 401, (header[:20], r)


def test_every_route_asks_the_authorizer(b):
    cid = cluster_id(b)
    make_user(b, "alice", "alice-1")
    admin = rest(b, ("admin", ADMIN_PASSWORD))
    alice = rest(b, ("alice", "alice-1"))
    r = admin.post(f"/v3/clusters/{cid}/topics", {"topic_name": "sec-orders",
                                                  "partitions_count": 1})
    assert r.status == 201, r
    # Listing hides what alice may not describe; naming it is a 403, not a 404.
    r = alice.get(f"/v3/clusters/{cid}/topics")
    assert r.status == 200 and r.json["data"] == [], r
    r = alice.get(f"/v3/clusters/{cid}/topics/sec-orders")
    assert r.status == 403 and r.json["error_code"] == 40301, r
    assert "User:alice" in r.json["message"]
    r = alice.post(f"/v3/clusters/{cid}/topics", {"topic_name": "sec-alice", "partitions_count": 1})
    assert r.status == 403, r
    r = alice.delete(f"/v3/clusters/{cid}/topics/sec-orders")
    assert r.status == 403, r
    r = alice.get("/v1/security/users")
    assert r.status == 403, r
    r = alice.post(f"/v3/clusters/{cid}/topics/sec-orders/records",
                   {"value": {"type": "JSON", "data": 1}}, validate=False)
    assert r.status == 403, r
    # An ACL made over the Kafka API opens exactly that action over REST.
    kafka_acl(b, "User:alice", "DESCRIBE", "TOPIC", "sec-orders")
    kafka_acl(b, "User:alice", "CREATE", "TOPIC", "sec-alice")
    r = alice.get(f"/v3/clusters/{cid}/topics")
    assert [t["topic_name"] for t in r.json["data"]] == ["sec-orders"], r
    assert alice.get(f"/v3/clusters/{cid}/topics/sec-orders").status == 200
    assert alice.delete(f"/v3/clusters/{cid}/topics/sec-orders").status == 403
    assert alice.post(f"/v3/clusters/{cid}/topics",
                      {"topic_name": "sec-alice", "partitions_count": 1}).status == 201
    assert alice.post(f"/v3/clusters/{cid}/topics",
                      {"topic_name": "sec-other", "partitions_count": 1}).status == 403
    # The same principal over the Kafka API sees the same: DESCRIBE yes, WRITE no.
    r = kcat_sasl(b, "alice", "alice-1", "-L", "-t", "sec-orders")
    assert r.returncode == 0 and b"sec-orders" in r.stdout, r.stderr


def test_client_certificate_is_a_principal(b):
    cid = cluster_id(b)
    carol = rest(b, cert=b.pki.carol)
    r = carol.get(f"/v3/clusters/{cid}/topics/sec-orders")
    assert r.status == 403 and "User:carol" in r.json["message"], r
    kafka_acl(b, "User:carol", "DESCRIBE", "TOPIC", "sec-orders")
    assert carol.get(f"/v3/clusters/{cid}/topics/sec-orders").status == 200
    # Basic wins over the certificate when both are sent.
    both = rest(b, ("admin", ADMIN_PASSWORD), cert=b.pki.carol)
    assert both.get("/v1/security/users").status == 200
    # A certificate from a CA the listener does not trust fails the handshake.
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        rest(b, cert=b.pki.stranger).get("/v3/clusters", validate=False)
    # The server keeps serving.
    assert rest(b).get("/v1/status/live").status == 200


def test_audit_lines_for_rest(b):
    rest(b, ("admin", "bad-password")).get("/v3/clusters", validate=False)
    rest(b, ("alice", "alice-1")).get("/v1/security/users")
    lines = audit_lines(b)
    rest_lines = [x for x in lines if "route" in x]
    assert rest_lines, lines[-5:]
    for line in rest_lines:
        assert {"time", "principal", "client", "listener", "route", "resource", "operation",
                "result"} <= line.keys(), line
        assert line["listener"] == "ADMIN_HTTP"
    assert any(x["event"] == "authentication" and x["result"] == "failure" and
               x["principal"] == "User:admin" and x["route"] == "GET /v3/clusters"
               for x in rest_lines), rest_lines[-5:]
    # And the failure counter the Kafka listeners have, with the admin listener's name.
    text = rest(b).get("/metrics", validate=False).text
    assert 'samsa_sasl_authentication_failures_total{listener="ADMIN_HTTP",mechanism="BASIC"}' \
        in text, [line for line in text.splitlines() if "authentication_failures" in line]
    assert any(x["event"] == "authentication" and x["result"] == "success" and
               x["principal"] == "User:carol" and x["resource"] == "Mechanism:MTLS"
               for x in rest_lines), rest_lines[-5:]
    assert any(x["event"] == "authorization" and x["result"] == "denied" and
               x["principal"] == "User:alice" and x["route"] == "GET /v1/security/users" and
               x["operation"] == "DESCRIBE" and x["resource"] == "CLUSTER:kafka-cluster"
               for x in rest_lines), rest_lines[-5:]
    changes = [x for x in rest_lines if x["event"] == "change"]
    route = "POST /v3/clusters/{cluster_id}/topics"
    assert any(x["principal"] == "User:admin" and x["route"] == route and
               x["resource"] == "TOPIC:sec-orders" and x["operation"] == "CREATE" and
               x["result"] == "success" for x in changes), changes[-5:]
    assert any(x["principal"] == "User:alice" and x["resource"] == "TOPIC:sec-alice" and
               x["result"] == "success" for x in changes), changes[-5:]
    # Refused requests are denials, never change attempts.
    assert not any(x["resource"] == "TOPIC:sec-other" for x in changes), changes[-5:]
    assert any(x["route"] == "POST /v1/security/users" and x["resource"] == "USER:alice" and
               x["operation"] == "UPSERT" for x in changes), changes[-5:]
    # A failing change is a failure line with the reason.
    admin = rest(b, ("admin", ADMIN_PASSWORD))
    cid = cluster_id(b)
    r = admin.post(f"/v3/clusters/{cid}/topics", {"topic_name": "sec-orders",
                                                  "partitions_count": 1})
    assert r.status == 400, r
    failed = [x for x in audit_lines(b) if x["event"] == "change" and x["result"] == "failure"]
    assert any(x["resource"] == "TOPIC:sec-orders" and "HTTP 400" in x["reason"]
               for x in failed), failed[-5:]


def https_serial(b):
    ctx = tls_context(b.pki)
    conn = http.client.HTTPSConnection("127.0.0.1", b.admin_port, timeout=10, context=ctx)
    try:
        conn.request("GET", "/v1/status/live")
        conn.getresponse().read()
        return conn.sock.getpeercert()["serialNumber"]
    finally:
        conn.close()


def test_https_certificate_reloads_on_sighup(b):
    assert https_serial(b) == "61"
    # A connection kept open across the reload keeps working.
    ctx = tls_context(b.pki)
    kept = http.client.HTTPSConnection("127.0.0.1", b.admin_port, timeout=10, context=ctx)
    kept.request("GET", "/v1/status/live")
    assert kept.getresponse().read()
    shutil.copy(b.pki.keystore_pem(b.pki.server2), b.keystore)
    os.kill(b.pid, signal.SIGHUP)
    wait_until(lambda: https_serial(b) == "62", "the admin https listener serves the new "
               "certificate", broker=b)
    kept.request("GET", "/v1/status/ready")
    assert kept.getresponse().status == 200
    kept.close()
    # The expiry metric covers the admin listener too.
    text = rest(b).get("/metrics", validate=False).text
    assert 'samsa_tls_certificate_expiry_timestamp_seconds{listener="ADMIN_HTTP"}' in text


def test_open_routes_are_configurable(broker_factory):
    # Authentication forced on without any SASL listener; /metrics closed, /v1/status/* open.
    br = broker_factory({"admin.http.authentication": "required",
                         "admin.http.open.routes": "/v1/status/*", "super.users": "User:admin"},
                        start=False)
    br.command_extra = ["--add-scram", f"SCRAM-SHA-256=[name=admin,password={ADMIN_PASSWORD}]"]
    original = br.command
    br.command = lambda: original() + br.command_extra
    br.rest_admin_auth = ("admin", ADMIN_PASSWORD)  # RestClient fetches /openapi.json with it
    br.start()
    anonymous = RestClient(br)
    assert anonymous.get("/v1/status/live").status == 200
    assert anonymous.get("/metrics", validate=False).status == 401
    admin = RestClient(br, auth=("admin", ADMIN_PASSWORD))
    r = admin.get("/metrics", validate=False)
    assert r.status == 200 and "samsa_" in r.text


def test_bad_admin_tls_settings_stop_startup(broker_factory, pki):
    br = broker_factory({"admin.listeners": "https://127.0.0.1:0",
                         "listener.name.admin_http.ssl.keystore.location":
                             os.path.join(pki.root, "missing.pem")}, start=False)
    with pytest.raises(Exception) as e:
        br.start(timeout=30)
    assert "listener.name.admin_http.ssl.keystore.location" in str(e.value) + br.log_text()


def test_acls_over_rest(b):
    cid = cluster_id(b)
    admin = rest(b, ("admin", ADMIN_PASSWORD))
    make_user(b, "erin", "erin-1")
    erin = rest(b, ("erin", "erin-1"))
    acl = {"resource_type": "TOPIC", "resource_name": "sec-erin", "pattern_type": "LITERAL",
           "principal": "User:erin", "host": "*", "operation": "DESCRIBE", "permission": "ALLOW"}
    # Changing ACLs needs ALTER on the cluster.
    assert erin.post(f"/v3/clusters/{cid}/acls", acl).status == 403
    r = admin.post(f"/v3/clusters/{cid}/acls", acl)
    assert r.status == 201 and r.text == "", r
    prefixed = dict(acl, pattern_type="PREFIXED", resource_name="sec-erin-", operation="WRITE")
    group = dict(acl, resource_type="GROUP", resource_name="erin-group", operation="READ")
    assert admin.post(f"/v3/clusters/{cid}/acls:batch", {"data": [prefixed, group]}).status == 201
    # An exact search finds exactly one (the Terraform provider's read), LITERAL never PREFIXED.
    q = "&".join(f"{k}={v}" for k, v in acl.items()).replace("User:", "User%3A")
    r = admin.get(f"/v3/clusters/{cid}/acls?{q}")
    assert r.status == 200 and r.json["kind"] == "KafkaAclList", r
    assert len(r.json["data"]) == 1 and r.json["data"][0]["pattern_type"] == "LITERAL", r
    assert r.json["data"][0]["cluster_id"] == cid
    r = admin.get(f"/v3/clusters/{cid}/acls?principal=User%3Aerin")
    assert sorted((x["resource_type"], x["operation"]) for x in r.json["data"]) == [
        ("GROUP", "READ"), ("TOPIC", "DESCRIBE"), ("TOPIC", "WRITE")], r
    # Empty parameters mean "any", as in kafka-rest.
    r = admin.get(f"/v3/clusters/{cid}/acls?resource_type=&principal=User%3Aerin&operation=")
    assert len(r.json["data"]) == 3, r
    # The Kafka API sees the same ACLs: erin may now describe sec-erin over REST and Kafka.
    assert admin.post(f"/v3/clusters/{cid}/topics", {"topic_name": "sec-erin",
                                                     "partitions_count": 1}).status == 201
    assert erin.get(f"/v3/clusters/{cid}/topics/sec-erin").status == 200
    r = kcat_sasl(b, "erin", "erin-1", "-L", "-t", "sec-erin")
    assert r.returncode == 0 and b"sec-erin" in r.stdout and b"Broker: Topic authorization" \
        not in r.stdout, r.stdout
    # Bad input is a 400 naming what is wrong.
    r = admin.post(f"/v3/clusters/{cid}/acls", dict(acl, operation="FLY"))
    assert r.status == 400 and r.json["error_code"] == 40002, r
    r = admin.post(f"/v3/clusters/{cid}/acls", dict(acl, pattern_type="MATCH"))
    assert r.status == 400, r
    r = admin.delete(f"/v3/clusters/{cid}/acls?principal=User%3Aerin")
    assert r.status == 400 and "required" in r.json["message"], r
    # Delete returns what it removed; the Kafka side loses the access at once.
    r = admin.delete(f"/v3/clusters/{cid}/acls?resource_type=TOPIC&pattern_type=ANY&"
                     f"principal=User%3Aerin&operation=ANY&permission=ANY")
    assert r.status == 200 and len(r.json["data"]) == 2, r
    assert erin.get(f"/v3/clusters/{cid}/topics/sec-erin").status == 403
    r = admin.get(f"/v3/clusters/{cid}/acls?principal=User%3Aerin")
    assert [x["resource_type"] for x in r.json["data"]] == ["GROUP"], r
    # One change line per ACL created or deleted, named as the Kafka face names them.
    changes = [x for x in audit_lines(b) if x["event"] == "change" and "route" in x and
               x["resource"].startswith("ACL:") and "User:erin" in x["resource"]]
    assert any(x["result"] == "failure" and ":MATCH:" in x["resource"] and "HTTP 400" in
               x["reason"] for x in changes), changes
    changes = [x for x in changes if x["result"] == "success"]
    assert sorted((x["operation"], x["resource"]) for x in changes) == sorted([
        ("CREATE", "ACL:TOPIC:LITERAL:sec-erin:User:erin:*:DESCRIBE:ALLOW"),
        ("CREATE", "ACL:TOPIC:PREFIXED:sec-erin-:User:erin:*:WRITE:ALLOW"),
        ("CREATE", "ACL:GROUP:LITERAL:erin-group:User:erin:*:READ:ALLOW"),
        ("DELETE", "ACL:TOPIC:LITERAL:sec-erin:User:erin:*:DESCRIBE:ALLOW"),
        ("DELETE", "ACL:TOPIC:PREFIXED:sec-erin-:User:erin:*:WRITE:ALLOW")]), changes


def test_acl_routes_without_authorizer_say_security_is_disabled(broker):
    r = RestClient(broker).get("/v3/clusters")
    cid = r.json["data"][0]["cluster_id"]
    r = RestClient(broker).get(f"/v3/clusters/{cid}/acls")
    assert r.status == 400 and "disabled" in r.json["message"], r


# -- the REST authorization matrix: each action x (no ACL, ALLOW, DENY, prefixed, wildcard, other
# host, super user) -> allowed or 403, exactly as test_acls.py checks the Kafka API ---------------
MX_TOPIC = "mx-topic"
MX_ACTIONS = {
    # name: (method, path under /v3/clusters/{cid} or absolute /v1, body, resource type, name, op)
    "describe_topic": ("GET", "/topics/mx-topic", None, "TOPIC", MX_TOPIC, "DESCRIBE"),
    "produce": ("POST", "/topics/mx-topic/records", {"value": {"type": "JSON", "data": 1}},
                "TOPIC", MX_TOPIC, "WRITE"),
    "browse": ("GET", "/v1/topics/mx-topic/partitions/0/records?offset=0&limit=1", None,
               "TOPIC", MX_TOPIC, "READ"),
    "describe_configs": ("GET", "/topics/mx-topic/configs", None, "TOPIC", MX_TOPIC,
                         "DESCRIBE_CONFIGS"),
    "alter_config": ("PUT", "/topics/mx-topic/configs/retention.ms", {"value": "3600000"},
                     "TOPIC", MX_TOPIC, "ALTER_CONFIGS"),
    "describe_group": ("GET", "/consumer-groups/mx-group", None, "GROUP", "mx-group", "DESCRIBE"),
    "list_users": ("GET", "/v1/security/users", None, "CLUSTER", "kafka-cluster", "DESCRIBE"),
    "create_topic": ("POST", "/topics", {"topic_name": "mx-created", "partitions_count": 1},
                     "TOPIC", "mx-created", "CREATE"),
}


def mx_acls(rtype, name, op):
    base = {"resource_type": rtype, "resource_name": name, "pattern_type": "LITERAL",
            "principal": "User:mx", "host": "*", "operation": op, "permission": "ALLOW"}
    cluster = rtype == "CLUSTER"  # a cluster ACL is always LITERAL kafka-cluster
    return {
        "no_acl": ([], False),
        "allow": ([base], True),
        "deny_wins": ([dict(base, operation="ALL"), dict(base, permission="DENY")], False),
        "prefixed": ([base if cluster else dict(base, pattern_type="PREFIXED",
                                                resource_name=name[:3])], True),
        "wildcard": ([base if cluster else dict(base, resource_name="*")], True),
        "other_host": ([dict(base, host="10.9.9.9")], False),
    }


@pytest.fixture(scope="module")
def mx(b):
    make_user(b, "mx", "mx-1")
    cid = cluster_id(b)
    admin = rest(b, ("admin", ADMIN_PASSWORD))
    r = admin.post(f"/v3/clusters/{cid}/topics", {"topic_name": MX_TOPIC, "partitions_count": 1})
    assert r.status == 201, r
    return cid


def mx_clear(b, cid):
    r = rest(b, ("admin", ADMIN_PASSWORD)).delete(
        f"/v3/clusters/{cid}/acls?resource_type=ANY&pattern_type=ANY&operation=ANY&"
        f"permission=ANY&principal=User%3Amx")
    assert r.status == 200, r


@pytest.mark.parametrize("scenario", ["no_acl", "allow", "deny_wins", "prefixed", "wildcard",
                                      "other_host", "super_user"])
@pytest.mark.parametrize("action", list(MX_ACTIONS))
def test_rest_authorization_matrix(b, mx, action, scenario):
    method, path, body, rtype, name, op = MX_ACTIONS[action]
    cid = mx
    mx_clear(b, cid)
    if scenario == "super_user":
        client, allowed = rest(b, ("admin", ADMIN_PASSWORD)), True
    else:
        acls, allowed = mx_acls(rtype, name, op)[scenario]
        if acls:
            r = rest(b, ("admin", ADMIN_PASSWORD)).post(f"/v3/clusters/{cid}/acls:batch",
                                                        {"data": acls})
            assert r.status == 201, r
        client = rest(b, ("mx", "mx-1"))
    url = path if path.startswith("/v1") else f"/v3/clusters/{cid}{path}"
    r = client.request(method, url, body=body, validate=False)
    if allowed:
        assert r.status not in (401, 403), (action, scenario, r)
    else:
        assert r.status == 403 and r.json["error_code"] == 40301, (action, scenario, r)
