"""Certificate reload without restart, with connections open: on SIGHUP and when the key store file
changes, new connections get the new certificate (seen by its serial) while an open consumer keeps
consuming over its old connection; a broken file is refused with a log line and the previous
certificate stays in service. Certificates come from the openssl CLI (tls_certs.py)."""

import os
import shutil
import signal
import time

import pytest
from samsa_fixture import wait_until
from tls_certs import Pki, server_serial


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(str(tmp_path_factory.mktemp("pki-reload")))
    p.certs = {serial: p.keystore_pem(p.issue(f"server-{serial:x}", "/O=Samsa/CN=localhost",
                                              serial, server=True))
               for serial in (0x71, 0x72, 0x73)}
    return p


def replace_keeping_stamp(path, new_content):
    """Rewrites the file with the same size and mtime, so only SIGHUP can notice the change. The
    file was written with trailing blank lines to spare (text after the PEM blocks is ignored),
    since ECDSA signatures, and so the PEM, vary in length."""
    st = os.stat(path)
    data = new_content.encode().rstrip(b"\n") + b"\n"
    assert len(data) <= st.st_size, "new key store is larger than the old"
    with open(path, "wb") as f:
        f.write(data + b"\n" * (st.st_size - len(data)))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


class OpenConsumer:
    """A confluent-kafka consumer that stays connected across the reloads."""

    def __init__(self, b, pki, topic):
        from confluent_kafka import Consumer, Producer
        conf = {"bootstrap.servers": b.bootstrap, "security.protocol": "SSL",
                "ssl.ca.location": pki.path("ca.pem")}
        self.producer = Producer(conf)
        self.consumer = Consumer({**conf, "group.id": f"{topic}-g", "auto.offset.reset": "earliest"})
        self.topic = topic
        self.sent = 0
        self.got = []
        self.consumer.subscribe([topic])

    def round(self, n=50):
        for i in range(n):
            self.producer.produce(self.topic, value=f"v-{self.sent + i}")
        self.sent += n
        assert self.producer.flush(30) == 0
        deadline = time.monotonic() + 30
        while len(self.got) < self.sent and time.monotonic() < deadline:
            m = self.consumer.poll(0.5)
            if m is not None and not m.error():
                self.got.append(m.value().decode())
        assert self.got == [f"v-{i}" for i in range(self.sent)]

    def close(self):
        self.consumer.close()


def start_broker(broker_factory, pki, keystore):
    b = broker_factory({"auto.create.topics.enable": "true", "num.partitions": 1,
                        "ssl.keystore.location": keystore}, start=False)
    b.overrides["listeners"] = f"SSL://127.0.0.1:{b.port}"
    return b.start()


def test_sighup_reload_with_open_consumer(broker_factory, pki, tmp_path):
    keystore = str(tmp_path / "keystore.pem")
    with open(keystore, "w") as f:
        f.write(open(pki.certs[0x71]).read() + "\n" * 256)
    b = start_broker(broker_factory, pki, keystore)
    ca = pki.path("ca.pem")
    assert server_serial(b.port, ca) == "71"
    c = OpenConsumer(b, pki, "reload-sighup")
    c.round()

    replace_keeping_stamp(keystore, open(pki.certs[0x72]).read())
    time.sleep(3)  # longer than the file poll: unchanged stamp, so nothing reloads by itself
    assert server_serial(b.port, ca) == "71"
    os.kill(b.pid, signal.SIGHUP)
    wait_until(lambda: server_serial(b.port, ca) == "72", "serial 72 after SIGHUP", timeout=10)
    assert "event=tls_reloaded listener=SSL reason=sighup serial=72 previous_serial=71" in \
        b.log_text()
    c.round()  # the consumer's connections from before the reload keep working
    c.close()
    b.assert_alive()


def test_file_change_reload_and_broken_file_keeps_old(broker_factory, pki, tmp_path):
    keystore = str(tmp_path / "keystore.pem")
    shutil.copy(pki.certs[0x71], keystore)
    b = start_broker(broker_factory, pki, keystore)
    ca = pki.path("ca.pem")
    c = OpenConsumer(b, pki, "reload-file")
    c.round()

    # An atomic replace, as certificate tooling does it.
    shutil.copy(pki.certs[0x73], keystore + ".new")
    os.replace(keystore + ".new", keystore)
    wait_until(lambda: server_serial(b.port, ca) == "73", "serial 73 after the file changed",
               timeout=15)
    assert "reason=file_changed serial=73" in b.log_text()
    c.round()

    with open(keystore, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\ntruncated\n")
    wait_until(lambda: "event=tls_reload_failed listener=SSL reason=file_changed" in b.log_text(),
               "the failed reload log line", timeout=15)
    assert server_serial(b.port, ca) == "73"  # the previous certificate stays in service
    os.kill(b.pid, signal.SIGHUP)
    wait_until(lambda: "event=tls_reload_failed listener=SSL reason=sighup" in b.log_text(),
               "the failed SIGHUP reload log line", timeout=10)
    assert server_serial(b.port, ca) == "73"
    c.round()
    c.close()
    b.assert_alive()
