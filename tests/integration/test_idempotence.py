"""Idempotent producer: InitProducerId, per-partition sequence checks and their survival across
clean and kill -9 restarts. One test drives librdkafka (enable.idempotence=true) through broker
restarts; the others send hand-built batches so retries, gaps and stale epochs are exact."""

import socket
import struct
import threading
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import (RawClient, Reader, encode_string, encode_uvarint, frame, free_port,
                           request_header_v2, wait_for_topic)

API_INIT_PRODUCER_ID = 22
ERR_OUT_OF_ORDER_SEQUENCE = 45
ERR_INVALID_PRODUCER_EPOCH = 47
ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53


def create_topic(b, name, partitions):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    futs = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1)], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(b, name, partitions)


def read_partitions(bootstrap, topic, partitions, timeout=90):
    """{partition: [(offset, key, value)]} up to the end of every partition."""
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "it-idempotence",
                     "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)])
        out = {p: [] for p in range(partitions)}
        at_eof = set()
        deadline = time.monotonic() + timeout
        while len(at_eof) < partitions and time.monotonic() < deadline:
            for m in c.consume(num_messages=5000, timeout=0.5):
                if m.error():
                    if m.error().code() == ck.KafkaError._PARTITION_EOF:
                        at_eof.add(m.partition())
                        continue
                    raise AssertionError(f"consume error: {m.error()}")
                at_eof.discard(m.partition())
                out[m.partition()].append((m.offset(), m.key(), m.value()))
        assert len(at_eof) == partitions, f"only partitions {at_eof} reached their end"
        return out
    finally:
        c.close()


# -- librdkafka through restarts -------------------------------------------------------------------

class ResponseDroppingProxy:
    """Forwards Kafka connections to the broker but, for every `every`-th Produce response, closes
    the client connection instead of forwarding it: the batch is in the log, the producer never
    hears so, and retries it. Without deduplication the retry is appended twice (or refused)."""

    def __init__(self, port, upstream_port, every=25):
        self.upstream_port, self.every = upstream_port, every
        self.produce_responses = 0
        self.dropped = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", port))
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.listener.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                client.close()  # broker down: the client reconnects later
                continue
            upstream.settimeout(None)
            api_of = {}
            threading.Thread(target=self._requests, args=(client, upstream, api_of),
                             daemon=True).start()
            threading.Thread(target=self._responses, args=(client, upstream, api_of),
                             daemon=True).start()

    @staticmethod
    def _read_frame(sock):
        head = b""
        while len(head) < 4:
            chunk = sock.recv(4 - len(head))
            if not chunk:
                return None
            head += chunk
        (size,) = struct.unpack(">i", head)
        body = b""
        while len(body) < size:
            chunk = sock.recv(min(1 << 20, size - len(body)))
            if not chunk:
                return None
            body += chunk
        return head + body

    def _shut(self, *socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _requests(self, client, upstream, api_of):
        try:
            while (f := self._read_frame(client)) is not None:
                api_key, _, corr = struct.unpack(">hhi", f[4:12])
                api_of[corr] = api_key
                upstream.sendall(f)
        except OSError:
            pass
        self._shut(client, upstream)

    def _responses(self, client, upstream, api_of):
        try:
            while (f := self._read_frame(upstream)) is not None:
                (corr,) = struct.unpack(">i", f[4:8])
                if api_of.pop(corr, None) == 0:
                    with self.lock:
                        self.produce_responses += 1
                        drop = self.produce_responses % self.every == 0
                        self.dropped += drop
                    if drop:
                        break
                client.sendall(f)
        except OSError:
            pass
        self._shut(client, upstream)


def test_idempotent_producer_survives_clean_and_kill9_restarts(broker_factory):
    proxy_port = free_port()
    b = broker_factory({"advertised.listeners": f"PLAINTEXT://127.0.0.1:{proxy_port}"})
    proxy = ResponseDroppingProxy(proxy_port, b.port)
    topic = "idem-restarts"
    partitions = 3
    create_topic(b, topic, partitions)
    p = ck.Producer({
        "bootstrap.servers": f"127.0.0.1:{proxy_port}",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "batch.num.messages": 200,
        # Never give up on a message while the broker is down: a timed-out message is failed
        # (and the epoch bumped), which would make "exactly once" untestable.
        "message.timeout.ms": 300000,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
    })
    errors, acked = [], []
    lock = threading.Lock()

    def on_delivery(err, msg):
        with lock:
            if err is not None:
                errors.append(str(err))
            else:
                acked.append(int(msg.value()))

    stop = threading.Event()
    produced = []

    def produce_loop():
        i = 0
        while not stop.is_set():
            try:
                p.produce(topic, key=f"key-{i % 11}".encode(), value=str(i).encode(),
                          on_delivery=on_delivery)
            except BufferError:
                p.poll(0.05)
                continue
            produced.append(i)
            i += 1
            if i % 50 == 0:
                p.poll(0)
                time.sleep(0.005)

    t = threading.Thread(target=produce_loop, daemon=True)
    t.start()
    try:
        time.sleep(3)
        assert b.restart(clean=True) == 0, f"unclean exit on SIGTERM; log {b.log_path}"
        time.sleep(3)
        b.kill()
        time.sleep(0.5)
        b.start()
        time.sleep(3)
        b.kill()  # a second crash, right while the producer retries into the fresh broker
        b.start()
        time.sleep(2)
    finally:
        stop.set()
        t.join(10)
    remaining = p.flush(120)
    assert proxy.dropped >= 5, f"only {proxy.dropped} produce responses dropped"
    assert remaining == 0, f"{remaining} messages never delivered; log {b.log_path}"
    assert not errors, errors[:5]
    assert sorted(acked) == produced, "a produced message was not acknowledged exactly once"
    assert len(produced) > 2000, "too little traffic to exercise the restarts"

    logs = b.log_text()
    assert "event=producer_state_loaded" in logs, "restart did not rebuild producer state"

    got = read_partitions(b.bootstrap, topic, partitions)
    seen = []
    for part, recs in got.items():
        values = [int(v) for _, _, v in recs]
        dups = len(values) - len(set(values))
        assert dups == 0, f"partition {part}: {dups} duplicated records"
        assert values == sorted(values), f"partition {part}: records out of produce order"
        offsets = [o for o, _, _ in recs]
        assert offsets == list(range(len(offsets))), f"partition {part}: offsets not contiguous"
        for _, k, v in recs:
            assert k == f"key-{int(v) % 11}".encode()
        seen += values
    assert sorted(seen) == produced, \
        f"{len(seen)} records stored for {len(produced)} produced (missing or extra)"
    proxy.close()


# -- raw protocol: exact duplicates, gaps, epochs ----------------------------------------------------

def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c = _CRC_TABLE[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def zigzag(n):
    return encode_uvarint((n << 1) ^ (n >> 63))


def record_batch(pid, epoch, base_seq, values, ts=None):
    """An uncompressed record batch v2 as a producer sends it (base offset 0)."""
    ts = int(time.time() * 1000) if ts is None else ts
    records = b""
    for i, v in enumerate(values):
        body = (b"\x00" + zigzag(0) + zigzag(i) + zigzag(-1) + zigzag(len(v)) + v + zigzag(0))
        records += zigzag(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, ts, ts, pid, epoch, base_seq,
                            len(values)) + records
    crc = crc32c(after_crc)
    rest = struct.pack(">ibI", -1, 2, crc) + after_crc  # leader epoch, magic, crc
    return struct.pack(">qi", 0, len(rest)) + rest


def produce_v3(c, topic, partition, batch):
    """Produce v3, acks=all; returns (error_code, base_offset)."""
    body = (encode_string(None) + struct.pack(">hi", -1, 10000) + struct.pack(">i", 1) +
            encode_string(topic) + struct.pack(">i", 1) + struct.pack(">i", partition) +
            struct.pack(">i", len(batch)) + batch)
    r = Reader(c.request(0, 3, body))
    topics = r.array(lambda rr: (rr.string(), rr.array(
        lambda x: (x.i32(), x.i16(), struct.unpack(">q", x.take(8))[0],
                   struct.unpack(">q", x.take(8))[0]))))
    (_, parts), = topics
    (_, err, base, _), = parts
    return err, base


def init_producer_id_v0(c, transactional_id=None):
    body = encode_string(transactional_id) + struct.pack(">i", 60000)
    r = Reader(c.request(API_INIT_PRODUCER_ID, 0, body))
    r.i32()  # throttle
    err = r.i16()
    pid = struct.unpack(">q", r.take(8))[0]
    return err, pid, r.i16()


def init_producer_id_v3(c, pid, epoch):
    """Flexible version with the KIP-360 fields; the response header v1 has a tag section."""
    corr = c.next_corr
    c.next_corr += 1
    body = b"\x00" + struct.pack(">iqh", 60000, pid, epoch) + b"\x00"  # null id, ..., no tags
    c.send_raw(frame(request_header_v2(API_INIT_PRODUCER_ID, 3, corr) + body))
    got, payload = c.read_response()
    assert got == corr
    r = Reader(payload)
    assert r.i8() == 0  # response header tagged fields
    r.i32()
    err = r.i16()
    new_pid = struct.unpack(">q", r.take(8))[0]
    return err, new_pid, r.i16()


def test_raw_duplicates_gaps_and_epochs_across_restarts(broker):
    b = broker
    topic = "idem-raw"
    create_topic(b, topic, 1)
    with RawClient(b.host, b.port) as c:
        _, apis = c.api_versions(0)
        assert apis[API_INIT_PRODUCER_ID] == (0, 5)
        err, pid, epoch = init_producer_id_v0(c)
        assert err == 0 and pid >= 0 and epoch == 0
        err2, pid2, _ = init_producer_id_v0(c)
        assert err2 == 0 and pid2 != pid
        err, _, _ = init_producer_id_v0(c, "some-transactional-id")
        assert err == ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED

        first = record_batch(pid, 0, 0, [b"a", b"b", b"c"])
        assert produce_v3(c, topic, 0, first) == (0, 0)
        assert produce_v3(c, topic, 0, first) == (0, 0), "retry was not deduplicated"
        assert produce_v3(c, topic, 0, record_batch(pid, 0, 3, [b"d"])) == (0, 3)
        assert produce_v3(c, topic, 0, record_batch(pid, 0, 9, [b"gap"]))[0] == \
            ERR_OUT_OF_ORDER_SEQUENCE
        # Another producer interleaves; its sequences are its own.
        assert produce_v3(c, topic, 0, record_batch(pid2, 0, 0, [b"x"])) == (0, 4)

        # KIP-360 epoch bump through InitProducerId v3, then the old epoch is fenced.
        err, same_pid, new_epoch = init_producer_id_v3(c, pid, 0)
        assert (err, same_pid, new_epoch) == (0, pid, 1)
        bumped = record_batch(pid, 1, 0, [b"e", b"f"])
        assert produce_v3(c, topic, 0, bumped) == (0, 5)
        assert produce_v3(c, topic, 0, record_batch(pid, 0, 4, [b"late"]))[0] == \
            ERR_INVALID_PRODUCER_EPOCH

    for clean in (True, False):
        b.restart(clean=clean)
        wait_for_topic(b, topic, 1)
        with RawClient(b.host, b.port) as c:
            assert produce_v3(c, topic, 0, bumped) == (0, 5), \
                f"retry after {'clean' if clean else 'kill -9'} restart was appended again"
            assert produce_v3(c, topic, 0, record_batch(pid, 0, 4, [b"late"]))[0] == \
                ERR_INVALID_PRODUCER_EPOCH
            assert produce_v3(c, topic, 0, record_batch(pid2, 0, 0, [b"x"])) == (0, 4)
            # Ids keep coming from new blocks: never one issued before the restart.
            err, pid3, _ = init_producer_id_v0(c)
            assert err == 0 and pid3 not in (pid, pid2)

    with RawClient(b.host, b.port) as c:
        last = record_batch(pid, 1, 2, [b"g"])
        assert produce_v3(c, topic, 0, last) == (0, 7)
    got = read_partitions(b.bootstrap, topic, 1)[0]
    assert [v for _, _, v in got] == [b"a", b"b", b"c", b"d", b"x", b"e", b"f", b"g"]
