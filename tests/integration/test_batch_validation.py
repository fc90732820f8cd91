"""Batch validation as Kafka's LogValidator does it, against the real broker over raw sockets and a
real client: a lying header maxTimestamp is corrected (so retention still deletes the segment),
every record's timestamp is checked against message.timestamp.before/after.max.ms (compressed
batches too) with Kafka's INVALID_TIMESTAMP answer, transactional batches are refused while the
broker has no transactions, and a failed acks=0 produce closes the connection."""

import glob
import os
import struct
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c
from samsa_fixture import (RawClient, Reader, encode_string, frame, request_header_v1, wait_until,
                           wait_for_topic)

BROKER_OVERRIDES = {"log.retention.check.interval.ms": "500"}

INT64_MAX = (1 << 63) - 1
ERR_INVALID_TIMESTAMP = 32
ERR_INVALID_TXN_STATE = 48
ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
GZIP = 1


def now_ms():
    return int(time.time() * 1000)


def create_topic(b, name, config=None, partitions=1):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    futs = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                         config=config or {})], operation_timeout=15)
    for f in futs.values():
        f.result(timeout=20)
    wait_for_topic(b, name, partitions)


def build_batch(timestamps, compression=0, transactional=False, producer_id=-1):
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=compression, is_transactional=int(transactional),
        producer_id=producer_id, producer_epoch=0 if producer_id >= 0 else -1,
        base_sequence=0 if producer_id >= 0 else -1, batch_size=1 << 20)
    for i, ts in enumerate(timestamps):
        builder.append(i, timestamp=ts, key=f"k{i}".encode(), value=f"v{i}".encode(), headers=[])
    return bytearray(builder.build())


def set_header_max_timestamp(batch, max_ts):
    """Writes a (lying) maxTimestamp and a CRC that matches it, as a hostile client would."""
    batch[35:43] = struct.pack(">q", max_ts)
    batch[17:21] = struct.pack(">I", calc_crc32c(bytes(batch[21:])))
    return bytes(batch)


def produce_v8(c, topic, batch, partition=0, acks=-1, transactional_id=None):
    """Produce v8 (record errors and error message); returns the partition's answer as
    (error_code, base_offset, record_errors, error_message)."""
    body = (encode_string(transactional_id) + struct.pack(">hi", acks, 10000) +
            struct.pack(">i", 1) + encode_string(topic) + struct.pack(">i", 1) +
            struct.pack(">ii", partition, len(batch)) + bytes(batch))
    r = Reader(c.request(0, 8, body))

    def partition_answer(p):
        index, err = p.i32(), p.i16()
        base = struct.unpack(">q", p.take(8))[0]
        p.take(16)  # log append time, log start offset
        record_errors = p.array(lambda e: (e.i32(), e.string()))
        return index, err, base, record_errors, p.string()

    topics = r.array(lambda t: (t.string(), t.array(partition_answer)))
    (_, parts), = topics
    (_, err, base, record_errors, message), = parts
    return err, base, record_errors, message


def stored_batch_headers(b, topic, partition=0):
    """(baseOffset, maxTimestamp) of every batch in the partition's segment files."""
    out = []
    for path in sorted(glob.glob(os.path.join(b.data_dir, f"{topic}-{partition}", "*.log"))):
        with open(path, "rb") as f:
            data = f.read()
        pos = 0
        while pos + 61 <= len(data):
            base, length = struct.unpack(">qi", data[pos:pos + 12])
            (max_ts,) = struct.unpack(">q", data[pos + 35:pos + 43])
            out.append((base, max_ts))
            pos += 12 + length
    return out


def watermarks(b, topic, partition=0):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "it-batch-wm"})
    try:
        return c.get_watermark_offsets(ck.TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()



def test_lying_max_timestamp_is_corrected_and_retention_still_deletes(module_broker):
    b = module_broker
    topic = "bv-lying-max-ts"
    # compression.type=producer: the gzip batch is kept as sent, so only validation can fix it.
    create_topic(b, topic, {"retention.ms": "3000", "segment.ms": "1000", "segment.bytes": "2000",
                            "file.delete.delay.ms": "0", "compression.type": "producer"})
    ts = now_ms()
    plain = set_header_max_timestamp(build_batch([ts, ts + 1]), INT64_MAX)
    gzip = set_header_max_timestamp(build_batch([ts + 2, ts + 3], compression=GZIP), INT64_MAX)
    with RawClient(b.host, b.port) as c:
        assert produce_v8(c, topic, plain)[:2] == (0, 0)
        assert produce_v8(c, topic, gzip)[:2] == (0, 2)
    # Kafka's LogValidator stores the records' real maximum in the header (CRC recomputed).
    assert stored_batch_headers(b, topic)[:2] == [(0, ts + 1), (2, ts + 3)]
    # A client producing afterwards: its batches sit in later segments.
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 0})
    for i in range(20):
        p.produce(topic, value=f"after-{i}".ljust(200, "x").encode(), partition=0)
        p.poll(0)
    assert p.flush(30) == 0
    assert watermarks(b, topic) == (0, 24)
    # Every segment, the lying batches' included, ages out of retention.ms.
    wait_until(lambda: watermarks(b, topic)[0] == 24, "retention to delete every segment", 40)


def test_record_timestamps_are_checked_one_by_one(module_broker):
    b = module_broker
    topic = "bv-ts-bounds"
    hour = 3600 * 1000
    create_topic(b, topic, {"message.timestamp.before.max.ms": str(hour),
                            "message.timestamp.after.max.ms": str(hour)})
    ts = now_ms()
    with RawClient(b.host, b.port) as c:
        # Uncompressed: the second record is two hours old.
        err, base, record_errors, message = produce_v8(c, topic, build_batch([ts, ts - 2 * hour]))
        assert err == ERR_INVALID_TIMESTAMP and base == -1
        assert message == "One or more records have been rejected due to invalid timestamp"
        assert len(record_errors) == 1 and record_errors[0][0] == 1
        assert record_errors[0][1].startswith(
            f"Timestamp {ts - 2 * hour} of message with offset 1 is out of range. "
            "The timestamp should be within [")
        # Compressed, with a header that hides the record two hours in the future: Kafka
        # decompresses to validate, so the header alone does not get it in.
        hidden = set_header_max_timestamp(build_batch([ts, ts + 2 * hour], compression=GZIP), ts)
        err, _, record_errors, message = produce_v8(c, topic, hidden)
        assert err == ERR_INVALID_TIMESTAMP, err
        assert [i for i, _ in record_errors] == [1]
        # In range, both codecs: accepted.
        assert produce_v8(c, topic, build_batch([ts, ts + 5]))[0] == 0
        assert produce_v8(c, topic, build_batch([ts, ts + 5], compression=GZIP))[0] == 0

    # A real client sees the same error for a record outside the bounds.
    errors = []
    p = ck.Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 0,
                     "retries": 0})
    p.produce(topic, value=b"old", partition=0, timestamp=ts - 3 * hour,
              on_delivery=lambda err, msg: errors.append(err))
    p.flush(30)
    assert len(errors) == 1 and errors[0] is not None
    assert errors[0].code() == ck.KafkaError.INVALID_TIMESTAMP, errors[0]


def test_transactional_batches_are_refused(module_broker):
    b = module_broker
    topic = "bv-txn"
    create_topic(b, topic)
    batch = build_batch([now_ms()], transactional=True, producer_id=1000)
    with RawClient(b.host, b.port) as c:
        # No transactional id: Kafka refuses the whole request before looking at partitions.
        err, _, _, _ = produce_v8(c, topic, batch)
        assert err == ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, err
        # A transactional id, but no transaction can have added the partition.
        err, _, _, message = produce_v8(c, topic, batch, transactional_id="tx-1")
        assert err == ERR_INVALID_TXN_STATE, err
        assert message == "Record was not part of an ongoing transaction"
    assert watermarks(b, topic) == (0, 0)  # nothing was written


def acks0_produce_frame(c, topic, partition, batch):
    body = (encode_string(None) + struct.pack(">hi", 0, 10000) + struct.pack(">i", 1) +
            encode_string(topic) + struct.pack(">i", 1) +
            struct.pack(">ii", partition, len(batch)) + batch)
    corr = c.next_corr
    c.next_corr += 1
    return frame(request_header_v1(0, 3, corr) + body)


def test_failed_acks0_produce_closes_the_connection(module_broker):
    b = module_broker
    topic = "bv-acks0"
    create_topic(b, topic)
    ok = bytes(build_batch([now_ms()]))
    with RawClient(b.host, b.port) as c:
        # A good acks=0 produce gets no answer and the connection stays usable.
        c.send_raw(acks0_produce_frame(c, topic, 0, ok))
        err, apis = c.api_versions(0)
        assert err == 0 and 0 in apis
        # acks=0 to a partition that does not exist: Kafka closes the connection so the client
        # refreshes its metadata.
        c.send_raw(acks0_produce_frame(c, topic, 7, ok))
        assert c.is_closed_by_peer(timeout=5.0)
    assert watermarks(b, topic) == (0, 1)
    wait_until(lambda: "event=acks0_produce_failed" in b.log_text(), "the acks=0 log line", 10)
    b.assert_alive()
