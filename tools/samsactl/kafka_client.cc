#include "kafka_client.h"

#include <iostream>

namespace samsa::ctl {
namespace {

void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

void verbose_log(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  std::cerr << "librdkafka[" << level << "] " << fac << ": " << buf << '\n';
}

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};

}  // namespace

KeyValues kafka_properties(const Profile& p) {
  KeyValues props{{"bootstrap.servers", p.brokers}};
  const bool sasl = !p.user.empty();
  const bool tls = p.kafka_tls.enabled;
  props.emplace_back("security.protocol",
                     sasl ? (tls ? "sasl_ssl" : "sasl_plaintext") : (tls ? "ssl" : "plaintext"));
  if (sasl) {
    props.emplace_back("sasl.mechanisms", p.sasl_mechanism);
    props.emplace_back("sasl.username", p.user);
    props.emplace_back("sasl.password", p.password);
  }
  if (!p.kafka_tls.ca_file.empty()) props.emplace_back("ssl.ca.location", p.kafka_tls.ca_file);
  if (!p.kafka_tls.cert_file.empty()) {
    props.emplace_back("ssl.certificate.location", p.kafka_tls.cert_file);
  }
  if (!p.kafka_tls.key_file.empty()) props.emplace_back("ssl.key.location", p.kafka_tls.key_file);
  return props;
}

KafkaHandle make_kafka(const Profile& profile, rd_kafka_type_t type, const KeyValues& extra,
                       bool verbose, const std::function<void(rd_kafka_conf_t*)>& customize) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw CliError(ExitCode::kUsage, "Kafka client setting " + k + ": " + errstr);
    }
  };
  for (const auto& [k, v] : kafka_properties(profile)) set(k, v);
  set("client.id", "samsactl");
  for (const auto& [k, v] : extra) set(k, v);
  rd_kafka_conf_set_log_cb(conf, verbose ? verbose_log : quiet_log);
  if (customize) customize(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw CliError(ExitCode::kError, std::string("cannot create Kafka client: ") + errstr);
  }
  return KafkaHandle(rk);
}

ExitCode exit_code_for_kafka(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return ExitCode::kUnreachable;
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return ExitCode::kRefused;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
      return ExitCode::kNotFound;
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
      return ExitCode::kConflict;
    default:
      return ExitCode::kError;
  }
}

int check_brokers(rd_kafka_t* rk, const Profile& profile, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  // All topics: asking for one by name could make a broker with auto-create on create it.
  const rd_kafka_resp_err_t rc = rd_kafka_metadata(rk, 1, nullptr, &md, profile.timeout_ms);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const ExitCode code = exit_code_for_kafka(rc);
    throw CliError(
        code == ExitCode::kError ? ExitCode::kUnreachable : code,
        "cannot reach Kafka brokers at " + profile.brokers + ": " + rd_kafka_err2str(rc));
  }
  int partitions = 0;
  bool found = topic.empty();
  for (int t = 0; t < md->topic_cnt && !topic.empty(); ++t) {
    if (topic != md->topics[t].topic) continue;
    const auto err = md->topics[t].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      throw CliError(exit_code_for_kafka(err),
                     "topic " + topic + ": " + std::string(rd_kafka_err2str(err)));
    }
    found = true;
    partitions = md->topics[t].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  if (!found) throw CliError(ExitCode::kNotFound, "topic " + topic + " does not exist");
  return partitions;
}

std::vector<GroupDeleteResult> delete_groups(const Profile& profile,
                                             const std::vector<std::string>& groups, bool verbose) {
  auto rk = make_kafka(profile, RD_KAFKA_PRODUCER, {}, verbose);
  check_brokers(rk.get(), profile, "");
  std::vector<rd_kafka_DeleteGroup_t*> requests;
  for (const auto& g : groups) requests.push_back(rd_kafka_DeleteGroup_new(g.c_str()));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_DeleteGroups(rk.get(), requests.data(), requests.size(), nullptr, queue.get());
  rd_kafka_DeleteGroup_destroy_array(requests.data(), requests.size());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), profile.timeout_ms + 5000));
  if (!event) throw CliError(ExitCode::kUnreachable, "DeleteGroups timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const auto err = rd_kafka_event_error(event.get());
    throw CliError(exit_code_for_kafka(err),
                   std::string("DeleteGroups failed: ") + rd_kafka_event_error_string(event.get()));
  }
  const auto* result = rd_kafka_event_DeleteGroups_result(event.get());
  size_t count = 0;
  const rd_kafka_group_result_t** results = rd_kafka_DeleteGroups_result_groups(result, &count);
  std::vector<GroupDeleteResult> out;
  for (size_t i = 0; i < count; ++i) {
    GroupDeleteResult r;
    r.group = rd_kafka_group_result_name(results[i]);
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) {
      r.error = rd_kafka_error_code(e);
      r.message = rd_kafka_error_string(e);
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace samsa::ctl
