"""A throw-away MIT Kerberos realm on loopback for the GSSAPI tests: krb5.conf and kdc.conf in a
temp dir (reached through KRB5_CONFIG / KRB5_KDC_PROFILE, so /etc/krb5.conf and /etc/krb5kdc play
no part), a database made with kdb5_util, principals and keytabs made with kadmin.local, and
krb5kdc in the foreground on a free 127.0.0.1 port, killed by stop().

Hostnames are never canonicalised (rdns = false, dns_canonicalize_hostname = false): clients ask
for kafka/localhost because they connect to `localhost`, whatever reverse DNS would say."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REALM = "SAMSA.TEST"
TOOLS = {"krb5kdc": "krb5-kdc", "kdb5_util": "krb5-kdc", "kadmin.local": "krb5-admin-server",
         "kinit": "krb5-user", "klist": "krb5-user"}


def find_tool(name):
    for d in (None, "/usr/sbin", "/sbin"):
        path = shutil.which(name, path=d)
        if path:
            return path
    raise AssertionError(f"{name} is not installed (Debian package {TOOLS[name]}; "
                         "scripts/install-deps.sh installs it)")


def _free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (the KDC listens on both)."""
    for _ in range(50):
        with socket.socket() as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port for the KDC")


class Kdc:
    def __init__(self, realm=REALM):
        self.realm = realm
        self.dir = tempfile.mkdtemp(prefix="samsa-it-kdc-")
        self.port = _free_port()
        self.proc = None
        self.krb5_conf = os.path.join(self.dir, "krb5.conf")
        self.kdc_conf = os.path.join(self.dir, "kdc.conf")
        self.log = os.path.join(self.dir, "kdc.log")
        with open(self.krb5_conf, "w") as f:
            f.write(f"""[libdefaults]
  default_realm = {realm}
  dns_lookup_realm = false
  dns_lookup_kdc = false
  rdns = false
  dns_canonicalize_hostname = false
  udp_preference_limit = 1
  default_ccache_name = FILE:{self.dir}/ccache-default
[realms]
  {realm} = {{
    kdc = 127.0.0.1:{self.port}
  }}
[domain_realm]
  localhost = {realm}
""")
        with open(self.kdc_conf, "w") as f:
            f.write(f"""[kdcdefaults]
  kdc_listen = 127.0.0.1:{self.port}
  kdc_tcp_listen = 127.0.0.1:{self.port}
[realms]
  {realm} = {{
    database_name = {self.dir}/principal
    key_stash_file = {self.dir}/stash
    acl_file = {self.dir}/kadm5.acl
    kdc_listen = 127.0.0.1:{self.port}
    kdc_tcp_listen = 127.0.0.1:{self.port}
    max_life = 1h
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }}
[logging]
  kdc = FILE:{self.log}
""")
        open(os.path.join(self.dir, "kadm5.acl"), "w").close()

    @property
    def env(self):
        """What every Kerberos program here (KDC tools, broker, clients) must see."""
        return {"KRB5_CONFIG": self.krb5_conf, "KRB5_KDC_PROFILE": self.kdc_conf,
                # The acceptor's replay cache stays in the temp dir too.
                "KRB5RCACHEDIR": self.dir}

    def _run(self, *args):
        r = subprocess.run(list(args), env={**os.environ, **self.env}, capture_output=True,
                           timeout=60)
        assert r.returncode == 0, f"{args}: {r.stdout.decode()} {r.stderr.decode()}"
        return r.stdout.decode()

    def kadmin(self, query):
        return self._run(find_tool("kadmin.local"), "-r", self.realm, "-q", query)

    def start(self):
        self._run(find_tool("kdb5_util"), "-r", self.realm, "create", "-s", "-P", "master-pw")
        self.proc = subprocess.Popen([find_tool("krb5kdc"), "-n", "-r", self.realm],
                                     env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"krb5kdc exited with {self.proc.returncode}: "
                                     f"{self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"krb5kdc did not listen on {self.port}: {self.log_text()}")

    def add_principal(self, name, keytab=None):
        """A principal with a random key; with `keytab`, its key is exported there (each export
        makes a new key, so older keytabs of the principal stop working)."""
        self.kadmin(f"addprinc -randkey {name}")
        if keytab:
            self.export(name, keytab)
        return name

    def export(self, name, keytab):
        self.kadmin(f"ktadd -k {keytab} {name}")
        return keytab

    def path(self, name):
        return os.path.join(self.dir, name)

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, keep=False):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
