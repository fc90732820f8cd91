#!/usr/bin/env python3
"""Writes Samsa's Grafana dashboards (grafana/dashboards/*.json) from the definitions below.

The JSON files are what operators import and what the package ships; this script is their
source, so a panel is changed here and the files regenerated (`python3 generate.py`). The test
tests/integration/test_grafana_dashboards.py fails when the files and this script disagree, when
a dashboard does not validate against Grafana's dashboard JSON schema, and when a panel's query
returns nothing from a real Prometheus scraping a real broker.

Every query selects brokers by the variables job, cluster and instance. `job` is the scrape job
the operator gives the brokers (default "samsa", as in grafana/alerts); `cluster` is the label
set by metrics.constant.labels or the scrape config (all values match when it is absent).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job",cluster=~"$cluster",instance=~"$instance"'
RATE = "[$__rate_interval]"


def var_query(name, label, query, multi=True, include_all=True):
    v = {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DS,
        "query": query,
        "definition": query,
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": include_all,
        "current": {"text": "All", "value": "$__all"},
    }
    if include_all:
        v["allValue"] = ".*"
    return v


def common_vars():
    return [
        {"type": "datasource", "name": "datasource", "label": "Prometheus", "query": "prometheus",
         "current": {"text": "default", "value": "default"}},
        var_query("job", "Scrape job", "label_values(samsa_build_info, job)", multi=False,
                  include_all=False) | {"current": {"text": "samsa", "value": "samsa"}},
        var_query("cluster", "Cluster", 'label_values(samsa_build_info{job=~"$job"}, cluster)'),
        var_query("instance", "Broker",
                  'label_values(samsa_build_info{job=~"$job",cluster=~"$cluster"}, instance)'),
    ]


class Layout:
    """Places panels left to right in rows of 24 grid units, numbering them."""

    def __init__(self):
        self.x = self.y = 0
        self.row_h = 0
        self.next_id = 1
        self.panels = []

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def _id(self):
        self.next_id += 1
        return self.next_id - 1

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        self.panels.append({"type": "row", "title": title, "collapsed": False, "id": self._id(),
                            "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}})
        self.y += 1

    def panel(self, kind, title, targets, unit="short", w=8, h=8, description=None,
              options=None, thresholds=None):
        p = {
            "type": kind,
            "id": self._id(),
            "title": title,
            "datasource": DS,
            "gridPos": self._place(w, h),
            "targets": [
                {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr,
                 "legendFormat": legend, "range": True, "instant": False}
                for i, (expr, legend) in enumerate(targets)
            ],
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": options or {},
        }
        if thresholds:
            p["fieldConfig"]["defaults"]["thresholds"] = {
                "mode": "absolute",
                "steps": [{"color": "green", "value": None}] +
                         [{"color": c, "value": v} for v, c in thresholds],
            }
            p["fieldConfig"]["defaults"]["color"] = {"mode": "thresholds"}
        if description:
            p["description"] = description
        self.panels.append(p)

    def stat(self, title, expr, unit="short", thresholds=None, description=None, w=4):
        self.panel("stat", title, [(expr, "")], unit=unit, w=w, h=4, thresholds=thresholds,
                   description=description,
                   options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                              "values": False},
                            "colorMode": "value", "graphMode": "area"})

    def series(self, title, targets, unit="short", w=8, description=None):
        self.panel("timeseries", title, targets, unit=unit, w=w, description=description,
                   options={"legend": {"displayMode": "list", "placement": "bottom",
                                       "showLegend": True},
                            "tooltip": {"mode": "multi", "sort": "desc"}})


def dashboard(uid, title, description, layout, extra_vars=(), tags=()):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["samsa", "kafka", *tags],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": common_vars() + list(extra_vars)},
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [{"title": "Samsa", "type": "dashboards", "tags": ["samsa"], "asDropdown": True,
                   "includeVars": True, "keepTime": True, "icon": "external link",
                   "tooltip": "Other Samsa dashboards", "targetBlank": False, "url": ""}],
        "panels": layout.panels,
    }


def overview():
    L = Layout()
    L.row("Cluster health")
    L.stat("Brokers up", 'sum(up{job=~"$job"})', thresholds=[])
    L.stat("Active controllers",
           f"sum(kafka_controller_kafkacontroller_activecontrollercount{{{SEL}}})",
           thresholds=[(0, "red"), (1, "green"), (2, "red")])
    L.stat("Offline partitions",
           f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{SEL}}})",
           thresholds=[(1, "red")])
    L.stat("Under-replicated partitions",
           f"sum(kafka_server_replicamanager_underreplicatedpartitions{{{SEL}}})",
           thresholds=[(1, "orange")])
    L.stat("Under min ISR",
           f"sum(kafka_server_replicamanager_underminisrpartitioncount{{{SEL}}})",
           thresholds=[(1, "red")])
    L.stat("Offline log dirs", f"sum(kafka_log_logmanager_offlinelogdirectorycount{{{SEL}}})",
           thresholds=[(1, "red")])
    L.stat("Topics", f"sum(kafka_controller_kafkacontroller_globaltopiccount{{{SEL}}})")
    L.stat("Partitions", f"sum(kafka_controller_kafkacontroller_globalpartitioncount{{{SEL}}})")
    L.stat("Online replicas", f"sum(kafka_server_replicamanager_partitioncount{{{SEL}}})")
    L.stat("Connections", f"sum(kafka_server_socket_server_metrics_connection_count{{{SEL}}})")
    L.stat("Unclean leader elections (1h)",
           f"sum(increase(kafka_controller_controllerstats_uncleanleaderelections_total{{{SEL}}}[1h]))",
           thresholds=[(1, "red")])
    L.stat("Lowest free disk", f"min(samsa_storage_disk_free_bytes{{{SEL}}} / "
           f"samsa_storage_disk_total_bytes{{{SEL}}})", unit="percentunit",
           thresholds=[(0, "red"), (0.05, "orange"), (0.25, "green")])
    L.row("Throughput")
    L.series("Bytes in / out", [
        (f'sum(rate(kafka_server_brokertopicmetrics_bytesin_total{{{SEL},topic!=""}}{RATE}))', "in"),
        (f'sum(rate(kafka_server_brokertopicmetrics_bytesout_total{{{SEL},topic!=""}}{RATE}))', "out"),
    ], unit="Bps")
    L.series("Messages in", [
        (f'sum(rate(kafka_server_brokertopicmetrics_messagesin_total{{{SEL},topic!=""}}{RATE}))',
         "records/s")], unit="short")
    L.series("Requests by API", [
        (f"sum by (request) (rate(kafka_network_requestmetrics_requests_total{{{SEL}}}{RATE}))",
         "{{request}}")], unit="reqps")
    L.row("Consumers")
    L.series("Consumer lag by group (records)", [
        (f"sum by (consumergroup) (kafka_consumergroup_lag{{{SEL}}})", "{{consumergroup}}")])
    L.series("Consumer lag by group (seconds)", [
        (f"max by (consumergroup) (samsa_consumergroup_lag_seconds{{{SEL}}})",
         "{{consumergroup}}")], unit="s")
    L.series("Metadata quorum epoch and leader", [
        (f"max(kafka_server_raftmetrics_current_epoch{{{SEL}}})", "epoch"),
        (f"max(kafka_server_raftmetrics_current_leader{{{SEL}}})", "leader id"),
    ])
    return dashboard("samsa-overview", "Samsa / Cluster overview",
                     "Health, throughput and consumer lag of a Samsa cluster at a glance.", L)


def broker():
    L = Layout()
    L.row("Requests")
    L.series("Request rate by API", [
        (f"sum by (request) (rate(kafka_network_requestmetrics_requests_total{{{SEL}}}{RATE}))",
         "{{request}}")], unit="reqps")
    L.series("Errors by API and code", [
        (f"sum by (request, error) (rate(kafka_network_requestmetrics_errors_total{{{SEL},error!=\"NONE\"}}{RATE}))",
         "{{request}} {{error}}")], unit="reqps",
        description="Responses carrying an error code other than NONE.")
    L.series("Malformed requests", [
        (f"sum by (instance) (rate(samsa_kafka_malformed_requests_total{{{SEL}}}{RATE}))",
         "{{instance}}")], unit="reqps")
    for q in ("0.5", "0.99"):
        L.series(f"Produce / Fetch total time p{int(float(q) * 100)}", [
            (f'max by (request) (kafka_network_requestmetrics_totaltimems{{{SEL},request=~"Produce|Fetch",quantile="{q}"}})',
             "{{request}}")], unit="ms", w=12)
    L.series("Request latency p99 by API (histogram)", [
        (f"histogram_quantile(0.99, sum by (le, request) (rate(samsa_kafka_request_duration_seconds_bucket{{{SEL}}}{RATE})))",
         "{{request}}")], unit="s", w=12)
    L.series("Request queue", [
        (f"sum by (instance) (kafka_network_requestchannel_requestqueuesize{{{SEL}}})",
         "{{instance}}")], w=12)
    L.row("Threads and network")
    L.series("Network processor idle", [
        (f"avg by (instance) (kafka_network_socketserver_networkprocessoravgidle_percent{{{SEL}}})",
         "{{instance}}")], unit="percentunit")
    L.series("Request handler idle", [
        (f"avg by (instance) (kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent{{{SEL}}})",
         "{{instance}}")], unit="percentunit")
    L.series("Connections by listener", [
        (f"sum by (instance, listener) (kafka_server_socket_server_metrics_connection_count{{{SEL}}})",
         "{{instance}} {{listener}}")])
    L.series("Connection creation / close", [
        (f"sum by (instance) (rate(kafka_server_socket_server_metrics_connection_creation_total{{{SEL}}}{RATE}))",
         "created {{instance}}"),
        (f"sum by (instance) (rate(kafka_server_socket_server_metrics_connection_close_total{{{SEL}}}{RATE}))",
         "closed {{instance}}")], unit="cps")
    L.series("Connections rejected and expired", [
        (f"sum by (instance) (rate(samsa_network_connections_rejected_total{{{SEL}}}{RATE}))",
         "rejected {{instance}}"),
        (f"sum by (instance) (rate(samsa_network_connections_expired_total{{{SEL}}}{RATE}))",
         "expired {{instance}}")], unit="cps")
    L.series("Request memory pool used", [
        (f"sum by (instance) (kafka_network_socketserver_memorypoolused{{{SEL}}})",
         "{{instance}}")], unit="bytes")
    L.row("Security")
    L.series("Authentications", [
        (f"sum by (instance, listener) (rate(kafka_server_socket_server_metrics_successful_authentication_total{{{SEL}}}{RATE}))",
         "ok {{instance}} {{listener}}"),
        (f"sum by (instance, listener) (rate(kafka_server_socket_server_metrics_failed_authentication_total{{{SEL}}}{RATE}))",
         "failed {{instance}} {{listener}}")], unit="ops", w=12)
    L.series("Days until certificate expiry", [
        (f"min by (instance, listener) (samsa_tls_certificate_expiry_timestamp_seconds{{{SEL}}} - time()) / 86400",
         "{{instance}} {{listener}}")], unit="d", w=12)
    L.row("Disk and logs")
    L.series("Free disk", [
        (f"samsa_storage_disk_free_bytes{{{SEL}}} / samsa_storage_disk_total_bytes{{{SEL}}}",
         "{{instance}} {{dir}}")], unit="percentunit")
    L.series("Disk reads / writes", [
        (f"sum by (instance) (rate(kafka_server_kafkaserver_linux_disk_write_bytes{{{SEL}}}{RATE}))",
         "write {{instance}}"),
        (f"sum by (instance) (rate(kafka_server_kafkaserver_linux_disk_read_bytes{{{SEL}}}{RATE}))",
         "read {{instance}}")], unit="Bps")
    L.series("Fetch bytes by path", [
        (f"sum by (path) (rate(samsa_kafka_fetch_record_bytes_total{{{SEL}}}{RATE}))", "{{path}}")],
        unit="Bps", description="sendfile: zero-copy from the segment file; copy: through memory.")
    L.series("Log dirs offline", [
        (f"max by (instance) (kafka_log_logmanager_offlinelogdirectorycount{{{SEL}}})",
         "{{instance}}")])
    L.series("Log size per broker", [
        (f"sum by (instance) (kafka_log_log_size{{{SEL}}})", "{{instance}}")], unit="bytes")
    L.series("Log segments per broker", [
        (f"sum by (instance) (kafka_log_log_numlogsegments{{{SEL}}})", "{{instance}}")])
    L.row("Log cleaner (compaction) and retention")
    L.series("Cleaner bytes read / written", [
        (f"sum by (instance) (rate(samsa_log_cleaner_read_bytes_total{{{SEL}}}{RATE}))",
         "read {{instance}}"),
        (f"sum by (instance) (rate(samsa_log_cleaner_written_bytes_total{{{SEL}}}{RATE}))",
         "written {{instance}}")], unit="Bps")
    L.series("Cleaner last pass", [
        (f"max by (instance) (kafka_log_logcleaner_max_clean_time_secs{{{SEL}}})",
         "seconds {{instance}}"),
        (f"max by (instance) (kafka_log_logcleaner_cleaner_recopy_percent{{{SEL}}}) / 100",
         "recopy {{instance}}")])
    L.series("Since last cleaner run", [
        (f"max by (instance) (samsa_log_cleaner_since_last_run_seconds{{{SEL}}})",
         "{{instance}}")], unit="s")
    L.series("Records removed by the cleaner", [
        (f"sum by (instance) (rate(samsa_log_cleaner_removed_records_total{{{SEL}}}{RATE}))",
         "{{instance}}")], unit="short")
    L.series("Retention deletions", [
        (f"sum by (instance) (rate(samsa_log_retention_deleted_bytes_total{{{SEL}}}{RATE}))",
         "{{instance}}")], unit="Bps")
    L.series("Retention segments deleted (1h)", [
        (f"sum by (instance) (increase(samsa_log_retention_deleted_segments_total{{{SEL}}}[1h]))",
         "{{instance}}")])
    L.row("Metadata quorum")
    L.series("Quorum state", [
        (f"max by (instance, current_state) (kafka_server_raftmetrics_current_state{{{SEL}}})",
         "{{instance}} {{current_state}}")])
    L.series("Metadata log offsets", [
        (f"max by (instance) (kafka_server_raftmetrics_high_watermark{{{SEL}}})",
         "committed {{instance}}"),
        (f"max by (instance) (kafka_server_raftmetrics_log_end_offset{{{SEL}}})",
         "end {{instance}}")])
    L.series("Metadata commit latency", [
        (f"max by (instance) (kafka_server_raftmetrics_commit_latency_avg{{{SEL}}})",
         "avg {{instance}}"),
        (f"max by (instance) (kafka_server_raftmetrics_commit_latency_max{{{SEL}}})",
         "max {{instance}}")], unit="ms")
    L.row("Process")
    L.series("CPU", [
        (f"rate(process_cpu_seconds_total{{{SEL}}}{RATE})", "{{instance}}")], unit="percentunit")
    L.series("Resident memory", [
        (f"process_resident_memory_bytes{{{SEL}}}", "{{instance}}")], unit="bytes")
    L.series("Open file descriptors", [
        (f"process_open_fds{{{SEL}}}", "open {{instance}}"),
        (f"process_max_fds{{{SEL}}}", "max {{instance}}")])
    return dashboard("samsa-broker", "Samsa / Broker",
                     "Requests, latency, threads, connections, security, disks, log cleaner, "
                     "retention, metadata quorum and process of each broker.", L)


TOPIC = 'topic=~"$topic"'


def topics():
    L = Layout()
    extra = [var_query("topic", "Topic",
                       'label_values(kafka_log_log_size{job=~"$job",cluster=~"$cluster"}, topic)')]
    L.row("Throughput")
    L.series("Bytes in by topic", [
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_bytesin_total{{{SEL},{TOPIC}}}{RATE}))",
         "{{topic}}")], unit="Bps")
    L.series("Bytes out by topic", [
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_bytesout_total{{{SEL},{TOPIC}}}{RATE}))",
         "{{topic}}")], unit="Bps")
    L.series("Messages in by topic", [
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{{{SEL},{TOPIC}}}{RATE}))",
         "{{topic}}")])
    L.series("Produce requests (total / failed)", [
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_totalproducerequests_total{{{SEL},{TOPIC}}}{RATE}))",
         "{{topic}}"),
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_failedproducerequests_total{{{SEL},{TOPIC}}}{RATE}))",
         "failed {{topic}}")], unit="reqps", w=12)
    L.series("Fetch requests (total / failed)", [
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_totalfetchrequests_total{{{SEL},{TOPIC}}}{RATE}))",
         "{{topic}}"),
        (f"sum by (topic) (rate(kafka_server_brokertopicmetrics_failedfetchrequests_total{{{SEL},{TOPIC}}}{RATE}))",
         "failed {{topic}}")], unit="reqps", w=12)
    L.row("Sizes and offsets")
    L.series("Log size by topic", [
        (f"sum by (topic) (kafka_log_log_size{{{SEL},{TOPIC}}})", "{{topic}}")], unit="bytes")
    L.series("Segments by topic", [
        (f"sum by (topic) (kafka_log_log_numlogsegments{{{SEL},{TOPIC}}})", "{{topic}}")])
    L.series("Partitions by topic", [
        (f"max by (topic) (kafka_topic_partitions{{{SEL},{TOPIC}}})", "{{topic}}")])
    L.series("End offset by partition", [
        (f"max by (topic, partition) (kafka_topic_partition_current_offset{{{SEL},{TOPIC}}})",
         "{{topic}}-{{partition}}")], w=12)
    L.series("Start offset by partition", [
        (f"max by (topic, partition) (kafka_topic_partition_oldest_offset{{{SEL},{TOPIC}}})",
         "{{topic}}-{{partition}}")], w=12)
    L.row("Replication")
    L.series("Replicas / in-sync replicas", [
        (f"sum by (topic) (kafka_topic_partition_replicas{{{SEL},{TOPIC}}})", "replicas {{topic}}"),
        (f"sum by (topic) (kafka_topic_partition_in_sync_replica{{{SEL},{TOPIC}}})",
         "in sync {{topic}}")])
    L.series("Under-replicated / under min ISR", [
        (f"sum by (topic) (kafka_cluster_partition_underreplicated{{{SEL},{TOPIC}}})",
         "under-replicated {{topic}}"),
        (f"sum by (topic) (kafka_cluster_partition_underminisr{{{SEL},{TOPIC}}})",
         "under min ISR {{topic}}")])
    L.series("Partitions not on their preferred leader", [
        (f"sum by (topic) (kafka_topic_partition_leader_is_preferred{{{SEL},{TOPIC}}} < bool 1)",
         "{{topic}}")])
    return dashboard("samsa-topics", "Samsa / Topics",
                     "Per-topic rates, sizes, offsets and replication.", L, extra, ["topics"])


def groups():
    L = Layout()
    extra = [
        var_query("group", "Consumer group",
                  'label_values(kafka_consumergroup_members{job=~"$job",cluster=~"$cluster"}, consumergroup)'),
        var_query("topic", "Topic",
                  'label_values(kafka_consumergroup_lag{job=~"$job",cluster=~"$cluster",consumergroup=~"$group"}, topic)'),
    ]
    G = f'{SEL},consumergroup=~"$group"'
    L.row("Lag")
    L.series("Lag in records by group and topic", [
        (f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{G},{TOPIC}}})",
         "{{consumergroup}} {{topic}}")], w=12)
    L.series("Lag in seconds by group and topic", [
        (f"max by (consumergroup, topic) (samsa_consumergroup_lag_seconds{{{G},{TOPIC}}})",
         "{{consumergroup}} {{topic}}")], unit="s", w=12,
        description="Age of the oldest record not yet consumed: how far behind in time.")
    L.series("Lag by partition", [
        (f"max by (consumergroup, topic, partition) (kafka_consumergroup_lag{{{G},{TOPIC}}})",
         "{{consumergroup}} {{topic}}-{{partition}}")], w=12)
    L.series("Total lag by group", [
        (f"sum by (consumergroup) (kafka_consumergroup_lag_sum{{{G}}})", "{{consumergroup}}")],
        w=12)
    L.row("Progress and members")
    L.series("Committed records per second", [
        (f"sum by (consumergroup, topic) (rate(kafka_consumergroup_current_offset{{{G},{TOPIC}}}{RATE}))",
         "{{consumergroup}} {{topic}}")])
    L.series("Committed offset by partition", [
        (f"max by (consumergroup, topic, partition) (kafka_consumergroup_current_offset{{{G},{TOPIC}}})",
         "{{consumergroup}} {{topic}}-{{partition}}")])
    L.series("Members", [
        (f"max by (consumergroup) (kafka_consumergroup_members{{{G}}})", "{{consumergroup}}")])
    return dashboard("samsa-consumer-groups", "Samsa / Consumer groups",
                     "Lag in records and in seconds, committed offsets and members per group.",
                     L, extra, ["consumer-groups"])


DASHBOARDS = {
    "samsa-overview.json": overview,
    "samsa-broker.json": broker,
    "samsa-topics.json": topics,
    "samsa-consumer-groups.json": groups,
}


def render(build):
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main():
    check = "--check" in sys.argv
    stale = []
    for name, build in DASHBOARDS.items():
        path = os.path.join(HERE, name)
        text = render(build)
        if check:
            with open(path) as f:
                if f.read() != text:
                    stale.append(name)
        else:
            with open(path, "w") as f:
                f.write(text)
    if stale:
        print("out of date (run grafana/dashboards/generate.py):", " ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
