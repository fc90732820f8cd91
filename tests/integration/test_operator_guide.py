"""docs/operator-guide.md, run: every command in its `sh` blocks is executed against the real
package, installed with dpkg into a scratch root, and the broker it installs, with a real
Prometheus. Addresses become free loopback ports and absolute paths move under the scratch root,
as every test must; the few commands that need systemd as PID 1 or the network (which CI does not
have) are listed in NOT_RUN and must be exactly those; the package install and the service starts
have their scratch-root equivalents in `run_special`. Any other command runs as written (after
those substitutions) and must exit 0, so a command added to the guide is run, or this test fails."""

import os
import re
import shutil
import subprocess
import time

import pytest

from samsa_fixture import Broker, wait_until
from test_metrics_prometheus import Prometheus
from test_package import ScratchRoot, deb, project_version  # noqa: F401  (deb is a fixture)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GUIDE = os.path.join(REPO, "docs", "operator-guide.md")
# systemd is not PID 1 in CI and apt has no network there: present in the guide, not run.
NOT_RUN = {"systemctl status samsa-broker", "sudo apt install prometheus",
           "sudo systemctl restart grafana-server"}


def guide_commands():
    text = open(GUIDE).read()
    blocks = re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)
    assert blocks, "no sh blocks in the guide"
    return [line.strip() for b in blocks for line in b.splitlines()
            if line.strip() and not line.strip().startswith("#")]


class GuideBroker(Broker):
    """The scratch root's broker with its installed broker.properties, as the unit starts it."""

    def __init__(self, root, **kw):
        super().__init__(name="operator-guide", **kw)
        self.binary = os.path.join(root, "usr/bin/samsa-broker")
        self.config_file = os.path.join(root, "etc/samsa/broker.properties")


class Guide:
    def __init__(self, deb_path, tmp):
        self.deb = deb_path
        self.tmp = tmp
        self.scratch = ScratchRoot(os.path.join(tmp, "scratch"))
        self.root = self.scratch.root
        self.etc = os.path.join(tmp, "etc")  # /etc/prometheus, /etc/grafana of the guide
        for d in ("prometheus", "grafana/provisioning/dashboards"):
            os.makedirs(os.path.join(self.etc, d))
        self.broker = None
        self.prometheus = None

    def substitute(self, text):
        b = self.broker
        if b is not None:
            text = text.replace("http://localhost:8090", b.admin_url)
            text = text.replace("localhost:8090", f"127.0.0.1:{b.admin_port}")
            text = text.replace("localhost:9092", b.bootstrap)
        text = text.replace("/usr/share/samsa", os.path.join(self.root, "usr/share/samsa"))
        text = text.replace("/etc/prometheus", os.path.join(self.etc, "prometheus"))
        text = text.replace("/etc/grafana", os.path.join(self.etc, "grafana"))
        return text

    def run_special(self, command):
        if command == "make deb":
            return True  # the `deb` fixture built the package this test installs
        m = re.fullmatch(r"sudo apt install \./samsa_([0-9.]+)_amd64\.deb", command)
        if m:
            assert m.group(1) == project_version(), f"the guide names version {m.group(1)}"
            self.scratch.dpkg("--install", self.deb)
            return True
        if command == "sudo systemctl enable --now samsa-broker":
            self.broker = GuideBroker(self.root)
            self.broker.start()  # returns once ready, as systemctl start does (Type=notify)
            # The installed prometheus.yml scrapes localhost:8090 and names installed paths:
            # our broker's admin port, and the paths under the scratch root.
            path = os.path.join(self.root, "usr/share/samsa/grafana/prometheus/prometheus.yml")
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(self.substitute(text))
            return True
        if command == "sudo systemctl restart prometheus":
            config = os.path.join(self.etc, "prometheus", "prometheus.yml")
            self.prometheus = Prometheus(f"127.0.0.1:{self.broker.admin_port}")
            self.prometheus.args[1] = f"--config.file={config}"
            self.prometheus.start()
            wait_until(lambda: self.prometheus.query('up{job="samsa"} == 1'),
                       "Prometheus to scrape the broker with the guide's config", timeout=60)
            assert self.prometheus.query('ALERTS') is not None
            return True
        return False

    def run(self, command):
        if command in NOT_RUN:
            return "not run"
        if self.run_special(command):
            return "ran (scratch-root equivalent)"
        line = self.substitute(command)
        if line.startswith("sudo "):
            line = line[len("sudo "):]
        env = {**os.environ,
               "PATH": os.path.join(self.root, "usr/bin") + ":" + os.environ.get("PATH", ""),
               "HOME": self.tmp}
        if self.broker is not None:
            env["SAMSACTL_ADMIN_URL"] = self.broker.admin_url
            env["SAMSACTL_BROKERS"] = self.broker.bootstrap
        r = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True,
                           text=True, timeout=120, env=env)
        assert r.returncode == 0, (f"guide command `{command}` (run as `{line}`) exited "
                                   f"{r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r.stdout

    def close(self):
        if self.prometheus:
            self.prometheus.stop()
        if self.broker:
            self.broker.cleanup(keep=False)


def test_every_command_of_the_operator_guide_runs(deb, tmp_path):  # noqa: F811
    commands = guide_commands()
    assert NOT_RUN <= set(commands), f"NOT_RUN lists commands the guide no longer has: " \
                                     f"{NOT_RUN - set(commands)}"
    g = Guide(deb, str(tmp_path))
    outputs = {}
    try:
        for c in commands:
            outputs[c] = g.run(c)
        # What the guide promises the operator sees.
        assert '"ready"' in outputs["curl -s http://localhost:8090/v1/status/ready"] or \
            "ready" in outputs["curl -s http://localhost:8090/v1/status/ready"]
        assert "orders" in outputs["samsactl topic list"]
        consumed = [o for c, o in outputs.items() if c.startswith("samsactl topic consume")]
        assert consumed and "first order" in consumed[0], consumed
        described = [o for c, o in outputs.items() if c.startswith("samsactl group describe")]
        assert described and "orders" in described[0], described
        assert os.path.exists(os.path.join(g.etc, "grafana/provisioning/dashboards/samsa.yml"))
    finally:
        g.close()
