"""samsactl, the operator's command line, driven as a user would: the real binary (SAMSACTL, set by
CMake) against a real broker. Checks table output, `-o json` / `-o yaml` parsed, exit codes for
every failure class (usage, unreachable, not found, conflict, refused), and cross-checks with
confluent-kafka that what samsactl reports is what the broker holds. A second broker with SASL,
the authorizer and admin HTTP authentication serves the ACL, user and refused-call tests."""

import json
import os
import subprocess

import pytest
import yaml
from samsa_fixture import Broker, free_port, run_broker, wait_for_topic, wait_until

ADMIN_PASSWORD = "admin-Secret-1"

# Exit codes documented in `samsactl --help` and docs/samsactl.md.
OK, ERROR, USAGE, UNREACHABLE, NOT_FOUND, REFUSED, CONFLICT = 0, 1, 2, 3, 4, 5, 6


def clean_env(**extra):
    """The environment without the user's samsactl settings (no profile file, no SAMSACTL_*)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SAMSACTL_") or k == "SAMSACTL"}
    return {**env, "XDG_CONFIG_HOME": "/nonexistent-samsactl-config", **extra}


def samsactl_binary():
    path = os.environ.get("SAMSACTL", "")
    # A missing binary fails every test: a skip would hide a broken build.
    assert path, "SAMSACTL is not set: point it at the samsactl binary"
    assert os.path.isfile(path) and os.access(path, os.X_OK), f"SAMSACTL={path!r} is not executable"
    return path


class Ctl:
    """Runs samsactl against one broker; `run` returns the CompletedProcess, `ok` asserts exit 0,
    `json` parses `-o json` output."""

    def __init__(self, broker, *auth):
        self.b = broker
        self.auth = list(auth)

    def run(self, *args, stdin=None, expect=None, env=None, timeout=60):
        cmd = [samsactl_binary(), "--admin-url", self.b.admin_url, "--brokers", self.b.bootstrap,
               "--timeout-ms", "10000", *self.auth, *args]
        r = subprocess.run(cmd, input=stdin.encode() if isinstance(stdin, str) else stdin,
                           capture_output=True, timeout=timeout,
                           env=clean_env(**(env or {})))
        r.out = r.stdout.decode(errors="replace")
        r.err = r.stderr.decode(errors="replace")
        if expect is not None:
            assert r.returncode == expect, \
                f"samsactl {' '.join(args)}: exit {r.returncode}, wanted {expect}\n" \
                f"stdout: {r.out[-2000:]}\nstderr: {r.err[-2000:]}"
        return r

    def ok(self, *args, **kw):
        return self.run(*args, expect=OK, **kw)

    def json(self, *args, **kw):
        return json.loads(self.ok(*args, "-o", "json", **kw).out)


def table_rows(text):
    """Rows of a samsactl table as lists of cells (header included)."""
    return [line.split() for line in text.strip().splitlines()]


def kafka_conf(b):
    return {"bootstrap.servers": b.bootstrap}


def read_all(b, topic, partitions):
    """Every record of the topic as (partition, offset, key, value, headers) via confluent-kafka."""
    import confluent_kafka as ck
    c = ck.Consumer({**kafka_conf(b), "group.id": "it-samsactl-check", "enable.auto.commit": False,
                     "enable.partition.eof": True})
    out = []
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)])
        eof = set()
        for _ in range(300):
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == ck.KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    if len(eof) == partitions:
                        return sorted(out)
                    continue
                raise AssertionError(f"consume error: {m.error()}")
            out.append((m.partition(), m.offset(), m.key(), m.value(), m.headers() or []))
        raise AssertionError(f"timed out reading {topic}")
    finally:
        c.close()


def committed(b, group, topic, partitions):
    import confluent_kafka as ck
    c = ck.Consumer({**kafka_conf(b), "group.id": group, "enable.auto.commit": False})
    try:
        tps = c.committed([ck.TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


# -- command line and connection errors ------------------------------------------------------------

def test_usage_errors_exit_two_and_help_documents_exit_codes(module_broker):
    ctl = Ctl(module_broker)
    r = ctl.run("topic", "create", expect=USAGE)
    assert "topics is required" in r.err
    ctl.run("no-such-command", expect=USAGE)
    ctl.run("topic", "list", "--no-such-flag", expect=USAGE)
    ctl.run("topic", expect=USAGE)
    ctl.run("group", "seek", "g", "--to", "whenever", expect=USAGE)
    ctl.run("topic", "list", "-o", "xml", expect=USAGE)
    help_text = ctl.ok("--help").out
    for line in ("3  cannot reach", "4  not found", "5  refused", "2  usage error"):
        assert line in help_text, help_text
    assert "Usage: samsactl topic create" in ctl.ok("topic", "create", "--help").out


def test_unreachable_admin_api_and_brokers(module_broker):
    port = free_port()
    r = subprocess.run([samsactl_binary(), "--admin-url", f"http://127.0.0.1:{port}", "topic",
                        "list"], capture_output=True, timeout=30,
                       env=clean_env())
    assert r.returncode == UNREACHABLE, r
    assert f"cannot reach admin API at http://127.0.0.1:{port}: connection refused" in \
        r.stderr.decode(), r.stderr
    r = subprocess.run([samsactl_binary(), "--brokers", f"127.0.0.1:{port}", "--timeout-ms", "2000",
                        "topic", "produce", "t"], input=b"x\n", capture_output=True, timeout=30,
                       env=clean_env())
    assert r.returncode == UNREACHABLE, r
    assert f"cannot reach Kafka brokers at 127.0.0.1:{port}" in r.stderr.decode(), r.stderr


# -- topics ------------------------------------------------------------------------------------------

def test_topic_lifecycle(module_broker):
    b = module_broker
    ctl = Ctl(b)
    r = ctl.ok("topic", "create", "ctl-orders", "ctl-other", "-p", "3", "-r", "1",
               "-c", "retention.ms=3600000", "-c", "cleanup.policy=delete")
    assert table_rows(r.out) == [["NAME", "STATUS"], ["ctl-orders", "OK"], ["ctl-other", "OK"]]
    wait_for_topic(b, "ctl-orders", 3)

    # Creating it again is a conflict; a dry run creates nothing.
    r = ctl.run("topic", "create", "ctl-orders", expect=CONFLICT)
    assert "already exists" in r.err, r.err
    ctl.ok("topic", "create", "ctl-dry", "-p", "2", "--dry-run")

    listed = ctl.json("topic", "list")
    names = {t["name"]: t for t in listed}
    assert names["ctl-orders"] == {"name": "ctl-orders", "partitions": 3, "replicas": 1,
                                   "internal": False}
    assert "ctl-dry" not in names and "__consumer_offsets" not in names
    rows = table_rows(ctl.ok("topic", "list").out)
    assert rows[0] == ["NAME", "PARTITIONS", "REPLICAS"]
    assert ["ctl-orders", "3", "1"] in rows

    d = ctl.json("topic", "describe", "ctl-orders")
    assert (d["name"], d["partitions"], d["replicas"]) == ("ctl-orders", 3, 1)
    configs = {c["name"]: c for c in d["configs"]}
    assert configs["retention.ms"]["value"] == "3600000"
    assert configs["retention.ms"]["source"] == "DYNAMIC_TOPIC_CONFIG"
    assert [p["partition"] for p in d["partition_details"]] == [0, 1, 2]
    assert all(p["leader"] == 1 and p["replicas"] == [1] and p["isr"] == [1]
               and p["log_start_offset"] == 0 and p["high_watermark"] == 0
               for p in d["partition_details"]), d["partition_details"]
    text = ctl.ok("topic", "describe", "ctl-orders").out
    assert "SUMMARY" in text and "CONFIGS" in text and "PARTITIONS" in text
    assert "retention.ms" in text and "DYNAMIC_TOPIC_CONFIG" in text

    ctl.ok("topic", "alter-config", "ctl-orders", "--set", "retention.ms=7200000",
           "--set", "max.message.bytes=200000", "--delete", "cleanup.policy")
    configs = {c["name"]: c for c in ctl.json("topic", "describe", "ctl-orders", "-c")["configs"]}
    assert configs["retention.ms"]["value"] == "7200000"
    assert configs["max.message.bytes"]["value"] == "200000"
    assert configs["cleanup.policy"]["source"] != "DYNAMIC_TOPIC_CONFIG"
    r = ctl.run("topic", "alter-config", "ctl-orders", "--set", "retention.ms=abc", expect=ERROR)
    assert "retention.ms" in r.err

    r = ctl.json("topic", "add-partitions", "ctl-orders", "-n", "2")
    assert r == [{"name": "ctl-orders", "partitions": 5, "error": None}]
    wait_for_topic(b, "ctl-orders", 5)  # the Kafka API sees them too

    ctl.ok("topic", "delete", "ctl-orders", "ctl-other")
    wait_until(lambda: "ctl-orders" not in {t["name"] for t in ctl.json("topic", "list")},
               "ctl-orders to disappear", broker=b)


def test_unknown_topic_is_not_found(module_broker):
    ctl = Ctl(module_broker)
    for args in (("topic", "describe", "ctl-nope"), ("topic", "delete", "ctl-nope"),
                 ("topic", "add-partitions", "ctl-nope", "-n", "1"),
                 ("topic", "alter-config", "ctl-nope", "--set", "retention.ms=1"),
                 ("topic", "trim-prefix", "ctl-nope", "--offset", "1")):
        r = ctl.run(*args, expect=NOT_FOUND)
        assert "ctl-nope" in r.err and ("does not exist" in r.err or "not found" in r.err), r.err
    r = ctl.run("topic", "consume", "ctl-nope", "-n", "1", expect=NOT_FOUND)
    assert "ctl-nope" in r.err


# -- produce and consume -------------------------------------------------------------------------

def test_produce_consume_roundtrip_with_keys_and_headers(module_broker, tmp_path):
    b = module_broker
    ctl = Ctl(b)
    ctl.ok("topic", "create", "ctl-records", "-p", "3")
    wait_for_topic(b, "ctl-records", 3)
    lines = "".join(f"key-{i % 5} value {i}\n" for i in range(30))
    r = ctl.ok("topic", "produce", "ctl-records", "-f", "%k %v", "-H", "source:samsactl",
               "-H", "trace:abc:1", stdin=lines)
    assert r.out.count("Produced to partition") == 30, r.out

    # What landed, read by another client.
    got = read_all(b, "ctl-records", 3)
    assert sorted(v for _, _, _, v, _ in got) == sorted(f"value {i}".encode() for i in range(30))
    key_partition = {}
    for p, _, k, v, h in got:
        assert k == f"key-{int(v.split()[1]) % 5}".encode()
        assert h == [("source", b"samsactl"), ("trace", b"abc:1")], h
        assert key_partition.setdefault(k, p) == p, "one key landed in two partitions"

    # samsactl's consumer: JSON lines, the same records.
    r = ctl.ok("topic", "consume", "ctl-records", "-n", "30", "-o", "json")
    records = [json.loads(line) for line in r.out.splitlines()]
    assert len(records) == 30
    assert sorted((x["partition"], x["offset"], x["key"], x["value"]) for x in records) == \
        [(p, o, k.decode(), v.decode()) for p, o, k, v, _ in got]
    assert records[0]["headers"] == [{"key": "source", "value": "samsactl"},
                                     {"key": "trace", "value": "abc:1"}]
    assert records[0]["topic"] == "ctl-records" and records[0]["timestamp"] > 0

    # A format string, one partition from an offset, and exit at the end.
    p0 = [x for x in got if x[0] == 0]
    r = ctl.ok("topic", "consume", "ctl-records", "-p", "0", "--offset", "1", "-e",
               "-f", "%p|%o|%k|%v|%h\\n")
    assert r.out.splitlines() == [f"0|{o}|{k.decode()}|{v.decode()}|source:samsactl,trace:abc:1"
                                  for _, o, k, v, _ in p0[1:]]

    # A fixed key from -k, a file in and a file out, YAML records.
    src = tmp_path / "in.txt"
    src.write_text("from-file-1\nfrom-file-2\n")
    r = ctl.json("topic", "produce", "ctl-records", "-k", "fixed", "--file", str(src))
    assert len(r) == 2 and r[0]["partition"] == r[1]["partition"]
    assert r[1]["offset"] == r[0]["offset"] + 1
    out = tmp_path / "out.txt"
    ctl.ok("topic", "consume", "ctl-records", "-p", str(r[0]["partition"]), "--offset",
           str(r[0]["offset"]), "-n", "2", "-f", "%k=%v\\n", "--output-file", str(out))
    assert out.read_text() == "fixed=from-file-1\nfixed=from-file-2\n"
    docs = list(yaml.safe_load_all(ctl.ok("topic", "consume", "ctl-records", "-p",
                                          str(r[0]["partition"]), "--offset",
                                          str(r[0]["offset"]), "-n", "1", "-o", "yaml").out))
    assert docs[0]["key"] == "fixed" and docs[0]["value"] == "from-file-1", docs

    # A line that does not match the input format is an error naming the record.
    r = ctl.run("topic", "produce", "ctl-records", "-f", "%k %v", stdin="nospace\n", expect=ERROR)
    assert "record 1" in r.err


# -- consumer groups ---------------------------------------------------------------------------

def test_group_describe_seek_and_delete(module_broker):
    import confluent_kafka as ck
    b = module_broker
    ctl = Ctl(b)
    topic, group = "ctl-lag", "ctl-lag-group"
    ctl.ok("topic", "create", topic, "-p", "2")
    wait_for_topic(b, topic, 2)
    ctl.ok("topic", "produce", topic, "-p", "0", stdin="".join(f"a{i}\n" for i in range(6)))
    ctl.ok("topic", "produce", topic, "-p", "1", stdin="".join(f"b{i}\n" for i in range(4)))

    # A confluent-kafka consumer of the group commits 3 on partition 0 and 1 on partition 1.
    c = ck.Consumer({**kafka_conf(b), "group.id": group, "enable.auto.commit": False})
    c.assign([ck.TopicPartition(topic, 0, 0), ck.TopicPartition(topic, 1, 0)])
    c.commit(offsets=[ck.TopicPartition(topic, 0, 3), ck.TopicPartition(topic, 1, 1)],
             asynchronous=False)
    c.close()

    assert group in {g["group"] for g in ctl.json("group", "list")}
    d = ctl.json("group", "describe", group)[0]
    assert d["group"] == group and d["total_lag"] == 6 and d["members"] == []
    assert [(p["topic"], p["partition"], p["current_offset"], p["log_end_offset"], p["lag"])
            for p in d["partitions"]] == [(topic, 0, 3, 6, 3), (topic, 1, 1, 4, 3)]
    rows = table_rows(ctl.ok("group", "describe", group).out)
    assert ["TOTAL-LAG", "6"] in rows
    assert [topic, "0", "3", "6", "3"] in rows and [topic, "1", "1", "4", "3"] in rows

    # A dry run prints the plan and commits nothing.
    plan = ctl.json("group", "seek", group, "--to", "start", "--dry-run")
    assert plan["dry_run"] is True
    assert [(p["partition"], p["previous_offset"], p["new_offset"]) for p in plan["partitions"]] == \
        [(0, 3, 0), (1, 1, 0)]
    assert "Dry run" in ctl.ok("group", "seek", group, "--to", "start", "--dry-run").out
    assert committed(b, group, topic, 2) == {0: 3, 1: 1}

    # Real seeks: one partition to the start, then everything to the end, then an offset.
    ctl.ok("group", "seek", group, "--to", "start", "--topics", f"{topic}:0")
    assert committed(b, group, topic, 2) == {0: 0, 1: 1}
    ctl.ok("group", "seek", group, "--to", "end")
    assert committed(b, group, topic, 2) == {0: 6, 1: 4}
    assert ctl.json("group", "describe", group)[0]["total_lag"] == 0
    ctl.ok("group", "seek", group, "--to", "2")
    assert committed(b, group, topic, 2) == {0: 2, 1: 2}
    ctl.ok("group", "seek", group, "--to=-1", "--topics", f"{topic}:1")
    assert committed(b, group, topic, 2) == {0: 2, 1: 1}

    # samsactl's own group consumer commits what it printed.
    r = ctl.ok("topic", "consume", topic, "-g", "ctl-console-group", "-n", "10")
    assert sorted(r.out.split()) == sorted([f"a{i}" for i in range(6)] + [f"b{i}" for i in range(4)])
    assert committed(b, "ctl-console-group", topic, 2) == {0: 6, 1: 4}

    ctl.ok("group", "delete", group)
    r = ctl.run("group", "describe", group, expect=NOT_FOUND)
    assert f"consumer group {group} does not exist" in r.err
    ctl.run("group", "delete", group, expect=NOT_FOUND)
    ctl.run("group", "seek", "ctl-never-existed", "--to", "start", expect=NOT_FOUND)


def test_trim_prefix_moves_the_log_start(module_broker):
    import confluent_kafka as ck
    b = module_broker
    ctl = Ctl(b)
    ctl.ok("topic", "create", "ctl-trim", "-p", "1")
    wait_for_topic(b, "ctl-trim", 1)
    ctl.ok("topic", "produce", "ctl-trim", stdin="".join(f"r{i}\n" for i in range(10)))
    r = ctl.json("topic", "trim-prefix", "ctl-trim", "--offset", "4")
    assert r == [{"topic": "ctl-trim", "partition": 0, "new_start_offset": 4, "error": None}]
    d = ctl.json("topic", "describe", "ctl-trim", "-p")
    assert (d["partition_details"][0]["log_start_offset"],
            d["partition_details"][0]["high_watermark"]) == (4, 10)
    c = ck.Consumer({**kafka_conf(b), "group.id": "ctl-trim-check"})
    try:
        assert c.get_watermark_offsets(ck.TopicPartition("ctl-trim", 0), timeout=10) == (4, 10)
    finally:
        c.close()
    ctl.run("topic", "trim-prefix", "ctl-trim", "--offset", "99", expect=ERROR)


# -- cluster ---------------------------------------------------------------------------------------

def test_cluster_info_health_and_config(module_broker):
    b = module_broker
    ctl = Ctl(b)
    info = ctl.json("cluster", "info")
    assert info["controller_id"] == 1 and info["cluster_id"]
    assert info["brokers"] == [{"id": 1, "host": "127.0.0.1", "port": b.port, "rack": None}]
    text = ctl.ok("cluster", "info").out
    assert "BROKERS" in text and f"1*  127.0.0.1  {b.port}" in text

    health = ctl.json("cluster", "health")
    assert health["is_healthy"] is True and health["unhealthy_reasons"] == []
    text = ctl.ok("cluster", "health", "--exit-code").out
    assert "Healthy:" in text and "true" in text

    assert ctl.ok("cluster", "config", "get", "log.retention.ms").out.strip() != "3600000"
    r = ctl.ok("cluster", "config", "set", "log.retention.ms", "3600000")
    assert "cluster-wide" in r.out
    got = ctl.json("cluster", "config", "get", "log.retention.ms")
    assert (got["value"], got["source"]) == ("3600000", "DYNAMIC_DEFAULT_BROKER_CONFIG")
    assert ctl.ok("cluster", "config", "get", "log.retention.ms").out == "3600000\n"
    listed = {c["name"]: c for c in ctl.json("cluster", "config", "list")}
    assert listed["log.retention.ms"]["value"] == "3600000"
    ctl.ok("cluster", "config", "delete", "log.retention.ms")
    assert ctl.json("cluster", "config", "get", "log.retention.ms")["source"] != \
        "DYNAMIC_DEFAULT_BROKER_CONFIG"
    ctl.run("cluster", "config", "get", "no.such.config", expect=NOT_FOUND)
    r = ctl.run("cluster", "config", "set", "log.dirs", "/tmp/x", expect=ERROR)
    assert "log.dirs" in r.err or "HTTP 400" in r.err


def test_logdirs_describe(module_broker):
    b = module_broker
    ctl = Ctl(b)
    ctl.ok("topic", "create", "ctl-dirs", "-p", "2")
    wait_for_topic(b, "ctl-dirs", 2)
    ctl.ok("topic", "produce", "ctl-dirs", "-p", "1", stdin="x" * 1000 + "\n")
    dirs = ctl.json("cluster", "logdirs", "describe", "--topics", "ctl-dirs")
    assert len(dirs) == 1 and dirs[0]["broker_id"] == 1 and dirs[0]["error"] is None
    assert dirs[0]["dir"] == b.data_dir
    parts = {p["partition"]: p for p in dirs[0]["partitions"]}
    assert set(parts) == {0, 1} and {p["topic"] for p in parts.values()} == {"ctl-dirs"}
    assert parts[1]["size_bytes"] > 1000 and parts[0]["size_bytes"] == 0
    # Without --topics every topic but the internal ones (those need -i).
    everything = {p["topic"] for p in ctl.json("cluster", "logdirs", "describe")[0]["partitions"]}
    assert "ctl-dirs" in everything and not any(t.startswith("__") for t in everything)
    with_internal = ctl.json("cluster", "logdirs", "describe", "-i")[0]["partitions"]
    assert "__consumer_offsets" in {p["topic"] for p in with_internal}


def test_yaml_output_parses_to_the_json_document(module_broker):
    ctl = Ctl(module_broker)
    ctl.ok("topic", "create", "ctl-yaml", "-p", "1", "-c", "retention.ms=123456")
    as_json = ctl.json("topic", "describe", "ctl-yaml")
    as_yaml = yaml.safe_load(ctl.ok("topic", "describe", "ctl-yaml", "-o", "yaml").out)
    assert as_yaml == as_json


def test_profile_file_and_environment(module_broker, tmp_path):
    b = module_broker
    profile = tmp_path / "samsactl.yaml"
    profile.write_text(f"""# a profile with a wrong default and the right named one
admin_url: http://127.0.0.1:{free_port()}
profiles:
  local:
    admin_url: http://127.0.0.1:{b.admin_port}
    brokers: {b.bootstrap}
""")
    base = [samsactl_binary(), "topic", "list", "-o", "json"]
    env = clean_env(SAMSACTL_CONFIG=str(profile))
    r = subprocess.run(base + ["--profile", "local"], capture_output=True, env=env, timeout=30)
    assert r.returncode == OK, r
    assert isinstance(json.loads(r.stdout), list)
    r = subprocess.run(base, capture_output=True, env={**env, "SAMSACTL_PROFILE": "local"},
                       timeout=30)
    assert r.returncode == OK, r
    r = subprocess.run(base, capture_output=True, env=env, timeout=30)
    assert r.returncode == UNREACHABLE, r  # the top-level default points nowhere
    r = subprocess.run(base, capture_output=True, timeout=30,
                       env={**env, "SAMSACTL_ADMIN_URL": b.admin_url})
    assert r.returncode == OK, r  # the environment beats the file
    r = subprocess.run(base + ["--profile", "nope"], capture_output=True, env=env, timeout=30)
    assert r.returncode == USAGE and b"profile 'nope'" in r.stderr, r
    profile.write_text("admin_url: [broken\n")
    r = subprocess.run(base, capture_output=True, env=env, timeout=30)
    assert r.returncode == USAGE and b"line 1" in r.stderr, r


def test_bash_completion(module_broker):
    script = Ctl(module_broker).ok("completion", "bash").out
    assert "complete -F _samsactl samsactl" in script

    def complete(*words):
        line = " ".join(("samsactl",) + words)
        r = subprocess.run(["bash", "-c", f"{script}\nCOMP_WORDS=({line}); "
                            f"COMP_CWORD={len(words)}; _samsactl; echo \"${{COMPREPLY[@]}}\""],
                           capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.decode().split()

    assert complete("to") == ["topic"]
    assert complete("topic", "cr") == ["create"]
    assert set(complete("group", "")) >= {"list", "describe", "seek", "delete"}
    assert "--dry-run" in complete("group", "seek", "g", "--d")
    assert complete("topic", "list", "-o", "j") == ["json"]


# -- the secured broker: ACLs, users, refused calls ---------------------------------------------

class SecuredBroker(Broker):
    """SASL_PLAINTEXT (SCRAM) on the Kafka port, the authorizer with User:admin as super user;
    admin HTTP then asks for HTTP Basic credentials (admin.http.authentication=auto)."""

    def command(self):
        self.overrides["listeners"] = f"SASL_PLAINTEXT://127.0.0.1:{self.port}"
        return super().command() + [
            "--add-scram", f"SCRAM-SHA-256=[name=admin,password={ADMIN_PASSWORD}]"]


@pytest.fixture(scope="module")
def secured(request):
    yield from run_broker(request, SecuredBroker(overrides={
        "sasl.enabled.mechanisms": "SCRAM-SHA-256,SCRAM-SHA-512",
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:admin",
        "connection.failed.authentication.delay.ms": 50,
    }, name="samsactl-sec"))


def admin_ctl(b):
    return Ctl(b, "--user", "admin", "--password", ADMIN_PASSWORD)


def scram_list_topics(b, user, password, mechanism="SCRAM-SHA-256"):
    """A confluent-kafka metadata call authenticated as `user`: the topic names, or the error."""
    import confluent_kafka as ck
    from confluent_kafka.admin import AdminClient
    a = AdminClient({"bootstrap.servers": b.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                     "sasl.mechanisms": mechanism, "sasl.username": user,
                     "sasl.password": password})
    try:
        return set(a.list_topics(timeout=10).topics)
    except ck.KafkaException as e:
        return e


def test_acl_create_list_delete(secured):
    ctl = admin_ctl(secured)
    r = ctl.json("acl", "create", "--allow-principal", "alice", "--operation", "read,describe",
                 "--topic", "ctl-acl-topic", "--group", "ctl-acl-group")
    assert len(r) == 4 and {a["principal"] for a in r} == {"User:alice"}
    ctl.ok("acl", "create", "--deny-principal", "User:mallory", "--deny-host", "10.0.0.9",
           "--operation", "write", "--topic", "ctl-", "--resource-pattern-type", "prefixed")

    acls = ctl.json("acl", "list")
    assert {(a["principal"], a["resource_type"], a["resource_name"], a["operation"],
             a["permission"], a["pattern_type"], a["host"]) for a in acls} == {
        ("User:alice", "TOPIC", "ctl-acl-topic", "READ", "ALLOW", "LITERAL", "*"),
        ("User:alice", "TOPIC", "ctl-acl-topic", "DESCRIBE", "ALLOW", "LITERAL", "*"),
        ("User:alice", "GROUP", "ctl-acl-group", "READ", "ALLOW", "LITERAL", "*"),
        ("User:alice", "GROUP", "ctl-acl-group", "DESCRIBE", "ALLOW", "LITERAL", "*"),
        ("User:mallory", "TOPIC", "ctl-", "WRITE", "DENY", "PREFIXED", "10.0.0.9")}
    only_group = ctl.json("acl", "list", "--group", "ctl-acl-group")
    assert {a["resource_name"] for a in only_group} == {"ctl-acl-group"} and len(only_group) == 2
    rows = table_rows(ctl.ok("acl", "list", "--deny-principal", "mallory").out)
    assert rows == [["PRINCIPAL", "HOST", "RESOURCE-TYPE", "RESOURCE-NAME",
                     "RESOURCE-PATTERN-TYPE", "OPERATION", "PERMISSION"],
                    ["User:mallory", "10.0.0.9", "TOPIC", "ctl-", "PREFIXED", "WRITE", "DENY"]]

    # A bare delete is refused; a dry run deletes nothing; a filtered delete only its match.
    ctl.run("acl", "delete", expect=USAGE)
    assert len(ctl.json("acl", "delete", "--allow-principal", "alice", "--dry-run")) == 4
    assert len(ctl.json("acl", "list")) == 5
    deleted = ctl.json("acl", "delete", "--allow-principal", "alice", "--topic", "ctl-acl-topic")
    assert {(a["resource_name"], a["operation"]) for a in deleted} == \
        {("ctl-acl-topic", "READ"), ("ctl-acl-topic", "DESCRIBE")}
    assert {a["resource_name"] for a in ctl.json("acl", "list")} == {"ctl-acl-group", "ctl-"}
    ctl.ok("acl", "delete", "--allow-principal", "alice")
    ctl.ok("acl", "delete", "--deny-principal", "mallory")
    assert ctl.json("acl", "list") == []


def test_user_create_list_delete_and_scram_login(secured):
    b = secured
    ctl = admin_ctl(b)
    r = ctl.ok("user", "create", "ctl-carol", "-p", "carol-Secret-3", "--mechanism",
               "SCRAM-SHA-512")
    assert "Created user ctl-carol" in r.out
    users = {u["name"]: u for u in ctl.json("user", "list")}
    assert users["ctl-carol"]["mechanisms"] == ["SCRAM-SHA-512"]
    assert ["ctl-carol", "SCRAM-SHA-512"] in table_rows(ctl.ok("user", "list").out)

    # The new credential authenticates on the Kafka listener; a wrong password does not.
    assert isinstance(scram_list_topics(b, "ctl-carol", "carol-Secret-3", "SCRAM-SHA-512"), set)
    assert not isinstance(scram_list_topics(b, "ctl-carol", "wrong", "SCRAM-SHA-512"), set)

    ctl.ok("user", "update", "ctl-carol", "-p", "carol-New-4", "--mechanism", "SCRAM-SHA-512")
    assert isinstance(scram_list_topics(b, "ctl-carol", "carol-New-4", "SCRAM-SHA-512"), set)
    ctl.run("user", "update", "ctl-nobody", "-p", "x", expect=NOT_FOUND)

    ctl.ok("user", "delete", "ctl-carol")
    assert "ctl-carol" not in {u["name"] for u in ctl.json("user", "list")}
    assert not isinstance(scram_list_topics(b, "ctl-carol", "carol-New-4", "SCRAM-SHA-512"), set)
    ctl.run("user", "delete", "ctl-carol", expect=NOT_FOUND)


def test_refused_calls_name_the_principal(secured):
    b = secured
    admin = admin_ctl(b)
    admin.ok("user", "create", "ctl-dave", "-p", "dave-Secret-5")
    dave = Ctl(b, "--user", "ctl-dave", "--password", "dave-Secret-5")
    r = dave.run("user", "list", expect=REFUSED)
    assert "HTTP 403" in r.err and "User:ctl-dave may not DESCRIBE CLUSTER" in r.err, r.err
    r = dave.run("topic", "create", "ctl-dave-topic", expect=REFUSED)
    assert "User:ctl-dave" in r.err, r.err
    r = dave.run("acl", "create", "--allow-principal", "ctl-dave", "--operation", "all",
                 "--cluster", expect=REFUSED)
    assert "User:ctl-dave" in r.err
    # No or wrong credentials: 401, the same exit code, a hint at the flags.
    r = Ctl(b).run("topic", "list", expect=REFUSED)
    assert "authentication failed (HTTP 401" in r.err, r.err
    Ctl(b, "--user", "admin", "--password", "wrong").run("topic", "list", expect=REFUSED)
    # Kafka side: a topic dave may not describe is invisible to him (Kafka's rule), one he may
    # describe but not write refuses his produce.
    admin.ok("topic", "create", "ctl-sec-topic", "-p", "1")
    dave.run("topic", "produce", "ctl-sec-topic", stdin="x\n", expect=NOT_FOUND)
    admin.ok("acl", "create", "--allow-principal", "ctl-dave", "--operation", "describe",
             "--topic", "ctl-sec-topic")
    r = dave.run("topic", "produce", "ctl-sec-topic", stdin="x\n", expect=REFUSED)
    assert "authoriz" in r.err.lower(), r.err


def test_produce_and_consume_over_sasl(secured):
    b = secured
    ctl = admin_ctl(b)
    ctl.ok("topic", "create", "ctl-sasl", "-p", "1")
    ctl.ok("topic", "produce", "ctl-sasl", "-k", "k", "-H", "h:1", stdin="one\ntwo\n")
    r = ctl.ok("topic", "consume", "ctl-sasl", "-n", "2", "-f", "%k:%v:%h\\n")
    assert r.out == "k:one:h:1\nk:two:h:1\n"
    # Log dirs come from the admin API, with the same credentials.
    dirs = ctl.json("cluster", "logdirs", "describe", "--topics", "ctl-sasl")
    assert [p["topic"] for p in dirs[0]["partitions"]] == ["ctl-sasl"]
