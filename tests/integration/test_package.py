"""The Debian package (packaging/): built with `cpack -G DEB` from the build dir this test runs in
(so `make test` packs its ASan+UBSan build, `make test-plain` the plain one), or taken from
SAMSA_DEB (a `make deb` result). Checked with dpkg-deb (control fields, runtime library
dependencies, contents and ownership, conffiles, maintainer scripts) and lintian (no error, no
warning that is not explained below); installed with the real dpkg into scratch roots
(`dpkg --root --force-script-chrootless`, which runs the maintainer scripts with DPKG_ROOT set)
with and without the systemd tools, reinstalled, removed and purged; and the installed broker
started from the scratch root with the installed broker.properties, answering Kafka clients and
HTTPS on its admin port (which needs the TLS shim from /usr/lib/samsa).

Why the build dir it runs in: `make test` has only its ASan+UBSan build, and a plain build of
its own for this would add ~10 minutes on a cold cache. The sanitized package has the same paths,
scripts and metadata; its binaries also depend on libasan8/libubsan1 (declared by dpkg-shlibdeps,
present wherever that build runs) and its broker runs here under the same sanitizer options as
every other integration test. The plain package is what `make test-plain` and `make deb-test`
check.

Needs root (dpkg writes files owned by root and the samsa user) and dpkg-dev, lintian and help2man
(scripts/install-deps.sh). Anything missing fails the test; nothing here skips."""

import glob
import os
import re
import shutil
import ssl
import stat
import subprocess
import tempfile
import urllib.request

import pytest

from samsa_fixture import Broker, free_port
from tls_certs import Pki

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANITIZED = bool(os.environ.get("SAMSA_SANITIZE"))

# lintian warnings accepted here, tag -> why; anything else at warning level fails the test, as
# does every error. Warnings of the package's own making are overridden, each with its reason,
# in packaging/debian/samsa.lintian-overrides instead.
ACCEPTED_WARNINGS = {
}


def run(cmd, timeout=300, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check:
        assert r.returncode == 0, (f"{' '.join(map(str, cmd))} exited {r.returncode}\n"
                                   f"stdout:\n{r.stdout[-4000:]}\nstderr:\n{r.stderr[-4000:]}")
    return r


def tool(name, package):
    path = shutil.which(name)
    assert path, f"{name} is not installed (Debian package {package}; scripts/install-deps.sh)"
    return path


def project_version():
    text = open(os.path.join(REPO, "CMakeLists.txt")).read()
    return re.search(r"project\(samsa VERSION ([0-9.]+)", text).group(1)


@pytest.fixture(scope="module")
def deb():
    assert os.geteuid() == 0, "the package test installs with dpkg and must run as root"
    given = os.environ.get("SAMSA_DEB")
    if given:
        assert os.path.isfile(given), f"SAMSA_DEB={given!r} is not a file"
        yield given
        return
    build = os.environ.get("SAMSA_BUILD_DIR", "")
    config = os.path.join(build, "CPackConfig.cmake")
    assert os.path.isfile(config), f"no {config}: SAMSA_BUILD_DIR must be a configured build dir"
    tool("dpkg-shlibdeps", "dpkg-dev")
    tool("help2man", "help2man")
    out = tempfile.mkdtemp(prefix="samsa-cpack-")
    try:
        # The sanitized broker is 160 MB stripped: xz takes 2 of make test's minutes on it,
        # gzip 20 s. Only the compression of the archive members differs.
        fast = ["-D", "CPACK_DEBIAN_COMPRESSION_TYPE=gzip"] if SANITIZED else []
        run([os.environ.get("SAMSA_CPACK") or tool("cpack", "cmake"), "-G", "DEB", *fast,
             "--config", config, "-B", out], timeout=900)
        debs = glob.glob(os.path.join(out, "*.deb"))
        assert len(debs) == 1, debs
        yield debs[0]
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def tree(deb):
    """The package's data and control parts, extracted (dpkg-deb keeps the modes)."""
    d = tempfile.mkdtemp(prefix="samsa-deb-tree-")
    run(["dpkg-deb", "-x", deb, os.path.join(d, "data")])
    run(["dpkg-deb", "-e", deb, os.path.join(d, "control")])
    yield d
    shutil.rmtree(d, ignore_errors=True)


def control_fields(deb):
    fields, key = {}, None
    for line in run(["dpkg-deb", "-f", deb]).stdout.splitlines():
        if line.startswith((" ", "\t")):
            fields[key] += "\n" + line.strip()
        else:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def elf_files(root):
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p) and open(p, "rb").read(4) == b"\x7fELF":
                yield p


def owning_package(path):
    """The Debian package this host got a library from; Debian 12 registers many under /lib."""
    candidates = [path, re.sub(r"^/usr/lib/", "/lib/", path), re.sub(r"^/lib/", "/usr/lib/", path)]
    for p in dict.fromkeys(candidates + [os.path.realpath(c) for c in candidates]):
        r = run(["dpkg-query", "-S", p], check=False)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    raise AssertionError(f"no installed package owns {path}")


def provided_by(package):
    """Virtual packages a library's package provides (libspdlog1.10 is libspdlog1.10-fmt9 to
    dpkg-shlibdeps)."""
    out = run(["dpkg-query", "-W", "-f=${Provides}", package]).stdout
    return {re.split(r"[ (]", p.strip())[0] for p in out.split(",") if p.strip()}


def test_control_fields_and_runtime_dependencies(deb, tree):
    f = control_fields(deb)
    assert f["Package"] == "samsa"
    assert f["Version"] == project_version()
    assert f["Architecture"] == "amd64"
    assert f["Section"] == "net" and f["Priority"] == "optional"
    assert re.match(r"^[^<>]+ <[^@<>]+@[^@<>]+>$", f["Maintainer"]), f["Maintainer"]
    assert f["Homepage"].startswith("https://")
    summary, _, long_text = f["Description"].partition("\n")
    assert summary and len(summary) < 80 and len(long_text) > 100, f["Description"]
    depends = {re.split(r"[ (]", d.strip())[0] for alt in f["Depends"].split(",")
               for d in alt.split("|")}
    assert "passwd" in depends  # postinst's useradd fallback
    # Not just what libraft0's symbols file allows: 0.15 (bookworm main) has a Raft safety bug.
    assert re.search(r"libraft0 \(>= 0\.2[2-9]", f["Depends"]), f["Depends"]
    # Every library any binary of the package links against comes from a declared package
    # (dpkg-shlibdeps); under ASan that includes the sanitizer runtimes.
    needed = {}
    for elf in elf_files(os.path.join(tree, "data")):
        out = run(["readelf", "-dW", elf]).stdout
        libs = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
        resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", elf]).stdout, re.M))
        for lib in libs:
            assert lib in resolved, f"{elf}: {lib} does not resolve on this host"
            needed[lib] = owning_package(resolved[lib])
    assert {"libc.so.6", "libssl.so.3", "libcrypto.so.3", "libstdc++.so.6"} <= set(needed)
    missing = {lib: pkg for lib, pkg in needed.items()
               if not ({pkg} | provided_by(pkg)) & depends}
    assert not missing, f"linked but not in Depends ({f['Depends']}): {missing}"
    assert SANITIZED or not any(d.startswith(("libasan", "libubsan", "libtsan")) for d in depends)


def contents(deb):
    """path -> (mode string, owner/group) from dpkg-deb --contents."""
    entries = {}
    for line in run(["dpkg-deb", "--contents", deb]).stdout.splitlines():
        parts = line.split(None, 5)
        path = parts[5].split(" -> ")[0]
        entries[path[1:].rstrip("/") or "/"] = (parts[0], parts[1])
    return entries


def test_contents(deb, tree):
    entries = contents(deb)
    not_root = {p: o for p, (_, o) in entries.items() if o != "root/root"}
    assert not not_root, f"not owned by root:root: {not_root}"

    doc = "/usr/share/doc/samsa"
    expected = {
        "/usr/bin/samsa-broker": "-rwxr-xr-x",
        "/usr/bin/samsa-perf": "-rwxr-xr-x",
        # admin-http/https.cc looks for it in <bindir>/../lib/samsa; only ever dlopen()ed.
        "/usr/lib/samsa/libsamsa-civetweb-tls.so": "-rw-r--r--",
        "/usr/lib/systemd/system/samsa-broker.service": "-rw-r--r--",
        "/usr/lib/systemd/system/samsa-broker@.service": "-rw-r--r--",
        "/usr/lib/sysusers.d/samsa.conf": "-rw-r--r--",
        "/usr/lib/tmpfiles.d/samsa.conf": "-rw-r--r--",
        "/etc/samsa/broker.properties": "-rw-r--r--",
        f"{doc}/copyright": "-rw-r--r--",
        f"{doc}/changelog.gz": "-rw-r--r--",
        f"{doc}/README.md": "-rw-r--r--",
        "/usr/share/man/man1/samsa-broker.1.gz": "-rw-r--r--",
        "/usr/share/man/man1/samsa-perf.1.gz": "-rw-r--r--",
        "/usr/share/lintian/overrides/samsa": "-rw-r--r--",
    }
    # Whatever docs/ and grafana/ hold is shipped (dashboards and provisioning files included).
    for md in glob.glob(os.path.join(REPO, "docs", "*.md")):
        expected[f"{doc}/{os.path.basename(md)}"] = "-rw-r--r--"
    grafana = os.path.join(REPO, "grafana")
    for path in glob.glob(os.path.join(grafana, "**", "*"), recursive=True):
        if os.path.isfile(path) and not path.endswith(".py"):  # the dashboards' generator stays
            expected["/usr/share/samsa/grafana/" + os.path.relpath(path, grafana)] = "-rw-r--r--"
    assert "/usr/share/samsa/grafana/alerts/samsa-alerts.yml" in expected
    wrong = {p: (entries.get(p, ("missing",))[0], m) for p, m in expected.items()
             if entries.get(p, ("missing",))[0] != m}
    assert not wrong, f"path: (in the package, expected): {wrong}"

    # Every program the build makes (samsa-*, samsactl) is installed, each with a man page.
    build = os.environ.get("SAMSA_BUILD_DIR")
    if build:
        for path in glob.glob(os.path.join(build, "**", "samsa*"), recursive=True):
            name = os.path.basename(path)
            if (re.fullmatch(r"samsa-[a-z]+|samsactl", name) and os.path.isfile(path)
                    and os.access(path, os.X_OK) and open(path, "rb").read(4) == b"\x7fELF"):
                assert f"/usr/bin/{name}" in entries, f"{path} is built but not packaged"
    programs = [p for p in entries if p.startswith("/usr/bin/") and entries[p][0][0] == "-"]
    for p in programs:
        page = f"/usr/share/man/man1/{os.path.basename(p)}.1.gz"
        assert page in entries, f"{p} has no man page"
    page = run(["man", "-l", "--warnings", os.path.join(tree, "data", "usr/share/man/man1/samsa-broker.1.gz")],
               env={**os.environ, "MANWIDTH": "80"})
    assert "--override" in page.stdout and "/etc/samsa/broker.properties" in page.stdout
    assert page.stderr.strip() == "", page.stderr
    # Nothing lands outside the FHS places a package may use.
    stray = [p for p in entries if not p.startswith(("/usr/bin", "/usr/lib", "/usr/share", "/etc"))
             and p not in ("/", "/usr")]
    assert not stray, stray

    control = os.path.join(tree, "control")
    assert open(os.path.join(control, "conffiles")).read().split() == \
        ["/etc/samsa/broker.properties"]
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o755, script
        text = open(path).read()
        assert text.startswith("#!/bin/sh\n") and "\nset -e\n" in text, script
    # The unit starts the binary where the package puts it.
    unit = open(os.path.join(tree, "data", "usr/lib/systemd/system/samsa-broker.service")).read()
    assert "ExecStart=/usr/bin/samsa-broker --config /etc/samsa/broker.properties" in unit


def test_lintian(deb):
    lintian = tool("lintian", "lintian")
    r = run([lintian, "--fail-on", "error", "--display-info", deb], check=False, timeout=900)
    print(r.stdout)
    assert r.returncode == 0 and not re.search(r"^E: ", r.stdout, re.M), \
        f"lintian exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    warnings = re.findall(r"^W: samsa(?: \S+)?: (\S+)(.*)$", r.stdout, re.M)
    unexplained = [f"{tag}{rest}" for tag, rest in warnings if tag not in ACCEPTED_WARNINGS]
    assert not unexplained, f"lintian warnings without a reason here:\n{r.stdout}"


# --- installing into scratch roots ----------------------------------------------------------------

class ScratchRoot:
    """An empty system for dpkg --root: its own dpkg database, and the passwd/group files
    base-passwd would have put there. Maintainer scripts run on this host with DPKG_ROOT set
    (--force-script-chrootless), so they must keep every path under it."""

    def __init__(self, base, path_env=None):
        self.root = os.path.join(base, "root")
        self.log = os.path.join(base, "dpkg.log")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        open(os.path.join(self.root, "var/lib/dpkg/status"), "w").close()
        with open(self.path("etc/passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/bash\n")
        with open(self.path("etc/group"), "w") as f:
            f.write("root:x:0:\n")
        self.env = {**os.environ}
        if path_env:
            self.env["PATH"] = path_env

    def path(self, rel):
        return os.path.join(self.root, rel)

    def dpkg(self, *args):
        # --force-depends: the root has none of the libraries (the host's are used when the
        # broker runs); --force-script-chrootless: run the scripts here, with DPKG_ROOT set.
        return run(["/usr/bin/dpkg", f"--root={self.root}", f"--log={self.log}",
                    "--force-script-chrootless", "--force-depends", *args], env=self.env)

    def status(self):
        r = run(["dpkg-query", f"--admindir={self.path('var/lib/dpkg')}", "-W",
                 "-f=${Status}", "samsa"], check=False)
        return r.stdout.strip() if r.returncode == 0 else "unknown"

    def user(self):
        lines = [l.rstrip("\n").split(":") for l in open(self.path("etc/passwd"))
                 if l.startswith("samsa:")]
        assert len(lines) == 1, f"samsa in {self.path('etc/passwd')}: {lines}"
        return lines[0]


def path_without(names, base):
    """A PATH holding every program of this host's PATH except `names`: a system without
    the systemd tools, for the maintainer scripts' fallbacks."""
    d = os.path.join(base, "bin-without-systemd")
    os.makedirs(d)
    for directory in os.environ.get("PATH", "/usr/bin:/bin").split(":"):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            link = os.path.join(d, name)
            if name not in names and not os.path.lexists(link) and os.access(target, os.X_OK):
                os.symlink(target, link)
    return d


def host_passwd():
    return open("/etc/passwd").read(), open("/etc/group").read()


@pytest.fixture
def scratch(tmp_path):
    made = []

    def make(**kw):
        r = ScratchRoot(str(tmp_path / f"s{len(made)}"), **kw)
        made.append(r)
        return r
    yield make
    for r in made:
        shutil.rmtree(os.path.dirname(r.root), ignore_errors=True)


@pytest.mark.parametrize("systemd_tools", [True, False], ids=["systemd-tools", "no-systemd-tools"])
def test_install_reinstall_remove_purge(deb, scratch, tmp_path, systemd_tools):
    path_env = None
    if not systemd_tools:
        path_env = path_without({"systemd-sysusers", "systemd-tmpfiles"}, str(tmp_path))
        assert not shutil.which("systemd-sysusers", path=path_env)
    else:
        tool("systemd-sysusers", "systemd")
    s = scratch(path_env=path_env)
    host_before = host_passwd()
    s.dpkg("--install", deb)
    assert s.status() == "install ok installed"
    assert os.access(s.path("usr/bin/samsa-broker"), os.X_OK)

    # postinst: the system user and its directories, in the scratch root, not on this host.
    _, _, uid, gid, gecos, home, shell = s.user()
    assert 0 < int(uid) < 1000 and home == "/var/lib/samsa" and shell == "/usr/sbin/nologin"
    assert any(l.startswith(f"samsa:x:{gid}:") for l in open(s.path("etc/group")))
    for d, mode, owner in (("var/lib/samsa", 0o750, int(uid)), ("var/log/samsa", 0o750, int(uid)),
                           ("etc/samsa", 0o755, 0)):
        st = os.stat(s.path(d))
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == mode, d
        assert st.st_uid == owner, (d, st.st_uid)
    assert host_passwd() == host_before, "postinst changed this host's users"

    # State a remove must keep and a purge must delete: data, an edited conffile, and an
    # instance the operator enabled (a link to the template unit).
    os.makedirs(s.path("var/lib/samsa/data"))
    with open(s.path("var/lib/samsa/data/meta.properties"), "w") as f:
        f.write("node.id=1\n")
    with open(s.path("etc/samsa/broker.properties"), "a") as f:
        f.write("log.retention.hours=24\n")
    with open(s.path("etc/samsa/b1.properties"), "w") as f:
        f.write("node.id=2\n")
    wants = s.path("etc/systemd/system/multi-user.target.wants")
    os.makedirs(wants)
    os.symlink("/usr/lib/systemd/system/samsa-broker@.service",
               os.path.join(wants, "samsa-broker@b1.service"))

    # Reinstalling the same version is an upgrade to dpkg (prerm upgrade, postinst configure
    # <old version>): the scripts run again and change nothing.
    s.dpkg("--install", deb)
    assert s.status() == "install ok installed"
    assert s.user()[2] == uid
    assert "log.retention.hours=24" in open(s.path("etc/samsa/broker.properties")).read()
    assert os.path.exists(s.path("var/lib/samsa/data/meta.properties"))

    s.dpkg("--remove", "samsa")
    assert s.status() == "deinstall ok config-files"
    assert not os.path.exists(s.path("usr/bin/samsa-broker"))
    assert not os.path.exists(s.path("usr/lib/systemd/system/samsa-broker.service"))
    assert os.path.exists(s.path("var/lib/samsa/data/meta.properties")), "remove deleted data"
    assert "log.retention.hours=24" in open(s.path("etc/samsa/broker.properties")).read()
    assert s.user()[2] == uid

    s.dpkg("--purge", "samsa")
    assert s.status() == "unknown"
    for gone in ("var/lib/samsa", "var/log/samsa", "etc/samsa",
                 "etc/systemd/system/multi-user.target.wants/samsa-broker@b1.service"):
        assert not os.path.lexists(s.path(gone)), f"purge left {gone}"
    # The user stays (Debian keeps system users: files it owns may remain elsewhere).
    assert s.user()[2] == uid


# --- the installed broker -------------------------------------------------------------------------

class InstalledBroker(Broker):
    """The scratch root's /usr/bin/samsa-broker with its /etc/samsa/broker.properties; the
    fixture's ports, data dir and an HTTPS admin listener on top."""

    def __init__(self, root, keystore, **kw):
        super().__init__(**kw)
        self.binary = os.path.join(root, "usr/bin/samsa-broker")
        self.config_file = os.path.join(root, "etc/samsa/broker.properties")
        self.https_port = free_port()
        while self.https_port in (self.port, self.controller_port, self.admin_port):
            self.https_port = free_port()
        self.overrides.update({
            "admin.listeners": f"http://127.0.0.1:{self.admin_port},"
                               f"https://127.0.0.1:{self.https_port}",
            "listener.name.admin_http.ssl.keystore.location": keystore,
        })  # config_file: the fixture passes it as --config


def get(url, context=None):
    with urllib.request.urlopen(url, timeout=10, context=context) as r:
        return r.status, r.read().decode()


def test_installed_broker_serves(deb, scratch, tmp_path):
    kcat = tool("kcat", "kcat")
    s = scratch()
    s.dpkg("--install", deb)
    pki = Pki(str(tmp_path / "pki"))
    server = pki.issue("server", "/O=Samsa/CN=localhost", 0x71, server=True)
    keystore = pki.keystore_pem(server)

    # The fixture wants a broker binary even when this test runs outside ctest (SAMSA_DEB).
    os.environ.setdefault("SAMSA_BROKER", s.path("usr/bin/samsa-broker"))
    b = InstalledBroker(s.root, keystore, name="installed")
    try:
        assert b.command()[0] == s.path("usr/bin/samsa-broker")
        b.start()
        assert "unknown_config_key" not in b.log_text()
        status, body = get(f"{b.admin_url}/v1/status/ready")
        assert status == 200, body
        # HTTPS on the admin port loads the CivetWeb TLS shim from <bindir>/../lib/samsa.
        ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
        status, _ = get(f"https://localhost:{b.https_port}/v1/status/ready", ctx)
        assert status == 200
        # The Kafka side: ApiVersions and Metadata through librdkafka.
        r = run([kcat, "-b", b.bootstrap, "-L", "-m", "10"], timeout=60)
        assert "1 brokers:" in r.stdout and f"127.0.0.1:{b.port}" in r.stdout, r.stdout
        assert b.stop() == 0
    finally:
        b.cleanup()
