"""Prometheus metrics end to end: a real Prometheus (Debian's binary) scrapes the broker's /metrics
every second while confluent-kafka produces and consumes; its HTTP API must show the messages-in
rate of the topic, bytes out rising, the consumer group's lag equal to the lag the test created,
leadercount, and the request metrics. `promtool check metrics` must pass on a real scrape."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import free_port, wait_for_topic

BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 300, "offsets.topic.num.partitions": 3,
                    "auto.create.topics.enable": "false",
                    "metrics.constant.labels": "cluster=it"}
TOPIC = "metrics-orders"
GROUP = "metrics-group"
CONSUMED = 300  # records the group consumes and commits
EXTRA = 25  # records produced after the commit: the lag the group must show


def prometheus_binary(name):
    path = shutil.which(name)
    assert path, f"{name} not installed (apt-get install prometheus); this test must not skip"
    return path


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


class Prometheus:
    """A throwaway Prometheus on a free loopback port, scraping one target every second."""

    def __init__(self, target, rule_file=None, labels=None):
        self.dir = tempfile.mkdtemp(prefix="samsa-it-prometheus-")
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "prometheus.log")
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: samsa\n    metrics_path: /metrics\n"
                    f"    static_configs:\n      - targets: ['{target}']\n")
            if labels:  # target labels, as a relabeling scrape config would add them
                f.write("        labels:\n" +
                        "".join(f"          {k}: '{v}'\n" for k, v in labels.items()))
            if rule_file:
                f.write(f"rule_files: ['{rule_file}']\n")
        self.proc = None
        self.args = [prometheus_binary("prometheus"), f"--config.file={config}",
                     f"--web.listen-address=127.0.0.1:{self.port}",
                     f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                     "--storage.tsdb.retention.time=1h"]

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"prometheus exited:\n{self.log_tail()}"
            try:
                if http_get(f"http://127.0.0.1:{self.port}/-/ready", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"prometheus not ready within 30 s:\n{self.log_tail()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-30:])
        except OSError:
            return ""

    def query(self, promql):
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?" +
               urllib.parse.urlencode({"query": promql}))
        status, body = http_get(url)
        doc = json.loads(body)
        assert status == 200 and doc["status"] == "success", body
        return doc["data"]["result"]

    def value(self, promql):
        """The single sample's value of an instant query, or None when it has no result."""
        result = self.query(promql)
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None

    def alerts(self, state="firing"):
        """Names of the alerts in `state` (firing or pending)."""
        status, body = http_get(f"http://127.0.0.1:{self.port}/api/v1/alerts")
        doc = json.loads(body)
        return sorted({a["labels"]["alertname"] for a in doc["data"]["alerts"]
                       if a["state"] == state})

    def wait_for(self, promql, predicate, what, timeout=30):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.value(promql)
            if last is not None and predicate(last):
                return last
            time.sleep(0.5)
        raise AssertionError(f"{what}: `{promql}` was {last} after {timeout} s\n"
                             f"targets: {self.query('up')}")


@pytest.fixture(scope="module")
def prometheus(module_broker):
    p = Prometheus(f"127.0.0.1:{module_broker.admin_port}")
    try:
        yield p.start()
    finally:
        p.stop()  # also when the test failed: never leave a Prometheus behind


def scrape(broker):
    status, body = http_get(f"{broker.admin_url}/metrics")
    assert status == 200
    return body


def promtool_check(text):
    r = subprocess.run([prometheus_binary("promtool"), "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"promtool check metrics failed:\n{r.stdout}\n{r.stderr}"


def produce(broker, n, start):
    p = ck.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    for i in range(start, start + n):
        p.produce(TOPIC, key=str(i).encode(), value=f"value-{i}".encode() * 4)
    assert p.flush(30) == 0


def test_promtool_accepts_a_fresh_scrape(module_broker):
    text = scrape(module_broker)
    # Present from the start, even with no partitions led yet.
    assert "\nkafka_server_replicamanager_leadercount{cluster=\"it\"} " in text
    promtool_check(text)


def test_prometheus_sees_throughput_lag_and_broker_gauges(module_broker, prometheus):
    admin = AdminClient({"bootstrap.servers": module_broker.bootstrap})
    admin.create_topics([NewTopic(TOPIC, 3, 1)])[TOPIC].result(timeout=15)
    wait_for_topic(module_broker, TOPIC, 3)
    prometheus.wait_for('up{job="samsa"}', lambda v: v == 1, "broker target up")
    # A new topic is exported at 0 before its first record, so rate() has a baseline.
    prometheus.wait_for(
        f'kafka_server_brokertopicmetrics_messagesin_total{{topic="{TOPIC}"}}', lambda v: v == 0,
        "messages-in series of the new topic at 0")

    produce(module_broker, CONSUMED, 0)
    prometheus.wait_for(
        f'rate(kafka_server_brokertopicmetrics_messagesin_total{{topic="{TOPIC}"}}[15s])',
        lambda v: v > 0, "messages-in rate for the topic")
    assert prometheus.value(
        f'kafka_server_brokertopicmetrics_messagesin_total{{topic="{TOPIC}",cluster="it"}}') == \
        CONSUMED
    bytes_out_before = prometheus.value(
        f'kafka_server_brokertopicmetrics_bytesout_total{{topic="{TOPIC}"}}')
    assert bytes_out_before == 0, "nothing consumed the topic yet"

    # The group consumes everything produced so far and commits it.
    c = ck.Consumer({"bootstrap.servers": module_broker.bootstrap, "group.id": GROUP,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([TOPIC])
    got = 0
    deadline = time.monotonic() + 60
    while got < CONSUMED and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got += 1
    assert got == CONSUMED
    c.commit(asynchronous=False)
    c.close()

    prometheus.wait_for(f'kafka_server_brokertopicmetrics_bytesout_total{{topic="{TOPIC}"}}',
                        lambda v: v > bytes_out_before, "bytes out rising")
    prometheus.wait_for(
        f'rate(kafka_server_brokertopicmetrics_bytesout_total{{topic="{TOPIC}"}}[15s])',
        lambda v: v > 0, "bytes-out rate for the topic")

    # Lag 0 after the commit, then exactly EXTRA once that many more records arrive.
    lag = f'sum(kafka_consumergroup_lag{{consumergroup="{GROUP}",topic="{TOPIC}"}})'
    prometheus.wait_for(lag, lambda v: v == 0, "group lag after the commit")
    produced_at = time.time()
    produce(module_broker, EXTRA, CONSUMED)
    prometheus.wait_for(lag, lambda v: v == EXTRA, "group lag equal to the records not consumed")
    assert prometheus.value(
        f'sum(kafka_consumergroup_lag_sum{{consumergroup="{GROUP}",topic="{TOPIC}"}})') == EXTRA
    assert prometheus.value(
        f'sum(kafka_consumergroup_current_offset{{consumergroup="{GROUP}",topic="{TOPIC}"}})') == \
        CONSUMED
    assert prometheus.value(
        f'sum(kafka_topic_partition_current_offset{{topic="{TOPIC}"}})') == CONSUMED + EXTRA
    assert prometheus.value(f'kafka_topic_partitions{{topic="{TOPIC}"}}') == 3
    # Time lag: the oldest unconsumed record is as old as the second produce, within slack.
    time.sleep(2)
    age = prometheus.wait_for(
        f'max(samsa_consumergroup_lag_seconds{{consumergroup="{GROUP}",topic="{TOPIC}"}})',
        lambda v: v >= 1.5, "lag in seconds growing")
    assert age <= time.time() - produced_at + 5, age

    # Broker gauges: present and right for a single broker leading everything.
    assert prometheus.value("kafka_server_replicamanager_leadercount") >= 3 + 3  # + offsets
    assert prometheus.value("kafka_controller_kafkacontroller_activecontrollercount") == 1
    assert prometheus.value("kafka_server_replicamanager_underreplicatedpartitions") == 0
    assert prometheus.value(
        'sum(kafka_network_requestmetrics_requests_total{request="Produce"})') > 0
    assert prometheus.value(
        'sum(kafka_network_requestmetrics_totaltimems_count{request="FetchConsumer"})') > 0
    assert prometheus.value(
        'histogram_quantile(0.99, sum by (le) ('
        'rate(samsa_kafka_request_duration_seconds_bucket{request="Produce"}[1m])))') > 0
    assert prometheus.value('sum(kafka_server_socket_server_metrics_connection_creation_total)') > 0
    idle = prometheus.value("kafka_network_socketserver_networkprocessoravgidle_percent")
    assert 0 <= idle <= 1
    assert prometheus.value("process_open_fds") > 0
    assert prometheus.value(f'kafka_log_log_size{{topic="{TOPIC}",partition="0"}}') > 0
    assert prometheus.value("kafka_log_logmanager_offlinelogdirectorycount") == 0
    assert prometheus.value("samsa_storage_disk_free_bytes") > 0

    promtool_check(scrape(module_broker))


def test_error_codes_of_responses_are_counted(module_broker):
    # A Metadata request for a missing topic answers UNKNOWN_TOPIC_OR_PARTITION in the topic's
    # error code, which Kafka's ErrorsPerSec counts under that name.
    admin = AdminClient({"bootstrap.servers": module_broker.bootstrap})
    md = admin.list_topics(topic="metrics-no-such-topic", timeout=10)
    assert md.topics["metrics-no-such-topic"].error is not None
    text = scrape(module_broker)
    series = ('kafka_network_requestmetrics_errors_total{cluster="it",request="Metadata",'
              'error="UNKNOWN_TOPIC_OR_PARTITION"} ')
    assert series in text, [line for line in text.splitlines() if "errors_total" in line]
    count = float(text.split(series, 1)[1].split("\n", 1)[0])
    assert count >= 1
