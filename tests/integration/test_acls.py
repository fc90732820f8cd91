"""ACLs end to end: StandardAuthorizer semantics through real clients.

A broker runs with authorizer.class.name on a PLAINTEXT listener, where every connection is
User:ANONYMOUS. ANONYMOUS is made a super user only long enough to grant itself ALTER on the
cluster (which lets it manage ACLs), then the broker restarts with super.users naming another
principal; so the ACL that bootstraps the test also proves ACLs survive a restart.

The principal under test is SUBJECT. When SASL lands, a SUBJECT with credentials (client settings
for kafka-python) and a separate ADMIN can be plugged in without changing the matrix.

The matrix drives each API with kafka-python's protocol classes over a real connection, so the
exact Kafka error code is checked, under: no ACL, ALLOW, DENY (beside ALLOW ALL), PREFIXED,
wildcard resource and principal, an ALLOW for another host, and allow.everyone.if.no.acl.found.
"""

import socket
import time

import pytest
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.admin.acl_resource import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.conn import BrokerConnection
from kafka.protocol.admin import (
    AlterConfigsRequest,
    CreatePartitionsRequest,
    CreateTopicsRequest,
    DeleteGroupsRequest,
    DeleteTopicsRequest,
    DescribeAclsRequest,
    DescribeConfigsRequest,
    DescribeGroupsRequest,
    ListGroupsRequest,
)
from kafka.protocol.commit import GroupCoordinatorRequest, OffsetFetchRequest
from kafka.protocol.fetch import FetchRequest
from kafka.protocol.group import HeartbeatRequest
from kafka.protocol.metadata import MetadataRequest
from kafka.protocol.offset import OffsetRequest
from kafka.protocol.produce import ProduceRequest
from kafka.record.memory_records import MemoryRecordsBuilder
from samsa_fixture import Broker

AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"

# The principal the matrix authorizes, with the client settings that make a connection be it.
SUBJECT = {"principal": "User:ANONYMOUS", "client": {}}
# Who manages ACLs. Today the same connection (granted ALTER on the cluster); with SASL, a
# separate super user.
ADMIN = {"principal": "User:ANONYMOUS", "client": {}}
SUPER_USER = "User:admin"  # a super user that is not the subject

TOPIC = "acl-orders"
GROUP = "acl-group"
OTHER_HOST = "10.99.99.99"

TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
CLUSTER_AUTHORIZATION_FAILED = 31
SECURITY_DISABLED = 54


def overrides(**extra):
    base = {
        "authorizer.class.name": AUTHORIZER,
        "super.users": SUPER_USER,
        "auto.create.topics.enable": "false",
        "num.partitions": 1,
    }
    base.update(extra)
    return base


def admin_client(broker, who=ADMIN):
    return KafkaAdminClient(
        bootstrap_servers=broker.bootstrap, request_timeout_ms=15000, **who["client"]
    )


class Conn:
    """One kafka-python connection as `who`, sending protocol objects and returning responses."""

    def __init__(self, broker, who=SUBJECT):
        self.c = BrokerConnection(
            "127.0.0.1", broker.port, socket.AF_INET, api_version=(2, 5), **who["client"]
        )
        deadline = time.time() + 10
        while not self.c.connected():
            self.c.connect()
            assert time.time() < deadline, "could not connect"
            time.sleep(0.01)

    def send(self, request):
        future = self.c.send(request)
        deadline = time.time() + 15
        while not future.is_done:
            for resp, f in self.c.recv():
                f.success(resp)
            assert time.time() < deadline, "no response"
        if future.failed():
            raise future.exception
        return future.value

    def close(self):
        self.c.close()


def bootstrap_acl_admin(broker_factory, extra=None):
    """A broker where ADMIN may manage ACLs but SUBJECT has no other rights; ACLs persisted."""
    b = broker_factory(overrides(**{**(extra or {}), "super.users": ADMIN["principal"]}))
    a = admin_client(b)
    a.create_topics([NewTopic(TOPIC, 1, 1)])
    result = a.create_acls(
        [acl(ADMIN["principal"], "*", ACLOperation.ALTER, ACLPermissionType.ALLOW,
             ResourceType.CLUSTER, "kafka-cluster")]
    )
    assert not result["failed"], result
    a.close()
    b.overrides.update(overrides(**(extra or {})))
    b.restart()
    return b


def acl(principal, host, op, perm, rtype, name, pattern=ACLResourcePatternType.LITERAL):
    return ACL(principal, host, op, perm, ResourcePattern(rtype, name, pattern))


# --- ACL administration ---------------------------------------------------------------------------


def test_acl_apis_without_authorizer_are_security_disabled(broker):
    conn = Conn(broker)
    resp = conn.send(DescribeAclsRequest[1](
        resource_type=1, resource_name=None, resource_pattern_type_filter=1, principal=None,
        host=None, operation=1, permission_type=1))
    assert resp.error_code == SECURITY_DISABLED
    assert resp.error_message == "No Authorizer is configured."
    conn.close()


def test_unknown_authorizer_class_stops_startup(broker_factory):
    b = broker_factory({"authorizer.class.name": "com.example.Nope"}, start=False)
    with pytest.raises(Exception):
        b.start(timeout=15)
    # The fixture writes the command line (which names the key too) on "###" lines: skip them.
    said = [line for line in b.log_text().splitlines() if not line.startswith("###")]
    assert any("authorizer.class.name" in line for line in said), said


def test_create_describe_delete_acls_and_restart(broker_factory):
    b = bootstrap_acl_admin(broker_factory)
    a = admin_client(b)
    # The bootstrap ACL survived the restart: ADMIN can still manage ACLs.
    acls, error = a.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                            ResourcePatternFilter(ResourceType.CLUSTER, None,
                                                                  ACLResourcePatternType.ANY)))
    assert error.errno == 0
    assert [(x.principal, x.operation) for x in acls] == [(ADMIN["principal"], ACLOperation.ALTER)]

    created = a.create_acls([
        acl("User:alice", "*", ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC,
            "orders"),
        acl("User:alice", "10.0.0.1", ACLOperation.WRITE, ACLPermissionType.DENY,
            ResourceType.TOPIC, "ord", ACLResourcePatternType.PREFIXED),
        acl("User:*", "*", ACLOperation.DESCRIBE, ACLPermissionType.ALLOW, ResourceType.GROUP,
            "*"),
    ])
    assert not created["failed"], created["failed"]
    assert len(created["succeeded"]) == 3

    def describe(rtype, name, pattern, principal=None):
        got, err = a.describe_acls(ACLFilter(principal, None, ACLOperation.ANY,
                                             ACLPermissionType.ANY,
                                             ResourcePatternFilter(rtype, name, pattern)))
        assert err.errno == 0, err
        return sorted((x.resource_pattern.resource_name, x.operation.name) for x in got)

    # MATCH: what applies to topic "orders": the literal and the prefix.
    assert describe(ResourceType.TOPIC, "orders", ACLResourcePatternType.MATCH) == [
        ("ord", "WRITE"), ("orders", "READ")]
    # ANY with a name: exactly that name, any pattern type.
    assert describe(ResourceType.TOPIC, "ord", ACLResourcePatternType.ANY) == [("ord", "WRITE")]
    assert describe(ResourceType.TOPIC, None, ACLResourcePatternType.LITERAL) == [
        ("orders", "READ")]
    assert describe(ResourceType.ANY, None, ACLResourcePatternType.ANY, "User:*") == [
        ("*", "DESCRIBE")]

    b.restart()
    a.close()
    a = admin_client(b)
    assert describe(ResourceType.TOPIC, None, ACLResourcePatternType.ANY) == [
        ("ord", "WRITE"), ("orders", "READ")]
    deleted = a.delete_acls([ACLFilter("User:alice", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                       ResourcePatternFilter(ResourceType.TOPIC, None,
                                                             ACLResourcePatternType.ANY))])
    (flt, matches, err), = deleted
    assert err is None or err.errno == 0
    assert sorted(m[0].resource_pattern.resource_name for m in matches) == ["ord", "orders"]
    assert describe(ResourceType.TOPIC, None, ACLResourcePatternType.ANY) == []
    b.restart()
    a.close()
    a = admin_client(b)
    assert describe(ResourceType.TOPIC, None, ACLResourcePatternType.ANY) == []
    assert describe(ResourceType.GROUP, None, ACLResourcePatternType.ANY) == [("*", "DESCRIBE")]
    a.close()


def test_invalid_acls_fail_alone(broker_factory):
    b = bootstrap_acl_admin(broker_factory)
    conn = Conn(b, ADMIN)
    from kafka.protocol.admin import CreateAclsRequest

    resp = conn.send(CreateAclsRequest[1](creations=[
        (2, "t", 3, "User:alice", "*", 3, 3),        # fine
        (2, "t", 2, "User:alice", "*", 3, 3),        # MATCH is filter-only
        (4, "other", 3, "User:alice", "*", 7, 3),    # the cluster is kafka-cluster
        (2, "", 3, "User:alice", "*", 3, 3),         # empty name
        (2, "t", 3, "alice", "*", 3, 3),             # principal without a type
        (2, "t", 3, "User:alice", "*", 1, 3),        # ANY operation
    ]))
    codes = [r[0] for r in resp.creation_responses]
    messages = [r[1] for r in resp.creation_responses]
    assert codes == [0, 42, 42, 42, 42, 42]
    assert messages[0] is None
    assert messages[1] == "Invalid patternType MATCH"
    assert messages[2] == "The only valid name for the CLUSTER resource is kafka-cluster"
    assert messages[3] == "Invalid empty resource name specified."
    assert messages[4].startswith("Could not parse principal from `alice`")
    assert messages[5] == "Invalid operation ANY"
    conn.close()


def test_acl_apis_need_cluster_rights(broker_factory):
    # No bootstrap: ANONYMOUS is nobody here.
    b = broker_factory(overrides())
    conn = Conn(b)
    resp = conn.send(DescribeAclsRequest[1](
        resource_type=1, resource_name=None, resource_pattern_type_filter=1, principal=None,
        host=None, operation=1, permission_type=1))
    assert resp.error_code == CLUSTER_AUTHORIZATION_FAILED
    a = admin_client(b)
    result = a.create_acls([acl("User:x", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                                ResourceType.TOPIC, "t")])
    assert len(result["failed"]) == 1
    assert "ClusterAuthorizationFailed" in repr(result["failed"][0][1])
    a.close()
    conn.close()


# Group APIs answer these until __consumer_offsets is created and loaded; clients retry them.
COORDINATOR_RETRIABLE = (14, 15, 16)


def run(conn, case):
    """The case's error code, retrying while the group coordinator is not ready yet."""
    deadline = time.time() + 20
    while True:
        code = case["error"](conn.send(case["request"]()))
        if code not in COORDINATOR_RETRIABLE or time.time() > deadline:
            return code
        time.sleep(0.2)


# --- The authorization matrix ---------------------------------------------------------------------


def records():
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 16)
    builder.append(timestamp=None, key=None, value=b"v")
    builder.close()
    return builder.buffer()


# name -> (resource type, resource name, operation needed, denied code, request, error of the
# response). An API whose allowed answer is not 0 gives it as `allowed` (else 0).
def _first_partition_error(resp):
    return resp.topics[0][1][0][1]


MATRIX = {
    "produce": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.WRITE, denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: ProduceRequest[3](transactional_id=None, required_acks=1, timeout=5000,
                                          topics=[(TOPIC, [(0, records())])]),
        error=_first_partition_error),
    "fetch": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.READ, denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: FetchRequest[4](replica_id=-1, max_wait_time=0, min_bytes=0,
                                        max_bytes=1 << 20, isolation_level=0,
                                        topics=[(TOPIC, [(0, 0, 1 << 20)])]),
        error=_first_partition_error),
    "list_offsets": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.DESCRIBE,
        denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: OffsetRequest[1](replica_id=-1, topics=[(TOPIC, [(0, -1)])]),
        error=_first_partition_error),
    "metadata": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.DESCRIBE,
        denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: MetadataRequest[4](topics=[TOPIC], allow_auto_topic_creation=False),
        error=lambda r: r.topics[0][0]),
    "metadata_missing_topic": dict(
        res=(ResourceType.TOPIC, "acl-missing"), op=ACLOperation.DESCRIBE,
        denied=TOPIC_AUTHORIZATION_FAILED, allowed=3,
        request=lambda: MetadataRequest[4](topics=["acl-missing"], allow_auto_topic_creation=False),
        error=lambda r: r.topics[0][0]),
    "create_topics": dict(
        res=(ResourceType.TOPIC, "acl-new"), op=ACLOperation.CREATE,
        denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: CreateTopicsRequest[2](create_topic_requests=[("acl-new", 1, 1, [], [])],
                                               timeout=10000, validate_only=True),
        error=lambda r: r.topic_errors[0][1]),
    "delete_missing_topic": dict(
        res=(ResourceType.TOPIC, "acl-missing"), op=ACLOperation.DELETE,
        denied=TOPIC_AUTHORIZATION_FAILED, allowed=3,
        request=lambda: DeleteTopicsRequest[1](topics=["acl-missing"], timeout=10000),
        error=lambda r: r.topic_error_codes[0][1]),
    "create_partitions": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.ALTER, denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: CreatePartitionsRequest[0](topic_partitions=[(TOPIC, (2, None))],
                                                   timeout=10000, validate_only=True),
        error=lambda r: r.topic_errors[0][1]),
    "describe_configs": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.DESCRIBE_CONFIGS,
        denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: DescribeConfigsRequest[1](resources=[(2, TOPIC, None)],
                                                  include_synonyms=False),
        error=lambda r: r.resources[0][0]),
    "alter_configs": dict(
        res=(ResourceType.TOPIC, TOPIC), op=ACLOperation.ALTER_CONFIGS,
        denied=TOPIC_AUTHORIZATION_FAILED,
        request=lambda: AlterConfigsRequest[0](
            resources=[(2, TOPIC, [("retention.ms", "100000")])], validate_only=True),
        error=lambda r: r.resources[0][0]),
    "find_coordinator": dict(
        res=(ResourceType.GROUP, GROUP), op=ACLOperation.DESCRIBE,
        denied=GROUP_AUTHORIZATION_FAILED,
        request=lambda: GroupCoordinatorRequest[0](consumer_group=GROUP),
        error=lambda r: r.error_code),
    "describe_groups": dict(
        res=(ResourceType.GROUP, GROUP), op=ACLOperation.DESCRIBE,
        denied=GROUP_AUTHORIZATION_FAILED,
        request=lambda: DescribeGroupsRequest[0](groups=[GROUP]),
        error=lambda r: r.groups[0][0]),
    "offset_fetch": dict(
        res=(ResourceType.GROUP, GROUP), op=ACLOperation.DESCRIBE,
        denied=GROUP_AUTHORIZATION_FAILED,
        request=lambda: OffsetFetchRequest[2](consumer_group=GROUP, topics=None),
        error=lambda r: r.error_code),
    "heartbeat": dict(
        res=(ResourceType.GROUP, GROUP), op=ACLOperation.READ, denied=GROUP_AUTHORIZATION_FAILED,
        allowed=None,  # the group's own answer (no such member); only the denial is fixed
        request=lambda: HeartbeatRequest[0](group=GROUP, generation_id=1, member_id="m"),
        error=lambda r: r.error_code),
    "delete_groups": dict(
        res=(ResourceType.GROUP, GROUP), op=ACLOperation.DELETE, denied=GROUP_AUTHORIZATION_FAILED,
        allowed=69,  # GROUP_ID_NOT_FOUND: authorized, then existence
        request=lambda: DeleteGroupsRequest[0](groups_names=[GROUP]),
        error=lambda r: r.results[0][1]),
}

# scenario -> (ACLs to create for a resource (type, name) and operation, whether it allows).
PRINCIPAL = SUBJECT["principal"]
SCENARIOS = {
    "no_acl": (lambda rt, n, op: [], False),
    "allow": (lambda rt, n, op: [acl(PRINCIPAL, "*", op, ACLPermissionType.ALLOW, rt, n)], True),
    "deny": (lambda rt, n, op: [
        acl(PRINCIPAL, "*", ACLOperation.ALL, ACLPermissionType.ALLOW, rt, n),
        acl(PRINCIPAL, "*", op, ACLPermissionType.DENY, rt, n)], False),
    "prefixed": (lambda rt, n, op: [acl(PRINCIPAL, "*", op, ACLPermissionType.ALLOW, rt, n[:5],
                                        ACLResourcePatternType.PREFIXED)], True),
    "wildcard": (lambda rt, n, op: [acl("User:*", "*", op, ACLPermissionType.ALLOW, rt, "*")],
                 True),
    # The client's own address, as Java prints it, matches exactly.
    "own_host": (lambda rt, n, op: [acl(PRINCIPAL, "127.0.0.1", op, ACLPermissionType.ALLOW,
                                        rt, n)], True),
    "other_host": (lambda rt, n, op: [acl(PRINCIPAL, OTHER_HOST, op, ACLPermissionType.ALLOW,
                                          rt, n)], False),
    "deny_other_principal": (lambda rt, n, op: [
        acl(PRINCIPAL, "*", op, ACLPermissionType.ALLOW, rt, n),
        acl("User:someone-else", "*", op, ACLPermissionType.DENY, rt, n)], True),
}


@pytest.fixture(scope="module")
def matrix_broker(tmp_path_factory):
    made = []

    def factory(o=None, start=True):
        b = Broker(overrides=o, name="acl-matrix")
        made.append(b)
        return b.start() if start else b

    b = bootstrap_acl_admin(factory)
    yield b
    for m in made:
        m.cleanup()


def clear_acls(a):
    for rtype in (ResourceType.TOPIC, ResourceType.GROUP):
        a.delete_acls([ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                 ResourcePatternFilter(rtype, None, ACLResourcePatternType.ANY))])


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("api", list(MATRIX))
def test_authorization_matrix(matrix_broker, api, scenario):
    case = MATRIX[api]
    make_acls, allows = SCENARIOS[scenario]
    rtype, name = case["res"]
    a = admin_client(matrix_broker)
    try:
        clear_acls(a)
        acls = make_acls(rtype, name, case["op"])
        if acls:
            result = a.create_acls(acls)
            assert not result["failed"], result["failed"]
        conn = Conn(matrix_broker)
        try:
            code = run(conn, case)
        finally:
            conn.close()
        if allows:
            allowed = case.get("allowed", 0)
            assert code != case["denied"], f"{api} under {scenario}: denied"
            if allowed is not None:
                assert code == allowed, f"{api} under {scenario}: {code}"
        else:
            assert code == case["denied"], f"{api} under {scenario}: {code}"
    finally:
        clear_acls(a)
        a.close()


def test_implied_describe_and_metadata_filtering(matrix_broker):
    a = admin_client(matrix_broker)
    try:
        clear_acls(a)
        conn = Conn(matrix_broker)
        # All-topics metadata hides what the subject may not describe.
        resp = conn.send(MetadataRequest[4](topics=None, allow_auto_topic_creation=False))
        assert [t[1] for t in resp.topics] == []
        # READ implies DESCRIBE for an ALLOW...
        a.create_acls([acl(PRINCIPAL, "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                           ResourceType.TOPIC, TOPIC)])
        resp = conn.send(MetadataRequest[4](topics=None, allow_auto_topic_creation=False))
        assert [t[1] for t in resp.topics] == [TOPIC]
        # ...but a DENY READ does not deny DESCRIBE.
        clear_acls(a)
        a.create_acls([
            acl(PRINCIPAL, "*", ACLOperation.DESCRIBE, ACLPermissionType.ALLOW,
                ResourceType.TOPIC, TOPIC),
            acl(PRINCIPAL, "*", ACLOperation.READ, ACLPermissionType.DENY, ResourceType.TOPIC,
                TOPIC)])
        resp = conn.send(MetadataRequest[4](topics=[TOPIC], allow_auto_topic_creation=False))
        assert resp.topics[0][0] == 0
        fetch = conn.send(MATRIX["fetch"]["request"]())
        assert _first_partition_error(fetch) == TOPIC_AUTHORIZATION_FAILED
        # ListGroups: without DESCRIBE on a group it is not listed (ALTER on the cluster implies
        # DESCRIBE there, which lists every group, so only the call's success is checked).
        resp = conn.send(ListGroupsRequest[1]())
        assert resp.error_code == 0
        conn.close()
    finally:
        clear_acls(a)
        a.close()


def test_allow_everyone_if_no_acl_found(broker_factory):
    b = bootstrap_acl_admin(broker_factory, {"allow.everyone.if.no.acl.found": "true"})
    a = admin_client(b)
    conn = Conn(b)
    try:
        for api in ("produce", "fetch", "metadata", "describe_configs", "find_coordinator"):
            case = MATRIX[api]
            assert run(conn, case) == 0, api
        # Any ACL on the resource, even for someone else, takes the default away.
        a.create_acls([acl("User:someone-else", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                           ResourceType.TOPIC, TOPIC)])
        for api in ("produce", "fetch", "metadata"):
            case = MATRIX[api]
            assert run(conn, case) == TOPIC_AUTHORIZATION_FAILED, api
        # A group nobody named is still open.
        case = MATRIX["find_coordinator"]
        assert run(conn, case) == 0
    finally:
        conn.close()
        a.close()


def idempotent_produce(broker, timeout=15):
    """Produces one message with an idempotent confluent-kafka producer; returns the error or
    None (InitProducerId decides: IDEMPOTENT_WRITE on the cluster or WRITE on some topic)."""
    from confluent_kafka import KafkaException, Producer

    errors = []
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                  "message.timeout.ms": timeout * 1000,
                  "error_cb": lambda e: errors.append(e)})
    delivered = []
    try:
        p.produce(TOPIC, b"v", on_delivery=lambda err, msg: delivered.append(err))
        deadline = time.time() + timeout + 5
        while not delivered and time.time() < deadline:
            p.poll(0.2)
            if any(e.fatal() for e in errors):
                break
        p.flush(1)
    except KafkaException as e:  # librdkafka raises once the producer is fatally failed
        return e.args[0]
    fatal = [e for e in errors if e.fatal()]
    if fatal:
        return fatal[0]
    return delivered[0] if delivered else "no delivery report"


def test_idempotent_producer_needs_idempotent_write_or_write_on_a_topic(matrix_broker):
    a = admin_client(matrix_broker)
    try:
        clear_acls(a)
        # DESCRIBE lets the producer see the topic; it implies nothing for InitProducerId.
        a.create_acls([acl(PRINCIPAL, "*", ACLOperation.DESCRIBE, ACLPermissionType.ALLOW,
                           ResourceType.TOPIC, TOPIC)])
        # Generous: a sanitized broker under parallel tests must not time the message out before
        # the fatal CLUSTER_AUTHORIZATION_FAILED arrives (the wait ends at the fatal error).
        err = idempotent_produce(matrix_broker, timeout=20)
        assert err is not None and "CLUSTER_AUTHORIZATION_FAILED" in str(err), err
        # WRITE on some topic is enough for InitProducerId (authorizeByResourceType, KIP-679).
        a.create_acls([acl(PRINCIPAL, "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
                           ResourceType.TOPIC, "acl-", ACLResourcePatternType.PREFIXED)])
        assert idempotent_produce(matrix_broker, timeout=30) is None
    finally:
        clear_acls(a)
        a.close()


def metadata_v8_authorized_ops(broker, topic):
    """(topic error, topic authorized ops, cluster authorized ops) from a raw Metadata v8."""
    import struct

    from samsa_fixture import RawClient, Reader, encode_string

    body = (struct.pack(">i", 1) + encode_string(topic) + b"\x00"  # no auto-creation
            + b"\x01\x01")  # include cluster and topic authorized operations
    with RawClient("127.0.0.1", broker.port) as c:
        r = Reader(c.request(3, 8, body))
    r.i32()  # throttle
    r.array(lambda x: (x.i32(), x.string(), x.i32(), x.string()))  # brokers
    r.string()  # cluster id
    r.i32()  # controller

    def partition(x):
        x.i16(), x.i32(), x.i32(), x.i32()
        for _ in range(3):
            x.array(lambda y: y.i32())

    def topic_entry(x):
        error = x.i16()
        x.string()
        x.i8()
        x.array(partition)
        return error, x.i32()

    (error, topic_ops), = r.array(topic_entry)
    return error, topic_ops, r.i32()


def test_authorized_operations_bitfields(matrix_broker):
    a = admin_client(matrix_broker)
    try:
        clear_acls(a)
        a.create_acls([acl(PRINCIPAL, "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                           ResourceType.TOPIC, TOPIC)])
        error, topic_ops, cluster_ops = metadata_v8_authorized_ops(matrix_broker, TOPIC)
        assert error == 0
        assert topic_ops == (1 << 3) | (1 << 8)  # READ and the DESCRIBE it implies
        # The bootstrap ALTER on the cluster, and the DESCRIBE it implies.
        assert cluster_ops == (1 << 7) | (1 << 8)
        a.create_acls([acl(PRINCIPAL, "*", ACLOperation.ALL, ACLPermissionType.ALLOW,
                           ResourceType.TOPIC, TOPIC),
                       acl(PRINCIPAL, "*", ACLOperation.WRITE, ACLPermissionType.DENY,
                           ResourceType.TOPIC, TOPIC)])
        _, topic_ops, _ = metadata_v8_authorized_ops(matrix_broker, TOPIC)
        all_topic_ops = sum(1 << op for op in (3, 4, 5, 6, 7, 8, 10, 11))
        assert topic_ops == all_topic_ops & ~(1 << 4)
    finally:
        clear_acls(a)
        a.close()
