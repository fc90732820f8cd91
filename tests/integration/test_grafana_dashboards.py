"""Grafana dashboards against the real thing. Samsa's dashboards (grafana/dashboards) must be what
generate.py writes and validate against our schema of Grafana's dashboard model
(grafana/dashboards/dashboard.schema.json); then a real Prometheus scrapes a real broker under load
(produce, a consumer group with lag, a TLS+SASL listener with a good and a bad login, a Metadata
error) and every panel query of Samsa's dashboards, and every broker metric the Strimzi Kafka,
KRaft and Kafka-exporter dashboards query (kafka_dashboards.py), must return data. The test lists
every query that returns nothing.

Where the reference material is at hand (SAMSA_REFERENCE_DIR, or ../shared/reference beside the
checkout, as on the team's machines; a clean CI clone has neither), the dashboards are also
validated against Grafana's own published schema, and the Strimzi dashboards' own queries are run
verbatim and checked to use no metric the table lacks."""

import glob
import json
import os
import re
import subprocess
import time
import urllib.parse

import confluent_kafka as ck
import jsonschema
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import Broker, free_port, run_broker, wait_for_topic
from kafka_dashboards import KAFKA_DASHBOARD_METRICS, table_queries
from test_metrics_prometheus import Prometheus, http_get
from tls_certs import Pki

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARDS = os.path.join(ROOT, "grafana", "dashboards")
OUR_SCHEMA = os.path.join(DASHBOARDS, "dashboard.schema.json")
REFERENCE = os.path.join(os.environ.get("SAMSA_REFERENCE_DIR") or
                         os.path.join(ROOT, "..", "shared", "reference"), "grafana")
GRAFANA_SCHEMA = os.path.join(REFERENCE, "grafana-foundation-sdk", "dashboard.jsonschema.json")
STRIMZI = os.path.join(REFERENCE, "strimzi", "grafana-dashboards")
JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username="admin" password="admin-secret" user_alice="alice-secret";')
TOPIC = "dash-orders"
GROUP = "dash-group"
# What a Kubernetes scrape config adds as target labels; Strimzi's queries select on them.
STRIMZI_LABELS = {"namespace": "kafka", "strimzi_io_cluster": "my-cluster",
                  "strimzi_io_name": "my-cluster-kafka", "kubernetes_pod_name": "my-cluster-kafka-0",
                  "pod": "my-cluster-kafka-0", "container": "kafka"}
STRIMZI_VARS = {"kubernetes_namespace": "kafka", "strimzi_cluster_name": "my-cluster",
                "kafka_broker": ".*", "kraft_node": ".*", "kafka_topic": ".*",
                "kafka_partition": ".*", "consumergroup": ".*", "topic": ".*"}
SAMSA_VARS = {"job": "samsa", "cluster": ".*", "instance": ".*", "topic": ".*", "group": ".*"}
# Panels about the JVM and Kubernetes: no broker outside a JVM on Kubernetes has them.
NOT_BROKER = re.compile(r"\b(jvm_|container_|kubelet_)")


def samsa_dashboards():
    paths = sorted(p for p in glob.glob(os.path.join(DASHBOARDS, "*.json")) if p != OUR_SCHEMA)
    assert len(paths) >= 4, paths
    return {os.path.basename(p): json.load(open(p)) for p in paths}


def panels(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])  # collapsed rows keep theirs inside


def panel_queries(dashboard):
    for p in panels(dashboard):
        for t in p.get("targets", []):
            if t.get("expr"):
                yield p.get("title"), t["expr"]


def substitute(expr, variables):
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s")
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", variables[name]).replace("$" + name, variables[name])
    assert "$" not in expr.replace("$__", ""), f"unsubstituted variable in {expr}"
    return expr


def test_dashboards_are_what_the_generator_writes():
    r = subprocess.run(["/usr/bin/python3", os.path.join(DASHBOARDS, "generate.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_dashboards_validate_against_the_dashboard_schema():
    validators = [jsonschema.Draft7Validator(json.load(open(OUR_SCHEMA)))]
    if os.path.isfile(GRAFANA_SCHEMA):
        validators.append(jsonschema.Draft7Validator(json.load(open(GRAFANA_SCHEMA))))
        print(f"also validating against {GRAFANA_SCHEMA}")
    # The schema bites: a panel wider than the grid and an unknown top-level key are refused.
    broken = json.loads(json.dumps(samsa_dashboards()["samsa-overview.json"]))
    broken["panels"][1]["gridPos"]["w"] = 25
    broken["bogus"] = 1
    assert len(list(validators[0].iter_errors(broken))) >= 2
    uids = set()
    for name, d in samsa_dashboards().items():
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
                  for v in validators for e in v.iter_errors(d)]
        assert not errors, f"{name}:\n" + "\n".join(errors)
        assert d["uid"] not in uids, f"{name}: duplicate uid {d['uid']}"
        uids.add(d["uid"])
        ids = [p["id"] for p in panels(d)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        names = {v["name"] for v in d["templating"]["list"]}
        assert {"datasource", "job", "cluster", "instance"} <= names, (name, names)
        for title, expr in panel_queries(d):
            used = set(re.findall(r"\$(\w+)", expr)) - {"__rate_interval", "__interval"}
            assert used <= names, f"{name} / {title}: unknown variables {used - names}"
            for var in ("$job", "$cluster", "$instance"):
                assert var in expr or "up{" in expr, f"{name} / {title}: no {var} in {expr}"


@pytest.fixture(scope="module")
def loaded(request, tmp_path_factory):
    """A broker with a PLAINTEXT and a SASL_SSL listener under load, and a Prometheus on it."""
    pki = Pki(str(tmp_path_factory.mktemp("pki")))
    server = pki.issue("server", "/O=Samsa/CN=localhost", 0x71, server=True)
    b = Broker({"auto.create.topics.enable": "false", "num.partitions": 3,
                "group.initial.rebalance.delay.ms": 300,
                "metrics.constant.labels": "cluster=dash",
                "ssl.keystore.location": pki.keystore_pem(server),
                "sasl.enabled.mechanisms": "PLAIN",
                "listener.name.sasl_ssl.plain.sasl.jaas.config": JAAS}, name="dashboards")
    b.sasl_port = free_port()
    b.overrides["listeners"] = (f"PLAINTEXT://127.0.0.1:{b.port},"
                                f"SASL_SSL://127.0.0.1:{b.sasl_port}")
    for b in run_broker(request, b):
        prom = Prometheus(f"127.0.0.1:{b.admin_port}", labels=STRIMZI_LABELS)
        try:
            prom.start()
            make_load(b, pki)
            yield b, prom
        finally:
            prom.stop()


def make_load(b, pki):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    for f in admin.create_topics([NewTopic(TOPIC, 3, 1)]).values():
        f.result(30)
    wait_for_topic(b, TOPIC, 3)
    producer = ck.Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 5})
    for i in range(600):
        producer.produce(TOPIC, key=str(i % 17).encode(), value=b"v" * 200)
    assert producer.flush(30) == 0
    consumer = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": GROUP,
                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([TOPIC])
    got, deadline = 0, time.monotonic() + 60
    while got < 400 and time.monotonic() < deadline:
        m = consumer.poll(1.0)
        if m is not None and m.error() is None:
            got += 1
    assert got >= 400, got
    consumer.commit(asynchronous=False)
    # Lag: records produced after the commit, with the consumer still a member.
    for i in range(100):
        producer.produce(TOPIC, value=b"late")
    assert producer.flush(30) == 0
    # A Metadata error, and one good and one refused login over SASL_SSL (TLS certificate metrics,
    # authentication counters).
    md = admin.list_topics(topic="dash-no-such-topic", timeout=10)
    assert md.topics["dash-no-such-topic"].error is not None
    tls = {"bootstrap.servers": f"127.0.0.1:{b.sasl_port}", "security.protocol": "SASL_SSL",
           "ssl.ca.location": pki.path("ca.pem"), "sasl.mechanism": "PLAIN",
           "ssl.endpoint.identification.algorithm": "none"}
    ok = AdminClient({**tls, "sasl.username": "alice", "sasl.password": "alice-secret"})
    assert TOPIC in ok.list_topics(timeout=20).topics
    bad = AdminClient({**tls, "sasl.username": "alice", "sasl.password": "wrong"})
    with pytest.raises(ck.KafkaException):
        bad.list_topics(timeout=5)
    # Rates need two samples of the counters after the load; lag needs the coordinator's view.
    time.sleep(4)
    consumer.close()


def empty_queries(prom, queries):
    empty = []
    for where, expr in queries:
        if not prom.query(expr):
            empty.append(f"{where}: {expr}")
    return empty


def test_every_samsa_panel_query_returns_data(loaded):
    b, prom = loaded
    queries = []
    for name, d in samsa_dashboards().items():
        for title, expr in panel_queries(d):
            queries.append((f"{name} / {title}", substitute(expr, SAMSA_VARS)))
    assert len(queries) > 60, len(queries)
    empty = empty_queries(prom, queries)
    assert not empty, f"{len(empty)} of {len(queries)} queries return nothing:\n" + "\n".join(empty)


def test_every_samsa_variable_has_values(loaded):
    b, prom = loaded
    for name, d in samsa_dashboards().items():
        for v in d["templating"]["list"]:
            if v["type"] != "query":
                continue
            m = re.fullmatch(r"label_values\((.*), *(\w+)\)", v["query"])
            assert m, f"{name}: variable {v['name']}: {v['query']}"
            selector, label = substitute(m.group(1), SAMSA_VARS), m.group(2)
            url = (f"http://127.0.0.1:{prom.port}/api/v1/label/{label}/values?" +
                   urllib.parse.urlencode({"match[]": selector}))
            values = json.loads(http_get(url)[1])["data"]
            assert values, f"{name}: variable {v['name']} has no values ({v['query']})"


def test_kafka_dashboards_broker_queries_return_data(loaded):
    b, prom = loaded
    queries = [(f"Strimzi dashboards: {metric}", q) for metric, q in table_queries()]
    assert len(queries) == 46, len(queries)
    if os.path.isdir(STRIMZI):
        print(f"also running the queries of {STRIMZI}")
        known = {m for m, _, _ in KAFKA_DASHBOARD_METRICS}
        verbatim, skipped = [], 0
        for file in ("strimzi-kafka.json", "strimzi-kraft.json", "strimzi-kafka-exporter.json"):
            d = json.load(open(os.path.join(STRIMZI, file)))
            for title, expr in panel_queries(d):
                if NOT_BROKER.search(expr):
                    skipped += 1
                    continue
                used = set(re.findall(r"(?<![$\w])((?:kafka|process)_[a-z_]+)", expr))
                assert used <= known, f"{file} / {title} uses {used - known}: add it to the table"
                verbatim.append((f"{file} / {title}", substitute(expr, STRIMZI_VARS)))
        # 56 broker queries in the three dashboards; 14 JVM and Kubernetes ones left out.
        assert (len(verbatim), skipped) == (56, 14)
        queries += verbatim
    empty = empty_queries(prom, queries)
    assert not empty, f"{len(empty)} of {len(queries)} queries return nothing:\n" + "\n".join(empty)


def test_example_prometheus_config_is_valid(tmp_path):
    # The shipped scrape config names the installed rule file; check it against the repo's copy.
    text = open(os.path.join(ROOT, "grafana", "prometheus", "prometheus.yml")).read()
    rules = os.path.join(ROOT, "grafana", "alerts", "samsa-alerts.yml")
    assert "/usr/share/samsa/grafana/alerts/samsa-alerts.yml" in text
    config = tmp_path / "prometheus.yml"
    config.write_text(text.replace("/usr/share/samsa/grafana/alerts/samsa-alerts.yml", rules))
    r = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
