"""Certificates for the TLS integration tests, made at test time with the openssl CLI: a CA, server
certificates for 127.0.0.1/localhost, client certificates (one expired, one from an untrusted CA),
encrypted keys and PKCS12 stores. Everything lives in one temp dir per test module."""

import os
import shutil
import ssl
import socket
import subprocess
import textwrap


def openssl(*args, cwd=None):
    exe = shutil.which("openssl")
    assert exe, "the openssl CLI is not installed"
    r = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"openssl {' '.join(args)} failed:\n{r.stderr}"
    return r.stdout


class Pki:
    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.ca = self._make_ca("ca", "/CN=Samsa Test CA")
        self.other_ca = self._make_ca("other-ca", "/CN=Untrusted CA")

    def path(self, name):
        return os.path.join(self.root, name)

    def _make_ca(self, name, subject):
        key, cert = self.path(f"{name}.key"), self.path(f"{name}.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", cert, "-subj", subject, "-days", "30",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return name

    def _ca_config(self, ca):
        """`openssl ca` (the only 3.0 command that sets arbitrary validity dates) needs a config."""
        d = self.path(f"{ca}-db")
        os.makedirs(d, exist_ok=True)
        for f, content in (("index.txt", ""), ("serial", "1000\n")):
            if not os.path.exists(os.path.join(d, f)):
                with open(os.path.join(d, f), "w") as out:
                    out.write(content)
        cnf = os.path.join(d, "ca.cnf")
        with open(cnf, "w") as out:
            out.write(textwrap.dedent(f"""\
                [ca]
                default_ca = the_ca
                [the_ca]
                database = {d}/index.txt
                new_certs_dir = {d}
                serial = {d}/serial
                default_md = sha256
                policy = any
                unique_subject = no
                preserve = yes
                copy_extensions = copy
                [any]
                commonName = supplied
                organizationalUnitName = optional
                organizationName = optional
                """))
        return cnf

    def issue(self, name, subject, serial, ca=None, server=False, key_password=None,
              expired=False):
        """Key `<name>.key` (encrypted with key_password if given) and certificate `<name>.pem`
        signed by `ca` (default: the trusted CA); returns the base path without extension."""
        ca = ca or self.ca
        key, csr, cert = self.path(f"{name}.key"), self.path(f"{name}.csr"), self.path(f"{name}.pem")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
        openssl("req", "-new", "-key", key, "-out", csr, "-subj", subject)
        ext = self.path(f"{name}.ext")
        with open(ext, "w") as out:
            out.write("basicConstraints=CA:FALSE\n")
            if server:
                out.write("subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:127.0.0.1\n"
                          "extendedKeyUsage=serverAuth\n")
            else:
                out.write("extendedKeyUsage=clientAuth\n")
        if expired:
            openssl("ca", "-batch", "-config", self._ca_config(ca), "-cert", self.path(f"{ca}.pem"),
                    "-keyfile", self.path(f"{ca}.key"), "-in", csr, "-out", cert, "-notext",
                    "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                    "-extfile", ext)
        else:
            openssl("x509", "-req", "-in", csr, "-CA", self.path(f"{ca}.pem"), "-CAkey",
                    self.path(f"{ca}.key"), "-set_serial", str(serial), "-days", "20",
                    "-out", cert, "-extfile", ext)
        if key_password:
            openssl("pkcs8", "-topk8", "-in", key, "-out", key + ".enc", "-v2", "aes-256-cbc",
                    "-passout", f"pass:{key_password}")
            os.replace(key + ".enc", key)
        return self.path(name)

    def keystore_pem(self, base, password=None):
        """One PEM file with the certificate chain and the key (Kafka's PEM key store file)."""
        out = base + "-keystore.pem"
        with open(out, "w") as f:
            for part in (base + ".pem", self.path(f"{self.ca}.pem"), base + ".key"):
                f.write(open(part).read())
        return out

    def pkcs12(self, base, password):
        out = base + ".p12"
        openssl("pkcs12", "-export", "-in", base + ".pem", "-inkey", base + ".key",
                "-certfile", self.path(f"{self.ca}.pem"), "-out", out, "-passout",
                f"pass:{password}", "-name", "samsa")
        return out

    def not_after(self, cert):
        """notAfter as unix seconds."""
        text = openssl("x509", "-in", cert, "-noout", "-enddate").strip().split("=", 1)[1]
        return ssl.cert_time_to_seconds(text)


def server_serial(port, cafile, timeout=5):
    """The serial number (hex, as Python prints it) of the certificate a TLS listener presents."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return s.getpeercert()["serialNumber"]
