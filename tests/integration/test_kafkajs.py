"""kafkajs 2.2.4 scenarios (tests/integration/js/*.js) run by node against a broker this module
owns. A missing node or kafkajs install is a failure, never a skip."""

import os
import shutil
import subprocess

import pytest

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
BROKER_OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false"}


def run_node(script, *args, timeout=140):
    node = shutil.which("node")
    assert node, "node is not installed (scripts/install-deps.sh installs nodejs)"
    assert os.path.isfile(os.path.join(JS_DIR, "node_modules", "kafkajs", "package.json")), \
        "kafkajs is not installed: run `npm ci` in tests/integration/js (install-deps.sh does)"
    r = subprocess.run([node, os.path.join(JS_DIR, script), *args], cwd=JS_DIR,
                       capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, "KAFKAJS_NO_PARTITIONER_WARNING": "1"})
    assert r.returncode == 0, f"node {script} {' '.join(args)} exited {r.returncode}\n" \
                              f"--- stdout ---\n{r.stdout[-4000:]}\n--- stderr ---\n{r.stderr[-6000:]}"
    assert "scenario passed" in r.stdout
    return r.stdout


def test_kafkajs_admin_and_offsets(module_broker):
    run_node("admin.js", module_broker.bootstrap)


@pytest.mark.parametrize("codec", ["none", "gzip"])
def test_kafkajs_roundtrip_10k_keyed(module_broker, codec):
    out = run_node("roundtrip.js", module_broker.bootstrap, f"kjs-rt-{codec}", codec)
    assert "10000 records verified" in out
