"""The Prometheus alert rules (grafana/alerts/samsa-alerts.yml): `promtool check rules` passes,
`promtool test rules` runs a case for every alert (each fires, some also resolve), every alert has
a runbook section in docs/alerts.md, every metric the rules use is exported by a real broker once
it has served what the metric is about (a produce, a consumer group's commits, a failed SASL
login, a TLS listener), and on a real Prometheus the disk, lag and broker-down alerts fire on
induced faults and resolve when they are undone."""

import contextlib
import os
import re
import shutil
import subprocess
import time
import urllib.request

import pytest
from samsa_fixture import Broker, confluent_roundtrip, wait_until
from tls_certs import Pki

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULES = os.path.join(REPO, "grafana", "alerts", "samsa-alerts.yml")
RULE_TESTS = os.path.join(REPO, "grafana", "alerts", "samsa-alerts.test.yml")
RUNBOOKS = os.path.join(REPO, "docs", "alerts.md")
PROMQL_WORDS = {"sum", "by", "max", "and", "or", "rate", "deriv", "predict_linear", "time",
                "without", "on", "ignoring", "min", "avg", "count", "increase", "delta",
                "job", "instance", "request", "quantile", "consumergroup", "topic", "listener",
                "log_dir", "samsa", "Produce"}


def promtool():
    exe = shutil.which("promtool")
    assert exe, "promtool is not installed (Debian package prometheus)"
    return exe


def alerts():
    return re.findall(r"^\s*- alert: (\w+)$", open(RULES).read(), re.M)


def rule_metrics():
    """Metric names in the rules' expressions."""
    text = open(RULES).read()
    exprs = re.findall(r"expr: \|\n((?:\s{10,}.*\n)+)|expr: (.*)", text)
    names = set()
    for block, line in exprs:
        expr = re.sub(r'"[^"]*"', "", block or line)  # label values
        expr = re.sub(r"\{[^}]*\}", "", expr)         # matchers
        expr = re.sub(r"by \([^)]*\)", "", expr)
        expr = re.sub(r"\[[^\]]*\]", "", expr)      # range selectors: [6h], [15m:1m]
        for word in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", expr):
            if word not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhd]?", word):
                names.add(word)
    return names


def test_rules_check_and_every_alert_has_a_case_and_a_runbook():
    r = subprocess.run([promtool(), "check", "rules", RULES], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([promtool(), "test", "rules", RULE_TESTS], capture_output=True, text=True,
                       timeout=120, cwd=os.path.dirname(RULE_TESTS))
    assert r.returncode == 0 and "SUCCESS" in r.stdout, r.stdout + r.stderr
    names = alerts()
    assert len(names) == 13, names
    tests = open(RULE_TESTS).read()
    runbooks = open(RUNBOOKS).read()
    for name in names:
        # A case where the alert is expected to fire (exp_alerts not empty).
        fires = re.search(rf"alertname: {name}\n\s+exp_alerts:\n\s+- exp_labels", tests)
        assert fires, f"no promtool case in which {name} fires"
        assert f"\n## {name}\n" in runbooks, f"no runbook section for {name} in docs/alerts.md"
        assert f"docs/alerts.md#{name.lower()}" in open(RULES).read(), name


def scrape(br):
    with urllib.request.urlopen(br.admin_url + "/metrics", timeout=10) as r:
        return r.read().decode()


class AlertSourcesBroker(Broker):
    """PLAINTEXT for the clients, SSL (a certificate to expire) and SASL_PLAINTEXT (a login to
    fail)."""

    def __init__(self, pki, **kw):
        super().__init__(**kw)
        self.pki = pki
        self.ssl_port = self.sasl_port = None

    def command(self):
        from samsa_fixture import free_port
        self.ssl_port = self.ssl_port or free_port()
        self.sasl_port = self.sasl_port or free_port()
        self.overrides["listeners"] = (f"PLAINTEXT://127.0.0.1:{self.port},"
                                       f"SSL://127.0.0.1:{self.ssl_port},"
                                       f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}")
        return super().command()


def test_every_metric_the_rules_use_is_exported(tmp_path):
    pki = Pki(str(tmp_path / "pki"))
    server = pki.issue("server", "/CN=localhost", 0x71, server=True)
    br = AlertSourcesBroker(pki, name="alert-sources", overrides={
        "ssl.keystore.location": pki.keystore_pem(server),
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config":
            'org.apache.kafka.common.security.plain.PlainLoginModule required '
            'user_alice="right";',
        "connection.failed.authentication.delay.ms": 10,
    })
    try:
        br.start()
        confluent_roundtrip({"bootstrap.servers": br.bootstrap}, "alerted", n=20)
        kcat = shutil.which("kcat")
        assert kcat, "kcat is not installed"
        subprocess.run([kcat, "-b", f"127.0.0.1:{br.sasl_port}", "-X",
                        "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN",
                        "-X", "sasl.username=alice", "-X", "sasl.password=wrong", "-L",
                        "-m", "3"], capture_output=True, timeout=30)
        wanted = rule_metrics() - {"up"}  # up is Prometheus's own
        assert {"kafka_consumergroup_lag", "samsa_storage_disk_free_bytes",
                "samsa_tls_certificate_expiry_timestamp_seconds"} <= wanted, wanted

        def missing():
            text = scrape(br)
            exported = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", text, re.M))
            return sorted(wanted - exported)
        try:
            wait_until(lambda: not missing(), "every rule metric exported", timeout=30,
                       broker=br)
        except AssertionError:
            pytest.fail(f"metrics the rules use that the broker does not export: {missing()}")
    finally:
        br.cleanup()


@contextlib.contextmanager
def mounted_tmpfs(path, size):
    """A size-limited tmpfs at `path` (the test runs as root), unmounted whatever happens."""
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"cannot mount a tmpfs at {path} (needs root): {r.stderr}"
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], capture_output=True)


def test_alerts_fire_and_resolve_on_a_real_prometheus(tmp_path):
    """A real Prometheus scraping a real broker with the rules loaded: the log dir's disk fills,
    a consumer group falls behind, the broker goes away; each alert fires, then resolves when the
    fault is undone. The rule file is the shipped one with its `for:` durations set to 0s and the
    lag-age threshold set to 3 s, so the test need not wait minutes; expressions are unchanged."""
    from test_metrics_prometheus import Prometheus
    text = open(RULES).read()
    text = re.sub(r"for: \d+[smh]", "for: 0s", text)
    text = text.replace("samsa_consumergroup_lag_seconds{job=\"samsa\"}) > 300",
                        "samsa_consumergroup_lag_seconds{job=\"samsa\"}) > 3")
    assert "> 3" in text
    rules = tmp_path / "rules.yml"
    rules.write_text(text)
    with mounted_tmpfs(str(tmp_path / "disk"), 64 << 20) as disk:
        br = Broker(name="alerts-fire", overrides={
            "log.dirs": os.path.join(disk, "data"), "log.segment.bytes": 1 << 20,
            # The metadata log stays on the normal disk: only the partitions' dir fills.
            "metadata.log.dir": str(tmp_path / "metadata")})
        prom = None
        try:
            br.start()
            prom = Prometheus(f"127.0.0.1:{br.admin_port}", rule_file=str(rules)).start()
            wait_until(lambda: prom.value('up{job="samsa"}') == 1, "the first scrape")
            assert prom.alerts() == [], prom.alerts()

            # Disk: a file leaving under 5 % of the tmpfs free.
            filler = os.path.join(disk, "filler")
            with open(filler, "wb") as f:
                f.write(b"\0" * (62 << 20))
            wait_until(lambda: "SamsaDiskAlmostFull" in prom.alerts(), "SamsaDiskAlmostFull")
            os.remove(filler)
            wait_until(lambda: "SamsaDiskAlmostFull" not in prom.alerts(),
                       "SamsaDiskAlmostFull to resolve")

            # Lag: a group that committed 5 of 50 records, then all of them.
            from confluent_kafka import Consumer, Producer
            p = Producer({"bootstrap.servers": br.bootstrap})
            for i in range(50):
                p.produce("lagging", value=f"v{i}".encode())
            assert p.flush(30) == 0
            conf = {"bootstrap.servers": br.bootstrap, "group.id": "slow-group",
                    "auto.offset.reset": "earliest", "enable.auto.commit": False}
            c = Consumer(conf)
            c.subscribe(["lagging"])
            got = []
            while len(got) < 5:
                m = c.poll(1.0)
                if m is not None and not m.error():
                    got.append(m)
            c.commit(message=got[-1], asynchronous=False)
            c.close()
            wait_until(lambda: "SamsaConsumerLagTooOld" in prom.alerts(),
                       "SamsaConsumerLagTooOld", timeout=60)
            c = Consumer(conf)
            c.subscribe(["lagging"])
            last = None
            deadline = time.monotonic() + 30
            while (last is None or last.offset() < 49) and time.monotonic() < deadline:
                m = c.poll(1.0)
                if m is not None and not m.error():
                    last = m
            c.commit(message=last, asynchronous=False)
            c.close()
            wait_until(lambda: "SamsaConsumerLagTooOld" not in prom.alerts(),
                       "SamsaConsumerLagTooOld to resolve", timeout=60)

            # Broker down, and back.
            br.stop()
            wait_until(lambda: "SamsaBrokerDown" in prom.alerts(), "SamsaBrokerDown")
            br.start()
            wait_until(lambda: "SamsaBrokerDown" not in prom.alerts(),
                       "SamsaBrokerDown to resolve")
        finally:
            if prom is not None:
                prom.stop()
            br.cleanup()
