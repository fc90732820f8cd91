"""What the dashboards Kafka users already run query about a broker: every panel of Strimzi's
Kafka, KRaft and Kafka-exporter dashboards except the JVM and Kubernetes (cAdvisor, kubelet) ones,
as facts (the metric, the range function the panel applies, the label matchers it adds besides the
Kubernetes target labels), with the dashboards' variables set to "all". Written from the research
note on metric names (notes/metrics.md, section 2); test_grafana_dashboards turns each into a
query with the target labels a Strimzi scrape config adds, and, where the dashboards themselves
are at hand, also runs their own queries and checks this table covers every metric they use."""

# (metric, range function or "", extra matchers)
KAFKA_DASHBOARD_METRICS = [
    # Kafka brokers
    ("kafka_server_replicamanager_leadercount", "", ""),
    ("kafka_controller_kafkacontroller_activecontrollercount", "", ""),
    ("kafka_controller_controllerstats_uncleanleaderelections_total", "irate", ""),
    ("kafka_server_replicamanager_partitioncount", "", ""),
    ("kafka_server_replicamanager_underreplicatedpartitions", "", ""),
    ("kafka_cluster_partition_atminisr", "", ""),
    ("kafka_cluster_partition_underminisr", "", ""),
    ("kafka_controller_kafkacontroller_offlinepartitionscount", "", ""),
    ("process_open_fds", "", ""),
    ("kafka_server_brokertopicmetrics_bytesin_total", "irate", 'topic!=""'),
    ("kafka_server_brokertopicmetrics_bytesout_total", "irate", 'topic!=""'),
    ("kafka_server_brokertopicmetrics_messagesin_total", "irate", 'topic!=""'),
    ("kafka_server_brokertopicmetrics_totalproducerequests_total", "irate", 'topic!=""'),
    ("kafka_server_brokertopicmetrics_failedproducerequests_total", "irate", 'topic!=""'),
    ("kafka_server_brokertopicmetrics_totalfetchrequests_total", "irate", 'topic!=""'),
    ("kafka_server_brokertopicmetrics_failedfetchrequests_total", "irate", 'topic!=""'),
    ("kafka_network_socketserver_networkprocessoravgidle_percent", "", ""),
    ("kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent", "", ""),
    ("kafka_server_kafkaserver_linux_disk_write_bytes", "irate", ""),
    ("kafka_server_kafkaserver_linux_disk_read_bytes", "irate", ""),
    ("kafka_server_socket_server_metrics_connection_count", "", ""),
    ("kafka_log_log_size", "", 'topic=~".*",partition=~".*"'),
    # KRaft (the metadata quorum)
    ("kafka_server_raftmetrics_append_records_rate", "", ""),
    ("kafka_server_raftmetrics_fetch_records_rate", "", ""),
    ("kafka_server_raftmetrics_commit_latency_avg", "", ""),
    ("kafka_server_raftmetrics_current_state", "", ""),
    ("kafka_server_raftmetrics_current_leader", "", ""),
    ("kafka_server_raftmetrics_current_vote", "", ""),
    ("kafka_server_raftmetrics_current_epoch", "", ""),
    ("kafka_server_raftchannelmetrics_incoming_byte_total", "irate", ""),
    ("kafka_server_raftchannelmetrics_outgoing_byte_total", "irate", ""),
    ("kafka_server_raftchannelmetrics_request_total", "irate", ""),
    ("kafka_server_raftchannelmetrics_response_total", "irate", ""),
    ("kafka_server_raftmetrics_high_watermark", "", ""),
    ("kafka_server_raftmetrics_log_end_offset", "", ""),
    # Kafka exporter (topics, partitions, consumer groups)
    ("kafka_topic_partitions", "", 'topic=~".*"'),
    ("kafka_topic_partition_replicas", "", 'topic=~".*"'),
    ("kafka_topic_partition_in_sync_replica", "", 'topic=~".*"'),
    ("kafka_topic_partition_under_replicated_partition", "", 'topic=~".*"'),
    ("kafka_topic_partition_leader_is_preferred", "", 'topic=~".*"'),
    ("kafka_topic_partition_current_offset", "rate", 'topic=~".*"'),
    ("kafka_topic_partition_current_offset", "", 'topic=~".*"'),
    ("kafka_topic_partition_oldest_offset", "", 'topic=~".*"'),
    ("kafka_consumergroup_current_offset", "delta", 'consumergroup=~".*",topic=~".*"'),
    ("kafka_consumergroup_current_offset", "", 'consumergroup=~".*",topic=~".*"'),
    ("kafka_consumergroup_lag", "", 'consumergroup=~".*",topic=~".*"'),
]

# The target labels a Strimzi scrape config (PodMonitor relabelling) puts on every series; the
# dashboards select on them.
STRIMZI_TARGET = 'namespace="kafka",strimzi_io_cluster="my-cluster"'


def table_queries():
    for metric, fn, extra in KAFKA_DASHBOARD_METRICS:
        selector = "{" + ",".join(x for x in (STRIMZI_TARGET, extra) if x) + "}"
        series = f"{fn}({metric}{selector}[5m])" if fn else f"{metric}{selector}"
        yield metric, f"sum({series})"
