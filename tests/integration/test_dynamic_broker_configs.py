"""Dynamic broker configs take effect without a restart and survive one: the cluster-wide default
(BROKER "", through kafka-python's AlterConfigs) and this broker's own values (BROKER "1", through
confluent-kafka's) are described with their sources, wake the log cleaner (backoff, compaction
lag, thread count, I/O limit) and resize the network threads; read-only keys and too big a step
in a thread count are refused with INVALID_REQUEST, as Kafka does."""

import time

import confluent_kafka as ck
import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic
from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType, KafkaAdminClient
from samsa_fixture import read_partition, wait_for_topic

KEYS = 100
UPDATES = 3000
# The cleaner sleeps ten minutes between passes and may not touch a record younger than an hour,
# so whatever gets cleaned within a test's deadline was cleaned by the dynamic values.
STATIC = {"log.cleaner.backoff.ms": "600000", "log.cleaner.min.compaction.lag.ms": "3600000"}
ERR_INVALID_REQUEST = 42


def admin(b):
    return AdminClient({"bootstrap.servers": b.bootstrap})


def describe_broker(b):
    a = admin(b)
    res = ConfigResource(ConfigResource.Type.BROKER, "1")
    return a.describe_configs([res])[res].result(timeout=15)


def alter_own(b, configs):
    """AlterConfigs on BROKER "1" (replaces that broker's dynamic values) via confluent-kafka."""
    a = admin(b)
    res = ConfigResource(ConfigResource.Type.BROKER, "1", set_config=configs)
    return a.alter_configs([res])[res].result(timeout=15)


def alter_cluster_default(b, configs):
    """AlterConfigs on BROKER "" (the cluster-wide default) via kafka-python; confluent-kafka
    1.7 refuses an empty broker name."""
    kp = KafkaAdminClient(bootstrap_servers=b.bootstrap, client_id="it-dynamic")
    try:
        resp = kp.alter_configs([KConfigResource(ConfigResourceType.BROKER, "", configs=configs)])
    finally:
        kp.close()
    (err, msg, _rtype, rname) = resp.resources[0]
    assert rname == "" and err == 0, (err, msg)


def produce_updates(b, topic, tag):
    # Small batches, so that the updates spread over many segments.
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 5,
                     "batch.num.messages": 100})
    latest = {}
    for i in range(UPDATES):
        key = f"key-{i % KEYS:03d}".encode()
        value = f"{tag}-{i:05d}".encode()
        latest[key] = value
        p.produce(topic, key=key, value=value, partition=0)
        p.poll(0)
    assert p.flush(30) == 0
    return latest


def read_all(b, topic):
    """(number of records, latest value per key) of partition 0."""
    records = read_partition(b, topic, group="it-dynamic-reader")
    return len(records), {k: v for _, k, v in records}


def wait_compacted(b, topic, latest, timeout=90):
    deadline = time.monotonic() + timeout
    count, values = None, None
    while time.monotonic() < deadline:
        b.assert_alive()
        count, values = read_all(b, topic)
        if count == KEYS:
            assert values == latest
            return
        time.sleep(0.5)
    raise AssertionError(f"{topic}: still {count} records after {timeout} s")


def wait_log(b, text, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in b.log_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} in the broker log {b.log_path}")


@pytest.mark.broker_overrides(STATIC)
def test_cleaner_configs_apply_at_runtime_and_after_restart(broker):
    b = broker
    topic = "dyn-compacted"
    a = admin(b)  # kept alive until the futures resolve
    fs = a.create_topics([NewTopic(topic, 1, 1, config={
        "cleanup.policy": "compact", "segment.bytes": "8192", "segment.ms": "1000",
        "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "1000"})],
        operation_timeout=15)
    fs[topic].result(timeout=20)
    wait_for_topic(b, topic, 1)
    latest = produce_updates(b, topic, "a")
    count, _ = read_all(b, topic)
    assert count == UPDATES  # static settings: nothing is cleanable yet

    before = describe_broker(b)
    assert before["log.cleaner.threads"].value == "1"
    assert before["log.cleaner.threads"].source == ConfigSource.DEFAULT_CONFIG.value
    assert before["log.cleaner.backoff.ms"].source == ConfigSource.STATIC_BROKER_CONFIG.value

    alter_cluster_default(b, {"log.cleaner.backoff.ms": "200", "log.cleaner.threads": "2",
                              "log.cleaner.min.compaction.lag.ms": "0"})
    configs = describe_broker(b)
    for key, value in [("log.cleaner.backoff.ms", "200"), ("log.cleaner.threads", "2"),
                       ("log.cleaner.min.compaction.lag.ms", "0")]:
        assert configs[key].value == value, key
        assert configs[key].source == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value, key
    wait_log(b, "event=cleaner_reconfigured threads=2 ")
    # The sleeping cleaner wakes up and the topic's default lag is now 0: it converges.
    wait_compacted(b, topic, latest)

    # This broker's own values beat the cluster-wide ones.
    alter_own(b, {"log.cleaner.threads": "4", "log.cleaner.io.max.bytes.per.second": "1048576"})
    configs = describe_broker(b)
    assert configs["log.cleaner.threads"].value == "4"
    assert configs["log.cleaner.threads"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert configs["log.cleaner.io.max.bytes.per.second"].value == "1048576"
    wait_log(b, "event=cleaner_reconfigured threads=4 dedupe_buffer_bytes=134217728 "
                "io_max_bytes_per_second=1048576 backoff_ms=200")

    # Read-only keys and too big a step are refused, as Kafka refuses them (INVALID_REQUEST).
    with pytest.raises(KafkaException) as e:
        alter_own(b, {"log.retention.hours": "1"})
    assert e.value.args[0].code() == ERR_INVALID_REQUEST
    assert "log.retention.hours" in e.value.args[0].str()
    with pytest.raises(KafkaException) as e:
        alter_own(b, {"log.cleaner.threads": "16"})
    assert e.value.args[0].code() == ERR_INVALID_REQUEST
    assert "more than double the current value 4" in e.value.args[0].str()
    assert describe_broker(b)["log.cleaner.threads"].value == "4"

    # After a restart the stored values are in force from the start, over the static ones.
    b.restart()
    wait_log(b, "event=cleaner_started threads=4 dedupe_buffer_bytes=134217728 "
                "io_max_bytes_per_second=1048576 backoff_ms=200")
    configs = describe_broker(b)
    assert configs["log.cleaner.threads"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert configs["log.cleaner.backoff.ms"].source == \
        ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value
    wait_for_topic(b, topic, 1)
    latest = produce_updates(b, topic, "b")
    wait_compacted(b, topic, latest)


def test_network_threads_resize_at_runtime(broker):
    b = broker
    topic = "dyn-network"
    a = admin(b)
    fs = a.create_topics([NewTopic(topic, 1, 1)], operation_timeout=15)
    fs[topic].result(timeout=20)
    wait_for_topic(b, topic, 1)

    def roundtrip(tag):
        p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all"})
        for i in range(20):
            p.produce(topic, key=b"k", value=f"{tag}-{i}".encode(), partition=0)
        assert p.flush(30) == 0
        _, values = read_all(b, topic)
        assert values[b"k"] == f"{tag}-19".encode()

    roundtrip("three")
    # An old connection pinned to a thread that is retired keeps being served.
    old = admin(b)
    alter_cluster_default(b, {"num.network.threads": "6"})
    wait_log(b, "event=network_threads_resized threads=6 ")
    assert describe_broker(b)["num.network.threads"].value == "6"
    roundtrip("six")
    alter_cluster_default(b, {"num.network.threads": "3"})
    wait_log(b, "event=network_threads_resized threads=3 ")
    roundtrip("three-again")
    res = ConfigResource(ConfigResource.Type.BROKER, "1")
    assert old.describe_configs([res])[res].result(timeout=15)["num.network.threads"].value == "3"
    with pytest.raises(KafkaException) as e:
        alter_own(b, {"num.network.threads": "7"})
    assert e.value.args[0].code() == ERR_INVALID_REQUEST
