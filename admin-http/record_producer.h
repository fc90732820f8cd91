#pragma once
// Confluent v3 produce: one JSON record (ProduceRequest: partition_id, headers, key, value,
// timestamp) -> one record batch appended through server::ProduceService, the same path as the
// Kafka Produce handler -> a delivery report. Shared by the single, streaming and batch forms of
// POST .../records.
#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "admin-http/admin_context.h"

namespace samsa::admin_http {

// Kafka's default partitioner hash (murmur2 as in org.apache.kafka.common.utils.Utils), so a key
// produced over HTTP lands in the partition a Java/librdkafka producer (murmur2_random) picks.
int32_t kafka_murmur2(std::string_view data);

struct ProduceOutcome {
  int http_status = 200;  // what a single-record request answers with
  // The delivery report: error_code 200 and the record's coordinates, or error_code + message.
  nlohmann::json report;
  bool ok() const { return http_status == 200; }
};

class RecordProducer {
 public:
  RecordProducer(AdminContext& ctx, std::string topic) : ctx_(ctx), topic_(std::move(topic)) {}

  // The topic exists (else the 404 outcome to answer with before reading any record).
  std::optional<ProduceOutcome> check_topic() const;
  ProduceOutcome produce(const nlohmann::json& record);

 private:
  AdminContext& ctx_;
  std::string topic_;
};

// Error outcome with kafka-rest's body shape.
ProduceOutcome produce_error(int http_status, int error_code, const std::string& message);

}  // namespace samsa::admin_http
