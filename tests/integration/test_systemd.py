"""systemd integration: the units in systemd/ pass `systemd-analyze verify`; the default
/etc/samsa/broker.properties shows exactly the broker's built-in defaults; and the notify protocol
(sd_notify) checked against a real NOTIFY_SOCKET datagram socket the test opens, as systemd would:
STATUS= lines through the startup phases, READY=1 only once /v1/status/ready answers 200,
WATCHDOG=1 keep-alives at a quarter of WATCHDOG_USEC, keep-alives withheld while a network
thread's event loop is stopped (the test stops one thread with ptrace, the rest of the broker
keeps running) and resumed after, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on
SIGTERM."""

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

from samsa_fixture import Broker, broker_binary, wait_until

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNITS = os.path.join(REPO, "systemd")
WATCHDOG_USEC = 2_000_000  # pings every 0.5 s


def test_every_unit_verifies(tmp_path):
    exe = shutil.which("systemd-analyze")
    assert exe, "systemd-analyze is not installed (Debian package systemd)"
    broker = broker_binary()
    units = sorted(f for f in os.listdir(UNITS) if f.endswith(".service"))
    assert units == ["samsa-broker.service", "samsa-broker@.service"]
    for unit in units:
        text = open(os.path.join(UNITS, unit)).read()
        # The package installs the binary there; verify needs an executable at the path.
        assert "ExecStart=/usr/bin/samsa-broker --config /etc/samsa/" in text, unit
        # The template is verified as an instance (samsa-broker@b1.service), as systemd loads it.
        copy = tmp_path / unit.replace("@.", "@b1.")
        copy.write_text(text.replace("/usr/bin/samsa-broker", broker))
        r = subprocess.run([exe, "verify", str(copy)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stderr.strip() == "", f"{unit}:\n{r.stderr}"
        for key in ("Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID",
                    "User=samsa", "ProtectSystem=strict", "SystemCallFilter=@system-service",
                    "LimitNOFILE=", "TimeoutStopSec="):
            assert key in text, (unit, key)


def reference_defaults(binary):
    """key -> default from the broker's own configuration reference ("" for none)."""
    out = subprocess.run([binary, "--print-config-reference"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    defaults = {}
    for line in out.splitlines():
        m = re.match(r"^\| `([a-z0-9._]+)` \| \w+ \| (.*?) \|", line)
        if not m:
            continue
        value = m.group(2).strip()
        value = "" if value in ('(none)', '""') else re.sub(r"^`(.*?)`.*$", r"\1", value)
        defaults[m.group(1)] = value
    return defaults


class ConfigFileBroker(Broker):
    def __init__(self, config_file, **kw):
        super().__init__(**kw)
        self.config_file = config_file  # the fixture passes it as --config


def test_default_properties_show_the_built_in_defaults():
    defaults = reference_defaults(broker_binary())
    path = os.path.join(UNITS, "broker.properties")
    shown = {}
    for line in open(path):
        m = re.match(r"^#([a-z][a-z0-9._]+)=(.*)$", line.rstrip("\n"))
        if m:
            shown[m.group(1)] = m.group(2)
        else:
            assert line.startswith("#") or not line.strip(), f"an active setting: {line!r}"
    assert len(shown) >= 25, shown
    wrong = {k: (v, defaults.get(k)) for k, v in shown.items() if defaults.get(k) != v}
    assert not wrong, f"shown value vs built-in default: {wrong}"
    # The broker starts with the file as shipped (the test's ports and dirs on top).
    br = ConfigFileBroker(path, name="default-properties")
    try:
        br.start()
        assert "unknown_config_key" not in br.log_text()
    finally:
        br.cleanup()


class NotifySocket:
    """The service manager's end: a datagram socket collecting (time, message) pairs."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                for field in data.decode().split("\n"):
                    if field:
                        self.messages.append((time.monotonic(), field))

    def fields(self, prefix=""):
        with self.lock:
            return [(t, m) for t, m in self.messages if m.startswith(prefix)]

    def close(self):
        self.closed = True
        self.thread.join(timeout=5)
        self.sock.close()


def ready_status(br):
    try:
        with urllib.request.urlopen(br.admin_url + "/v1/status/ready", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


libc = ctypes.CDLL(None, use_errno=True)
PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207


def ptrace(request, tid):
    libc.ptrace.restype = ctypes.c_long
    if libc.ptrace(request, tid, None, None) != 0:
        raise OSError(ctypes.get_errno(), f"ptrace({request:#x}, {tid})")


def network_threads(pid):
    tids = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == "samsa-network":
                tids.append(int(tid))
    return tids


def gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


def test_notify_protocol_and_watchdog(tmp_path):
    notify = NotifySocket(str(tmp_path / "notify.sock"))
    br = Broker(name="systemd-notify")
    br.env = {"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    try:
        br.start()
        wait_until(lambda: notify.fields("READY=1"), "READY=1", broker=br)
        ready_at = notify.fields("READY=1")[0][0]
        # READY only once ready: nothing it could answer before then says otherwise.
        assert ready_status(br) == 200
        statuses = [m for t, m in notify.fields("STATUS=") if t <= ready_at]
        for phase in ("recovering log dirs", "loading cluster metadata",
                      "opening the Kafka listeners"):
            assert f"STATUS={phase}" in statuses, statuses
        assert statuses.index("STATUS=recovering log dirs") < \
            statuses.index("STATUS=opening the Kafka listeners")

        # Keep-alives every WATCHDOG_USEC / 4.
        wait_until(lambda: len(notify.fields("WATCHDOG=1")) >= 6, "six keep-alives", broker=br)
        pings = [t for t, _ in notify.fields("WATCHDOG=1")]
        assert max(gaps(pings[-5:])) < WATCHDOG_USEC / 1e6 / 2, gaps(pings)

        # Stop one network thread (ptrace stops that thread only): keep-alives stop, the broker
        # says why, and they resume once the thread runs again.
        tids = network_threads(br.proc.pid)
        assert len(tids) == 3, tids  # num.network.threads
        ptrace(PTRACE_SEIZE, tids[-1])
        try:
            ptrace(PTRACE_INTERRUPT, tids[-1])
            stopped_at = time.monotonic()
            wait_until(lambda: "event=systemd_watchdog_withheld" in br.log_text(),
                       "the withheld keep-alive", broker=br)
            time.sleep(WATCHDOG_USEC / 1e6)
            late = [t for t, _ in notify.fields("WATCHDOG=1") if t > stopped_at + 0.6]
            assert late == [], f"{len(late)} keep-alives while a network thread was stopped"
        finally:
            ptrace(PTRACE_DETACH, tids[-1])
        resumed = time.monotonic()
        wait_until(lambda: [t for t, _ in notify.fields("WATCHDOG=1") if t > resumed],
                   "keep-alives after the thread runs again", broker=br)
        assert ready_status(br) == 200

        # SIGHUP: RELOADING=1, then READY=1 again.
        readies = len(notify.fields("READY=1"))
        br.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: len(notify.fields("READY=1")) > readies, "READY=1 after the reload",
                   broker=br)
        reloading = [t for t, _ in notify.fields("RELOADING=1")]
        assert reloading and reloading[-1] <= notify.fields("READY=1")[-1][0]

        # SIGTERM: STOPPING=1, then a clean exit.
        br.stop()
        assert br.last_exit_code == 0
        assert notify.fields("STOPPING=1"), notify.messages[-5:]
    finally:
        br.cleanup()
        notify.close()


def test_without_notify_socket_nothing_is_sent():
    # WATCHDOG_USEC alone (no socket): the broker runs as usual and starts no watchdog.
    br = Broker(name="systemd-none")
    br.env = {"WATCHDOG_USEC": str(WATCHDOG_USEC), "NOTIFY_SOCKET": ""}
    try:
        br.start()
        assert "event=systemd_watchdog" not in br.log_text()
        assert ready_status(br) == 200
    finally:
        br.cleanup()
