"""__consumer_offsets is compacted by the same log cleaner as any compacted topic: thousands of
commits by a few groups shrink to the latest per group and partition, and after a clean restart
and a kill -9 OffsetFetch still answers the latest commit of each. The coordinator writes its
batches lz4-compressed (offsets.topic.compression.codec=3), which the cleaner and the replay on
startup have to read."""

import glob
import os
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
from samsa_fixture import read_partition, wait_for_topic

BROKER_OVERRIDES = {
    "offsets.topic.num.partitions": "1",
    "offsets.topic.segment.bytes": "16384",
    "offsets.topic.compression.codec": "3",
    "log.cleaner.backoff.ms": "200",
}
GROUPS = ["oc-group-a", "oc-group-b", "oc-group-c"]
TOPIC = "oc-topic"
PARTITIONS = 2
COMMITS_PER_GROUP = 1500


def offsets_log_bytes(b):
    files = glob.glob(os.path.join(b.data_dir, "__consumer_offsets-0", "*.log"))
    return sum(os.path.getsize(f) for f in files), len(files)


def committed(b, group):
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": group,
                     "enable.auto.commit": False})
    try:
        tps = c.committed([ck.TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=15)
    finally:
        c.close()
    return {tp.partition: tp.offset for tp in tps}


def offsets_topic_records(b):
    """How many records __consumer_offsets-0 holds, read by a plain consumer."""
    return len(read_partition(b, "__consumer_offsets", group="oc-reader"))


def test_offsets_topic_is_compacted_and_commits_survive_restarts(module_broker):
    b = module_broker
    a = AdminClient({"bootstrap.servers": b.bootstrap})
    fs = a.create_topics([NewTopic(TOPIC, PARTITIONS, 1)], operation_timeout=15)
    fs[TOPIC].result(timeout=20)
    wait_for_topic(b, TOPIC, PARTITIONS)

    # Commits with explicit offsets, one OffsetCommit each, without joining the group.
    latest = {}
    for group in GROUPS:
        c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": group,
                         "enable.auto.commit": False})
        try:
            for i in range(1, COMMITS_PER_GROUP + 1):
                c.commit(offsets=[ck.TopicPartition(TOPIC, i % PARTITIONS, i)],
                         asynchronous=False)
        finally:
            c.close()
        latest[group] = {p: max(i for i in range(1, COMMITS_PER_GROUP + 1)
                                if i % PARTITIONS == p) for p in range(PARTITIONS)}
    total_commits = len(GROUPS) * COMMITS_PER_GROUP

    # The cleaner compacts the sealed segments; only the active one (at most 16 KiB) keeps
    # superseded commits.
    # The cleaner may need more than one pass; poll until both the records a consumer reads and
    # the bytes on disk have shrunk.
    deadline = time.monotonic() + 120
    size, segments = offsets_log_bytes(b)
    records = None
    while time.monotonic() < deadline:
        b.assert_alive()
        if "event=log_cleaned log=__consumer_offsets-0" in b.log_text():
            records = offsets_topic_records(b)
            size, segments = offsets_log_bytes(b)
            if records < total_commits // 10 and size < 64 * 1024:
                break
        time.sleep(0.5)
    else:
        raise AssertionError(f"__consumer_offsets not compacted within 120 s: {records} records, "
                             f"{size} bytes in {segments} segments; log {b.log_path}")

    for group in GROUPS:
        assert committed(b, group) == latest[group], group

    # Replayed from the compacted log on startup, after a clean stop and after kill -9.
    for clean in (True, False):
        b.restart(clean=clean)
        for group in GROUPS:
            assert committed(b, group) == latest[group], (group, clean)
