// The Kafka-protocol side of samsactl, on librdkafka: used only where the REST API has no
// equivalent (console producer and consumer, group deletion). Connection settings come from the
// profile, so SASL and TLS work as they do for the admin API.
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli_error.h"
#include "profile.h"
#include "request_builders.h"

namespace samsa::ctl {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

// librdkafka properties for the profile: bootstrap.servers, security.protocol, SASL, TLS
// (pure: unit-tested).
KeyValues kafka_properties(const Profile& profile);

// A producer or consumer with the profile's settings plus `extra`. librdkafka's own log lines
// (connection retries) are shown only with `verbose`.
// `customize` may install callbacks (delivery reports) before the handle is created.
KafkaHandle make_kafka(const Profile& profile, rd_kafka_type_t type, const KeyValues& extra,
                       bool verbose,
                       const std::function<void(rd_kafka_conf_t*)>& customize = nullptr);

// A metadata round trip; throws CliError(kUnreachable / kRefused) naming the brokers when no
// broker answers, so a dead address fails fast and clearly instead of at the first produce.
// Returns the partition count of `topic` when it is non-empty (CliError(kNotFound) if absent).
int check_brokers(rd_kafka_t* rk, const Profile& profile, const std::string& topic);

ExitCode exit_code_for_kafka(rd_kafka_resp_err_t err);

struct GroupDeleteResult {
  std::string group;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
};
std::vector<GroupDeleteResult> delete_groups(const Profile& profile,
                                             const std::vector<std::string>& groups, bool verbose);

}  // namespace samsa::ctl
