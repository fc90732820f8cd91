"""The audit log's change events for the Kafka API: one JSON line (event "change") per changed
resource, after the broker answered, with result success or failure (reason: the error's name and
message). The broker runs SASL SCRAM with the authorizer on; the super user User:admin makes the
changes with confluent-kafka, kafka-python, and raw requests where the Debian clients have no call
(IncrementalAlterConfigs, OffsetDelete, DeleteRecords, AlterUserScramCredentials). A change that
is denied is audited as a denial only, never also as a change; validate_only changes nothing and
is not audited."""

import os
import struct

import pytest
from samsa_fixture import Broker, RawClient, Reader, audit_lines, encode_string, run_broker
from test_sasl import login_plain
from test_scram_credentials import (SHA256, SHA512, TAGS, FlexReader, c_array, c_bytes, c_str,
                                    deletion, upsertion)

ADMIN_PASSWORD = "admin-Audit-1"
CAROL_PASSWORD = "carol-Audit-1"
ADMIN = "User:admin"
LISTENER = "SASL_PLAINTEXT"
KEYS = {"time", "event", "principal", "client", "listener", "api", "resource", "operation",
        "result"}


class AuditBroker(Broker):
    """SASL_PLAINTEXT on the fixture's port; the admin's credential given at format time."""

    def command(self):
        self.overrides["listeners"] = f"SASL_PLAINTEXT://127.0.0.1:{self.port}"
        return super().command() + [
            "--add-scram", f"SCRAM-SHA-256=[name=admin,password={ADMIN_PASSWORD}]",
            "--add-scram", f"SCRAM-SHA-512=[name=admin,iterations=8192,password={ADMIN_PASSWORD}]"]


@pytest.fixture(scope="module")
def b(request):
    br = AuditBroker(overrides={
        "sasl.enabled.mechanisms": "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN",
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": ADMIN,
        "auto.create.topics.enable": "false",
        "num.partitions": 2,
        "connection.failed.authentication.delay.ms": 50,
    }, name="audit")
    br.overrides["audit.log.file"] = os.path.join(br.root, "audit.log")
    yield from run_broker(request, br)


# -- reading the audit log ----------------------------------------------------------------------

class Changes:
    """The change lines written while the `with` body ran (lines reach the file before the
    broker answers, so nothing needs waiting for)."""

    def __init__(self, b):
        self.b = b

    def __enter__(self):
        self.start = len(audit_lines(self.b))
        return self

    def __exit__(self, *exc):
        new = audit_lines(self.b)[self.start:]
        self.all = new
        self.lines = [x for x in new if x["event"] == "change"]


def only(lines, **want):
    """The one line with these values; fails showing the lines otherwise."""
    got = [x for x in lines if all(x.get(k) == v for k, v in want.items())]
    assert len(got) == 1, f"want one line with {want}, got {len(got)} among {lines}"
    line = got[0]
    assert KEYS <= line.keys(), line
    assert "route" not in line, line
    return line


def admin_change(lines, api, resource, operation, result="success", principal=ADMIN):
    line = only(lines, api=api, resource=resource)
    assert (line["principal"], line["operation"], line["result"], line["listener"]) == \
        (principal, operation, result, LISTENER), line
    assert line["client"].startswith("127.0.0.1"), line
    assert ("reason" in line) == (result == "failure"), line
    return line


# -- clients --------------------------------------------------------------------------------------

def confluent_conf(b, user="admin", password=ADMIN_PASSWORD):
    return {"bootstrap.servers": b.bootstrap, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": user, "sasl.password": password}


def confluent_admin(b, **kw):
    from confluent_kafka.admin import AdminClient
    return AdminClient(confluent_conf(b, **kw))


def kafka_python_admin(b):
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=b.bootstrap, security_protocol="SASL_PLAINTEXT",
                            sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="admin",
                            sasl_plain_password=ADMIN_PASSWORD, api_version=(2, 5, 0),
                            request_timeout_ms=20000)


def raw_request(b, api_key, version, body, flexible=False):
    """One request as User:admin (SASL PLAIN, checked against the SCRAM credential)."""
    with RawClient(b.host, b.port) as c:
        login_plain(c, "admin", ADMIN_PASSWORD)
        return c.request(api_key, version, body, flexible=flexible)


def wait_result(futures):
    """confluent-kafka futures: {key: None or the KafkaError}. The AdminClient that made them
    must still be referenced: a destroyed client fails its futures with _DESTROY."""
    out = {}
    for k, f in futures.items():
        try:
            f.result(timeout=30)
            out[k] = None
        except Exception as e:  # KafkaException carrying the KafkaError
            out[k] = e.args[0]
    return out


def create_topic(b, name, partitions=2):
    from confluent_kafka.admin import NewTopic
    a = confluent_admin(b)
    return wait_result(a.create_topics([NewTopic(name, partitions, 1)]))[name]


def incremental_alter_topic(b, topic, name, value):
    """IncrementalAlterConfigs v0, SET one key; returns the resource's error code."""
    body = struct.pack(">ib", 1, 2) + encode_string(topic) + struct.pack(">i", 1)
    body += encode_string(name) + struct.pack(">b", 0) + encode_string(value)
    body += struct.pack(">b", 0)  # validate_only
    r = Reader(raw_request(b, 44, 0, body))
    r.i32()  # throttle
    assert r.i32() == 1
    return r.i16()


def offset_delete(b, group, topic, partitions):
    """OffsetDelete v0; returns (group error, {partition: error})."""
    body = encode_string(group) + struct.pack(">i", 1) + encode_string(topic)
    body += struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p) for p in partitions)
    r = Reader(raw_request(b, 47, 0, body))
    err = r.i16()
    r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p = r.i32()
            out[p] = r.i16()
    return err, out


def delete_records(b, topic, partition, offset):
    """DeleteRecords v0 for one partition; returns its error code."""
    body = struct.pack(">i", 1) + encode_string(topic)
    body += struct.pack(">iiq", 1, partition, offset) + struct.pack(">i", 10000)
    r = Reader(raw_request(b, 21, 0, body))
    r.i32()  # throttle
    assert r.i32() == 1
    r.string()
    assert r.i32() == 1
    r.i32()  # partition
    r.take(8)  # low watermark
    return r.i16()


def alter_scram(b, changes):
    """AlterUserScramCredentials v0 as the admin; returns {user: error_code}."""
    dels = [c_str(c[1]) + struct.pack(">b", c[2]) + TAGS for c in changes if c[0] == "d"]
    ups = [c_str(c[1]) + struct.pack(">bi", c[2], c[3]) + c_bytes(c[4]) + c_bytes(c[5]) + TAGS
           for c in changes if c[0] == "u"]
    r = FlexReader(raw_request(b, 51, 0, c_array(dels) + c_array(ups) + TAGS, flexible=True))
    r.tags()  # response header v1
    r.i32()  # throttle
    results = r.c_array(lambda x: (x.c_string(), x.i16(), x.c_string(), x.tags())[:2])
    return dict(results)


# -- tests ----------------------------------------------------------------------------------------

def test_topic_changes(b):
    from confluent_kafka.admin import ConfigResource, NewPartitions, NewTopic

    with Changes(b) as c:
        assert create_topic(b, "audit-t1") is None
    admin_change(c.lines, "CreateTopics", "TOPIC:audit-t1", "CREATE")
    assert len(c.lines) == 1, c.lines

    # The failing change: the topic exists.
    with Changes(b) as c:
        err = create_topic(b, "audit-t1")
    assert err is not None and err.name() == "TOPIC_ALREADY_EXISTS", err
    line = admin_change(c.lines, "CreateTopics", "TOPIC:audit-t1", "CREATE", result="failure")
    assert line["reason"].startswith("TOPIC_ALREADY_EXISTS: "), line

    # validate_only changes nothing: no line.
    with Changes(b) as c:
        a = confluent_admin(b)
        futures = a.create_topics([NewTopic("audit-dry", 1, 1)], validate_only=True)
        assert wait_result(futures)["audit-dry"] is None
    assert c.lines == [], c.lines

    with Changes(b) as c:
        futures = a.create_partitions([NewPartitions("audit-t1", 4)])
        assert wait_result(futures)["audit-t1"] is None
    admin_change(c.lines, "CreatePartitions", "TOPIC:audit-t1", "CREATE_PARTITIONS")

    with Changes(b) as c:
        res = ConfigResource("topic", "audit-t1", set_config={"retention.ms": "3600000"})
        assert wait_result(a.alter_configs([res]))[res] is None
    admin_change(c.lines, "AlterConfigs", "TOPIC:audit-t1", "ALTER_CONFIGS")

    with Changes(b) as c:
        assert incremental_alter_topic(b, "audit-t1", "retention.bytes", "1048576") == 0
        # INVALID_CONFIG: a failed change of the same resource.
        assert incremental_alter_topic(b, "audit-t1", "retention.ms", "soon") == 40
    lines = [x for x in c.lines if x["api"] == "IncrementalAlterConfigs"]
    assert [x["result"] for x in lines] == ["success", "failure"], lines
    for x in lines:
        assert (x["principal"], x["resource"], x["operation"]) == \
            (ADMIN, "TOPIC:audit-t1", "ALTER_CONFIGS"), x
    assert lines[1]["reason"].startswith("INVALID_CONFIG"), lines[1]

    with Changes(b) as c:
        results = wait_result(a.delete_topics(["audit-t1", "audit-none"]))
        assert results["audit-t1"] is None
        assert results["audit-none"].name() == "UNKNOWN_TOPIC_OR_PART", results
    admin_change(c.lines, "DeleteTopics", "TOPIC:audit-t1", "DELETE")
    line = admin_change(c.lines, "DeleteTopics", "TOPIC:audit-none", "DELETE", result="failure")
    assert line["reason"].startswith("UNKNOWN_TOPIC_OR_PARTITION"), line


def test_credential_changes_and_denied_changes_are_not_changes(b):
    with Changes(b) as c:
        got = alter_scram(b, [upsertion("carol", SHA256, 4096, CAROL_PASSWORD)])
    assert got == {"carol": 0}, got
    admin_change(c.lines, "AlterUserScramCredentials", "USER:carol", "UPSERT")

    # carol has no ACLs: the CreateTopics is denied, audited as a denial and not as a change.
    with Changes(b) as c:
        from confluent_kafka.admin import NewTopic
        carol = confluent_admin(b, user="carol", password=CAROL_PASSWORD)
        futures = carol.create_topics([NewTopic("audit-denied", 1, 1)])
        err = wait_result(futures)["audit-denied"]
    assert err is not None and err.name() == "TOPIC_AUTHORIZATION_FAILED", err
    assert c.lines == [], c.lines
    denials = [x for x in c.all if x["event"] == "authorization" and x["api"] == "CreateTopics"]
    assert any(x["principal"] == "User:carol" and x["resource"] == "TOPIC:audit-denied" and
               x["result"] == "denied" for x in denials), c.all

    # A deletion and an upsertion for one user is ALTER (refused: Kafka alters a user at most
    # once per request); deleting what is not there fails too.
    with Changes(b) as c:
        got = alter_scram(b, [deletion("carol", SHA256),
                              upsertion("carol", SHA512, 4096, CAROL_PASSWORD),
                              deletion("nobody", SHA256)])
    assert got == {"carol": 92, "nobody": 91}, got  # DUPLICATE_RESOURCE, RESOURCE_NOT_FOUND
    line = admin_change(c.lines, "AlterUserScramCredentials", "USER:carol", "ALTER",
                        result="failure")
    assert line["reason"].startswith("DUPLICATE_RESOURCE"), line
    line = admin_change(c.lines, "AlterUserScramCredentials", "USER:nobody", "DELETE",
                        result="failure")
    assert line["reason"].startswith("RESOURCE_NOT_FOUND"), line

    with Changes(b) as c:
        assert alter_scram(b, [deletion("carol", SHA256)]) == {"carol": 0}
    admin_change(c.lines, "AlterUserScramCredentials", "USER:carol", "DELETE")


def test_acl_changes(b):
    from kafka.admin.acl_resource import (ACL, ACLFilter, ACLOperation, ACLPermissionType,
                                          ACLResourcePatternType, ResourcePattern,
                                          ResourcePatternFilter, ResourceType)
    a = kafka_python_admin(b)
    try:
        acl = ACL("User:carol", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                  ResourcePattern(ResourceType.TOPIC, "audit-orders",
                                  ACLResourcePatternType.LITERAL))
        with Changes(b) as c:
            got = a.create_acls([acl])
            assert len(got["succeeded"]) == 1 and not got["failed"], got
        resource = "ACL:TOPIC:LITERAL:audit-orders:User:carol:*:READ:ALLOW"
        admin_change(c.lines, "CreateAcls", resource, "CREATE")

        with Changes(b) as c:
            flt = ACLFilter("User:carol", None, ACLOperation.ANY, ACLPermissionType.ANY,
                            ResourcePatternFilter(ResourceType.TOPIC, None,
                                                  ACLResourcePatternType.ANY))
            got = a.delete_acls([flt])
            assert len(got[0][1]) == 1, got
        admin_change(c.lines, "DeleteAcls", resource, "DELETE")
        assert len(c.lines) == 1, c.lines
    finally:
        a.close()


def test_group_and_record_changes(b):
    from confluent_kafka import Consumer, Producer, TopicPartition
    assert create_topic(b, "audit-t2") is None
    p = Producer(confluent_conf(b))
    for i in range(10):
        p.produce("audit-t2", value=f"v{i}".encode(), partition=0)
    assert p.flush(30) == 0

    # Offsets of an empty group: committed, then deleted for one partition, then the group.
    cons = Consumer({**confluent_conf(b), "group.id": "audit-g", "enable.auto.commit": False})
    cons.commit(offsets=[TopicPartition("audit-t2", 0, 5), TopicPartition("audit-t2", 1, 0)],
                asynchronous=False)
    cons.close()
    with Changes(b) as c:
        assert offset_delete(b, "audit-g", "audit-t2", [0]) == (0, {0: 0})
    admin_change(c.lines, "OffsetDelete", "GROUP:audit-g:TOPIC:audit-t2:0", "DELETE_OFFSETS")
    with Changes(b) as c:
        err, _ = offset_delete(b, "audit-nogroup", "audit-t2", [0])
        assert err == 69, err  # GROUP_ID_NOT_FOUND
    line = admin_change(c.lines, "OffsetDelete", "GROUP:audit-nogroup", "DELETE_OFFSETS",
                        result="failure")
    assert line["reason"].startswith("GROUP_ID_NOT_FOUND"), line

    a = kafka_python_admin(b)
    try:
        with Changes(b) as c:
            got = dict(a.delete_consumer_groups(["audit-g"]))
            assert got["audit-g"].errno == 0, got
        admin_change(c.lines, "DeleteGroups", "GROUP:audit-g", "DELETE")
        with Changes(b) as c:
            got = dict(a.delete_consumer_groups(["audit-g"]))
            assert got["audit-g"].errno == 69, got
        admin_change(c.lines, "DeleteGroups", "GROUP:audit-g", "DELETE", result="failure")
    finally:
        a.close()

    with Changes(b) as c:
        assert delete_records(b, "audit-t2", 0, 4) == 0
        assert delete_records(b, "audit-t2", 0, 99) == 1  # OFFSET_OUT_OF_RANGE
    lines = [x for x in c.lines if x["api"] == "DeleteRecords"]
    assert [(x["resource"], x["operation"], x["result"]) for x in lines] == \
        [("TOPIC:audit-t2:0", "DELETE_RECORDS", "success"),
         ("TOPIC:audit-t2:0", "DELETE_RECORDS", "failure")], lines
    assert all(x["principal"] == ADMIN for x in lines), lines
    assert lines[1]["reason"].startswith("OFFSET_OUT_OF_RANGE"), lines[1]


def test_every_line_is_one_json_object_with_the_keys(b):
    lines = audit_lines(b)
    assert any(x["event"] == "change" for x in lines), lines[-5:]
    for x in lines:
        assert KEYS <= x.keys() or ("route" in x and "api" not in x), x
    # Time is ISO-8601 UTC with milliseconds.
    assert all(x["time"].endswith("Z") and "T" in x["time"] for x in lines), lines[-3:]
