"""Topic and broker configs through real admin clients: DescribeConfigs, AlterConfigs and
IncrementalAlterConfigs via confluent-kafka, kafka-python and kafkajs; bad values refused with
INVALID_CONFIG and a message; validate_only; changes surviving a restart."""

import os
import shutil
import struct
import subprocess

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic
from samsa_fixture import RawClient, Reader, encode_string

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
BROKER_OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false"}


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def create_topic(a, name, config=None):
    fs = a.create_topics([NewTopic(name, 1, 1, config=config or {})], operation_timeout=10)
    fs[name].result(timeout=15)


def describe(a, name, restype=ConfigResource.Type.TOPIC):
    res = ConfigResource(restype, name)
    return a.describe_configs([res])[res].result(timeout=15)


def alter(a, name, configs, validate_only=False):
    res = ConfigResource(ConfigResource.Type.TOPIC, name, set_config=configs)
    return a.alter_configs([res], validate_only=validate_only)[res].result(timeout=15)


def test_confluent_describe_and_alter(module_broker):
    a = admin(module_broker)
    create_topic(a, "cfg-ck", {"retention.ms": "3600000"})
    configs = describe(a, "cfg-ck")
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["cleanup.policy"].value == "delete"
    assert not configs["cleanup.policy"].is_read_only
    syn = configs["retention.ms"].synonyms
    assert list(syn)[0] == "retention.ms", syn
    assert "log.retention.hours" in syn

    # AlterConfigs replaces the topic's overrides: retention.ms goes back to the default.
    alter(a, "cfg-ck", {"cleanup.policy": "compact", "segment.ms": "600000"})
    configs = describe(a, "cfg-ck")
    assert configs["cleanup.policy"].value == "compact"
    assert configs["segment.ms"].value == "600000"
    assert configs["retention.ms"].value == "604800000"
    assert configs["retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value


def test_confluent_bad_value_and_validate_only(module_broker):
    a = admin(module_broker)
    create_topic(a, "cfg-bad")
    with pytest.raises(KafkaException) as e:
        alter(a, "cfg-bad", {"compression.type": "brotli"})
    err = e.value.args[0]
    assert err.code() == 40, err  # INVALID_CONFIG
    assert "compression.type" in err.str(), err.str()
    with pytest.raises(KafkaException) as e:
        alter(a, "cfg-bad", {"no.such.config": "1"})
    assert e.value.args[0].code() == 40

    alter(a, "cfg-bad", {"retention.ms": "1000"}, validate_only=True)
    assert describe(a, "cfg-bad")["retention.ms"].value == "604800000"

    with pytest.raises(KafkaException) as e:
        describe(a, "cfg-missing")
    assert e.value.args[0].code() == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_confluent_broker_configs(module_broker):
    a = admin(module_broker)
    configs = describe(a, "1", ConfigResource.Type.BROKER)
    assert configs["node.id"].is_read_only
    assert configs["node.id"].value == "1"
    assert configs["num.partitions"].value == "1"
    assert configs["num.partitions"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert configs["log.retention.hours"].source == ConfigSource.DEFAULT_CONFIG.value

    # A read-only key cannot change at runtime: INVALID_REQUEST, as Kafka answers (KAFKA-13609).
    res = ConfigResource(ConfigResource.Type.BROKER, "1", set_config={"node.id": "5"})
    with pytest.raises(KafkaException) as e:
        a.alter_configs([res])[res].result(timeout=15)
    assert e.value.args[0].code() == 42
    assert "node.id" in e.value.args[0].str()


def test_kafka_python_describe_and_incremental(module_broker):
    from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType, KafkaAdminClient
    a = admin(module_broker)
    create_topic(a, "cfg-kp")
    kp = KafkaAdminClient(bootstrap_servers=module_broker.bootstrap, client_id="it-configs")
    try:
        resp = kp.describe_configs([KConfigResource(ConfigResourceType.TOPIC, "cfg-kp")],
                                   include_synonyms=True)
        body = resp[0] if isinstance(resp, list) else resp
        (err, _msg, _rtype, rname, entries) = body.resources[0]
        assert err == 0 and rname == "cfg-kp"
        values = {e[0]: e[1] for e in entries}
        assert values["max.message.bytes"] == "1048588"
        assert values["cleanup.policy"] == "delete"
    finally:
        kp.close()

    # IncrementalAlterConfigs (the Java admin's only alter API; the Debian confluent-kafka and
    # kafka-python lack it) over the raw protocol, v0: SET, APPEND and DELETE.
    assert incremental_alter(module_broker, "cfg-kp", [("cleanup.policy", 2, "compact"),
                                                        ("retention.bytes", 0, "1048576")]) == 0
    configs = describe(a, "cfg-kp")
    assert configs["cleanup.policy"].value == "delete,compact"
    assert configs["retention.bytes"].value == "1048576"
    assert incremental_alter(module_broker, "cfg-kp", [("retention.bytes", 1, None)]) == 0
    assert describe(a, "cfg-kp")["retention.bytes"].value == "-1"
    # APPEND to a non-list key is INVALID_CONFIG.
    assert incremental_alter(module_broker, "cfg-kp", [("retention.ms", 2, "5")]) == 40


def incremental_alter(broker, topic, ops):
    """Sends IncrementalAlterConfigs v0 for one topic; returns the resource's error code."""
    def nullable(s):
        return struct.pack(">h", -1) if s is None else encode_string(s)
    body = struct.pack(">i", 1) + struct.pack(">b", 2) + encode_string(topic)
    body += struct.pack(">i", len(ops))
    for name, op, value in ops:
        body += encode_string(name) + struct.pack(">b", op) + nullable(value)
    body += struct.pack(">b", 0)  # validate_only
    host, port = broker.bootstrap.rsplit(":", 1)
    with RawClient(host, int(port)) as c:
        r = Reader(c.request(44, 0, body))
    r.i32()  # throttle
    assert r.i32() == 1
    return r.i16()


def test_kafkajs_describe_and_alter(module_broker):
    node = shutil.which("node")
    assert node, "node is not installed"
    a = admin(module_broker)
    create_topic(a, "cfg-kjs")
    r = subprocess.run([node, os.path.join(JS_DIR, "configs.js"), module_broker.bootstrap,
                        "cfg-kjs"], cwd=JS_DIR, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "scenario passed" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]


def test_changes_survive_restart(broker):
    a = admin(broker)
    create_topic(a, "cfg-restart")
    alter(a, "cfg-restart", {"retention.ms": "120000", "cleanup.policy": "compact,delete"})
    # confluent-kafka refuses the empty (cluster default) broker name; the unit tests cover it.
    res = ConfigResource(ConfigResource.Type.BROKER, "1", set_config={"log.retention.bytes": "99999"})
    a.alter_configs([res])[res].result(timeout=15)
    broker.restart()
    a = admin(broker)
    configs = describe(a, "cfg-restart")
    assert configs["retention.ms"].value == "120000"
    assert configs["cleanup.policy"].value == "compact,delete"
    assert configs["retention.bytes"].value == "99999"
    assert configs["retention.bytes"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    broker_configs = describe(a, "1", ConfigResource.Type.BROKER)
    assert broker_configs["log.retention.bytes"].value == "99999"
    assert broker_configs["log.retention.bytes"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
