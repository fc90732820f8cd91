"""SIGHUP (what `systemctl reload samsa-broker` sends) re-reads the config file: the keys that can
change at runtime take effect without a restart and DescribeConfigs reports the new value as the
static (file) one; dynamic configs set through AlterConfigs still win over it; read-only keys keep
their running value and the log names them; a file with a bad value changes nothing and the log
names the key. Keys the file no longer sets go back to their defaults."""

import os
import select
import signal

from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
from samsa_fixture import frame, request_header_v1, wait_until
from test_network_limits import api_versions_ok, connect, raw_from


def described(b, key):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    res = ConfigResource("broker", "1")
    entries = admin.describe_configs([res])[res].result(timeout=20)
    e = entries[key]
    return e.value, ConfigSource(e.source)


def reload(b, text, config):
    with open(config, "w") as f:
        f.write(text)
    before = b.log_text().count("event=config_reload")
    os.kill(b.proc.pid, signal.SIGHUP)
    wait_until(lambda: b.log_text().count("event=config_reload") > before,
               "the broker to log the reload", broker=b)


def third_connection_waits(b):
    """max.connections=2 in force: two connections are served, a third is not accepted (it sits in
    the kernel's backlog) while they are open."""
    held = [raw_from(connect(b)) for _ in range(2)]
    waiting = raw_from(connect(b))
    try:
        if not all(api_versions_ok(c) for c in held):
            return False
        waiting.send_raw(frame(request_header_v1(18, 0, 77)))
        r, _, _ = select.select([waiting.sock], [], [], 1.5)
        return not r
    finally:
        for c in held + [waiting]:
            c.close()


def test_sighup_reloads_runtime_keys_from_the_file(broker_factory, tmp_path):
    config = str(tmp_path / "broker.properties")
    with open(config, "w") as f:
        f.write("max.connections=1000\nlog.cleaner.backoff.ms=20000\nnum.partitions=1\n")
    b = broker_factory({}, start=False)
    b.config_file = config
    b.start()
    assert described(b, "max.connections") == ("1000", ConfigSource.STATIC_BROKER_CONFIG)
    assert described(b, "log.cleaner.backoff.ms") == ("20000", ConfigSource.STATIC_BROKER_CONFIG)
    assert not third_connection_waits(b)

    # A runtime key changed, one no longer set, and a read-only one changed.
    reload(b, "max.connections=2\nnum.partitions=4\n", config)
    assert "event=config_reloaded" in b.log_text()
    assert described(b, "max.connections") == ("2", ConfigSource.STATIC_BROKER_CONFIG)
    value, source = described(b, "log.cleaner.backoff.ms")
    assert (value, source) == ("15000", ConfigSource.DEFAULT_CONFIG)
    assert "event=config_reload_needs_restart key=num.partitions" in b.log_text()
    assert described(b, "num.partitions")[0] == "1"
    # ... and the network layer enforces the reloaded limit.
    wait_until(lambda: third_connection_waits(b), "max.connections=2 to apply", broker=b)

    # A bad value: the reload is refused as a whole, the log names the key, nothing changes.
    reload(b, "max.connections=1000\nlog.cleaner.backoff.ms=soon\n", config)
    log = b.log_text()
    assert "event=config_reload_failed" in log and "log.cleaner.backoff.ms" in log, log[-2000:]
    assert described(b, "max.connections") == ("2", ConfigSource.STATIC_BROKER_CONFIG)
    assert b.alive()


def test_dynamic_configs_still_win_over_a_reloaded_file(broker_factory, tmp_path):
    config = str(tmp_path / "broker.properties")
    with open(config, "w") as f:
        f.write("log.cleaner.backoff.ms=20000\n")
    b = broker_factory({}, start=False)
    b.config_file = config
    b.start()
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    res = ConfigResource("broker", "1", set_config={"log.cleaner.backoff.ms": "30000"})
    admin.alter_configs([res])[res].result(timeout=20)
    wait_until(lambda: described(b, "log.cleaner.backoff.ms")[0] == "30000",
               "the dynamic value", broker=b)
    reload(b, "log.cleaner.backoff.ms=25000\n", config)
    assert described(b, "log.cleaner.backoff.ms") == (
        "30000", ConfigSource.DYNAMIC_BROKER_CONFIG)
