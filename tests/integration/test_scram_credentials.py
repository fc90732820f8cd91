"""SCRAM credentials stored salted in the metadata log: DescribeUserScramCredentials (50) and
AlterUserScramCredentials (51) v0 with Kafka's errors and messages, survival across a restart, the
--add-scram / --add-scram-file bootstrap (kafka-storage format --add-scram), a data dir free of the
password, and the /v1/security/users REST routes over the same service.

Debian's kafka-python 2.0.2 and confluent-kafka 1.7.0 have no SCRAM admin calls (confluent-kafka
added them in 2.2), so the Kafka requests are built by hand from the protocol schemas, the way
those clients would send them (both APIs are flexible from v0)."""

import hashlib
import hmac
import os
import struct

import pytest
from rest_client import RestClient
from samsa_fixture import (Broker, BrokerError, RawClient, Reader, encode_uvarint, frame,
                           request_header_v2)

API_DESCRIBE = 50
API_ALTER = 51
SHA256, SHA512 = 1, 2
NONE, CLUSTER_AUTH, UNSUPPORTED_MECH, NOT_FOUND, DUPLICATE, UNACCEPTABLE = 0, 31, 33, 91, 92, 93


# -- flexible encoding ---------------------------------------------------------------------------
def c_str(s):
    b = s.encode()
    return encode_uvarint(len(b) + 1) + b


def c_bytes(b):
    return encode_uvarint(len(b) + 1) + b


def c_array(items):
    if items is None:
        return b"\x00"
    return encode_uvarint(len(items) + 1) + b"".join(items)


TAGS = b"\x00"


class FlexReader(Reader):
    def uvarint(self):
        shift = value = 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def c_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def c_array(self, item):
        n = self.uvarint()
        if n == 0:
            return None
        if n - 1 > len(self.data):
            raise ValueError("array count larger than the response")
        return [item(self) for _ in range(n - 1)]

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


def salted_password(mechanism, password, salt, iterations):
    name = "sha256" if mechanism == SHA256 else "sha512"
    return hashlib.pbkdf2_hmac(name, password.encode(), salt, iterations)


def upsertion(name, mechanism, iterations, password="pw", salt=b"0123456789abcdef"):
    return ("u", name, mechanism, iterations, salt, salted_password(
        mechanism if mechanism in (SHA256, SHA512) else SHA256, password, salt, max(iterations, 1)))


def deletion(name, mechanism):
    return ("d", name, mechanism)


def alter(broker, changes):
    """Returns {user: (error_code, error_message)} and the raw result order."""
    dels = [c_str(c[1]) + struct.pack(">b", c[2]) + TAGS for c in changes if c[0] == "d"]
    ups = [c_str(c[1]) + struct.pack(">bi", c[2], c[3]) + c_bytes(c[4]) + c_bytes(c[5]) + TAGS
           for c in changes if c[0] == "u"]
    body = c_array(dels) + c_array(ups) + TAGS
    with RawClient(broker.host, broker.port) as c:
        r = FlexReader(c.request(API_ALTER, 0, body, flexible=True))
    r.tags()  # response header v1
    r.i32()  # throttle
    results = r.c_array(lambda x: (x.c_string(), x.i16(), x.c_string(), x.tags())[:3])
    r.tags()
    assert r.pos == len(r.data), "trailing bytes in the response"
    return {u: (code, msg) for u, code, msg in results}


def describe(broker, users):
    body = c_array(None if users is None else [c_str(u) + TAGS for u in users]) + TAGS
    with RawClient(broker.host, broker.port) as c:
        r = FlexReader(c.request(API_DESCRIBE, 0, body, flexible=True))
    r.tags()
    r.i32()
    top = (r.i16(), r.c_string())

    def result(x):
        user, code, msg = x.c_string(), x.i16(), x.c_string()
        infos = x.c_array(lambda y: (y.i8(), y.i32(), y.tags())[:2])
        x.tags()
        return user, code, msg, dict(infos)
    results = r.c_array(result)
    r.tags()
    assert r.pos == len(r.data)
    return top, results


def broker_output_since_last_start(broker):
    """The broker's own log lines of its last start (the fixture's line before them shows the
    command line, which holds --add-scram as given)."""
    last = open(broker.log_path, errors="replace").read().split("### samsa fixture")[-1]
    return last.split("\n", 1)[-1]


def data_dir_bytes(broker):
    out = b""
    for root, _, files in os.walk(broker.data_dir):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                out += fh.read()
    return out


# -- the Kafka APIs --------------------------------------------------------------------------------
def test_api_versions_lists_both(module_broker):
    with RawClient(module_broker.host, module_broker.port) as c:
        err, apis = c.api_versions()
    assert err == 0 and apis[API_DESCRIBE] == (0, 0) and apis[API_ALTER] == (0, 0), apis


def test_create_describe_delete(module_broker):
    b = module_broker
    assert alter(b, [upsertion("alice", SHA256, 4096)]) == {"alice": (NONE, None)}
    assert alter(b, [upsertion("alice", SHA512, 8192), upsertion("bob", SHA256, 16384)]) == {
        "alice": (NONE, None), "bob": (NONE, None)}
    top, results = describe(b, ["alice"])
    assert top == (0, None)
    assert results == [("alice", 0, None, {SHA256: 4096, SHA512: 8192})]
    # Null and empty lists describe every user.
    for users in (None, []):
        _, results = describe(b, users)
        by_user = {r[0]: r for r in results}
        assert by_user["alice"][3] == {SHA256: 4096, SHA512: 8192}
        assert by_user["bob"][3] == {SHA256: 16384}
    # Replacing a credential changes its iterations; deleting one mechanism keeps the other.
    assert alter(b, [upsertion("alice", SHA256, 5000)]) == {"alice": (NONE, None)}
    assert alter(b, [deletion("alice", SHA512), deletion("bob", SHA256)]) == {
        "alice": (NONE, None), "bob": (NONE, None)}
    assert describe(b, ["alice"])[1] == [("alice", 0, None, {SHA256: 5000})]
    assert describe(b, ["bob"])[1] == [
        ("bob", NOT_FOUND, "Attempt to describe a user credential that does not exist: bob", {})]


def test_kafka_errors(module_broker):
    b = module_broker
    assert alter(b, [upsertion("carol", SHA256, 4096)])["carol"][0] == NONE
    got = alter(b, [
        upsertion("few", SHA256, 4095),
        upsertion("many", SHA512, 16385),
        upsertion("weird", 3, 4096),
        deletion("nobody", SHA256),
        deletion("carol", SHA512),  # carol has no SHA-512 credential
        upsertion("twice", SHA256, 4096), upsertion("twice", SHA512, 4096),
        deletion("ghost", SHA256), upsertion("ghost", SHA256, 4096),  # the first error stands
        upsertion("", SHA256, 4096),
        deletion("zero", 0),
    ])
    assert got == {
        "few": (UNACCEPTABLE, "Too few iterations"),
        "many": (UNACCEPTABLE, "Too many iterations"),
        "weird": (UNSUPPORTED_MECH, "Unknown SCRAM mechanism"),
        "nobody": (NOT_FOUND, "Attempt to delete a user credential that does not exist"),
        "carol": (NOT_FOUND, "Attempt to delete a user credential that does not exist"),
        "twice": (DUPLICATE, "A user credential cannot be altered twice in the same request"),
        "ghost": (NOT_FOUND, "Attempt to delete a user credential that does not exist"),
        "": (UNACCEPTABLE, "Username must not be empty"),
        "zero": (UNSUPPORTED_MECH, "Unknown SCRAM mechanism"),
    }, got
    for user in ("few", "many", "weird", "twice"):
        assert describe(b, [user])[1][0][1] == NOT_FOUND, f"{user} must not have been stored"
    # A valid user in a request with invalid ones is still applied (results are per user).
    assert alter(b, [upsertion("dave", SHA256, 4096), upsertion("few", SHA256, 1)]) == {
        "dave": (NONE, None), "few": (UNACCEPTABLE, "Too few iterations")}
    top, results = describe(b, ["dave", "dave", "ghost", "carol"])
    assert top == (0, None)
    assert results == [
        ("dave", DUPLICATE,
         "Cannot describe SCRAM credentials for the same user twice in a single request: dave", {}),
        ("ghost", NOT_FOUND, "Attempt to describe a user credential that does not exist: ghost",
         {}),
        ("carol", 0, None, {SHA256: 4096}),
    ]


def test_truncated_request_does_not_hurt_the_broker(module_broker):
    b = module_broker
    body = c_array([c_str("x") + struct.pack(">b", 1) + TAGS]) + encode_uvarint(1000)  # 999 items
    with RawClient(b.host, b.port) as c:
        c.send_raw(frame(request_header_v2(API_ALTER, 0, 1) + body))
        assert c.is_closed_by_peer(), "a malformed request closes the connection"
    b.assert_alive()
    assert describe(b, ["carol"])[1][0][1] == NONE


# -- persistence and the data dir ------------------------------------------------------------------
PASSWORD = "Corr3ct-Horse-Battery-Staple"


def test_survive_restart_and_no_plaintext(broker):
    salt = b"samsa-it-salt-01"
    salted = salted_password(SHA512, PASSWORD, salt, 8192)
    assert alter(broker, [("u", "erin", SHA512, 8192, salt, salted)]) == {"erin": (NONE, None)}
    broker.restart()
    assert describe(broker, ["erin"])[1] == [("erin", 0, None, {SHA512: 8192})]
    raw = data_dir_bytes(broker)
    assert PASSWORD.encode() not in raw
    assert salted not in raw, "the salted password is turned into keys and never stored"
    # What is stored is the salt and the keys a SCRAM server needs.
    client_key = hmac.new(salted, b"Client Key", "sha512").digest()
    assert salt in raw and hashlib.sha512(client_key).digest() in raw
    assert hmac.new(salted, b"Server Key", "sha512").digest() in raw
    # Deletion survives a kill too.
    assert alter(broker, [deletion("erin", SHA512)]) == {"erin": (NONE, None)}
    broker.kill()
    broker.start()
    assert describe(broker, ["erin"])[1][0][1] == NOT_FOUND


# -- --add-scram bootstrap -----------------------------------------------------------------------
class ArgsBroker(Broker):
    def __init__(self, extra, **kw):
        super().__init__(**kw)
        self.extra = list(extra)

    def command(self):
        return super().command() + self.extra


@pytest.fixture
def make_broker(request):
    made = []

    def make(extra):
        b = ArgsBroker(extra, name=request.node.name[:40])
        made.append(b)
        return b
    yield make
    for b in made:
        b.cleanup(keep=request.session.testsfailed > 0)


def test_add_scram_bootstrap(make_broker):
    spec = f"SCRAM-SHA-256=[name=admin,password={PASSWORD}]"
    b = make_broker(["--add-scram", spec, "--add-scram",
                     "SCRAM-SHA-512=[name=admin,iterations=8192,password=\"a,b\"]"])
    b.start()
    assert describe(b, ["admin"])[1] == [("admin", 0, None, {SHA256: 4096, SHA512: 8192})]
    assert PASSWORD.encode() not in data_dir_bytes(b)
    # The same options on a formatted log are accepted: the credentials match.
    b.restart()
    # Changed through the API, the option no longer matches: refused, naming the option.
    assert alter(b, [upsertion("admin", SHA256, 4096, password="rotated")])["admin"][0] == NONE
    b.stop()
    with pytest.raises(BrokerError) as e:
        b.start()
    assert "--add-scram" in str(e.value) and "already formatted" in str(e.value), str(e.value)
    assert PASSWORD not in broker_output_since_last_start(b), "the refusal must not print it"
    # Without the option the broker starts and keeps the rotated credential.
    b.extra = []
    b.start()
    assert describe(b, ["admin"])[1] == [("admin", 0, None, {SHA256: 4096, SHA512: 8192})]


def test_add_scram_file_and_bad_spec(make_broker, tmp_path):
    f = tmp_path / "scram"
    f.write_text("# first admin\n\nSCRAM-SHA-512=[name=ops,iterations=4100,password=s3cret]\n")
    f.chmod(0o600)
    b = make_broker(["--add-scram-file", str(f)])
    b.start()
    assert describe(b, ["ops"])[1] == [("ops", 0, None, {SHA512: 4100})]
    assert b"s3cret" not in data_dir_bytes(b)
    b.stop()
    bad = make_broker(["--add-scram", "SCRAM-SHA-256=[name=x,password=hunter2,iterations=100]"])
    with pytest.raises(BrokerError) as e:
        bad.start()
    assert "Too few iterations" in str(e.value), str(e.value)
    assert "hunter2" not in broker_output_since_last_start(bad)
    assert bad.last_exit_code == 2


# -- REST -----------------------------------------------------------------------------------------
def test_rest_users(module_broker):
    b = module_broker
    rest = RestClient(b)
    r = rest.post("/v1/security/users", {"username": "rest-user", "password": PASSWORD,
                                          "algorithm": "SCRAM-SHA-512", "iterations": 8192})
    assert r.status == 200, r
    assert describe(b, ["rest-user"])[1] == [("rest-user", 0, None, {SHA512: 8192})]
    r = rest.put("/v1/security/users/rest-user", {"password": "other"})
    assert r.status == 200 and r.json["mechanism"] == "SCRAM-SHA-256", r
    r = rest.get("/v1/security/users/rest-user")
    assert r.status == 200 and sorted(
        (m["mechanism"], m["iterations"]) for m in r.json["mechanisms"]) == [
        ("SCRAM-SHA-256", 4096), ("SCRAM-SHA-512", 8192)], r
    assert "rest-user" in [u["name"] for u in rest.get("/v1/security/users").json]
    r = rest.post("/v1/security/users", {"username": "x", "password": "p", "iterations": 100})
    assert r.status == 400 and r.json["message"] == "Too few iterations", r
    r = rest.put("/v1/security/users/x", {"password": "p", "algorithm": "SCRAM-SHA-1"})
    assert r.status == 400, r
    assert rest.post("/v1/security/users", {"username": "x"}).status == 400
    assert rest.delete("/v1/security/users/rest-user?algorithm=SCRAM-SHA-512").status == 204
    assert describe(b, ["rest-user"])[1][0][3] == {SHA256: 4096}
    assert rest.delete("/v1/security/users/rest-user").status == 204
    assert rest.get("/v1/security/users/rest-user").status == 404
    assert rest.delete("/v1/security/users/rest-user").status == 404
    # Deleting a user with both mechanisms removes both.
    for algorithm in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
        assert rest.put("/v1/security/users/both", {"password": "p",
                                                     "algorithm": algorithm}).status == 200
    assert describe(b, ["both"])[1][0][3] == {SHA256: 4096, SHA512: 4096}
    assert rest.delete("/v1/security/users/both").status == 204
    assert describe(b, ["both"])[1][0][1] == NOT_FOUND
    assert PASSWORD.encode() not in data_dir_bytes(b)
