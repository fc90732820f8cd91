#include "admin-http/record_producer.h"

#include <chrono>
#include <optional>

#include "admin-http/text_codecs.h"
#include "admin-http/v3_support.h"
#include "protocol/records/record_builder.h"
#include "server/produce_service.h"
#include "server/topic_service.h"

namespace samsa::admin_http {
namespace {

// The Produce version our appends validate as (any v3+ behaves the same for a v2 batch).
constexpr int16_t kProduceVersion = 9;

// Keyless records spread round-robin over the partitions, across all requests.
std::atomic<uint32_t> g_round_robin{0};

struct DataField {
  bool present = false;  // key/value given and not null
  std::optional<std::string> bytes;
  std::string type;
};

// Parses a ProduceRequestData ({type, data}) into the record's bytes. Returns an error message.
std::optional<std::string> parse_data(const nlohmann::json& record, const char* field,
                                      DataField& out) {
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) return std::string(field) + " must be an object {\"type\", \"data\"}";
  const auto& d = *it;
  std::string type = "JSON";  // no Schema Registry to infer from: untyped data is JSON
  if (auto t = d.find("type"); t != d.end() && !t->is_null()) {
    if (!t->is_string()) return std::string(field) + ".type must be a string";
    type = t->get<std::string>();
  }
  for (const char* schema_field : {"schema", "schema_id", "schema_version", "subject"}) {
    if (d.contains(schema_field) && !d[schema_field].is_null()) {
      return std::string(field) + "." + schema_field +
             " needs a Schema Registry, which this broker does not have";
    }
  }
  out.present = true;
  out.type = type;
  auto data = d.find("data");
  const bool null_data = data == d.end() || data->is_null();
  if (type == "BINARY") {
    if (null_data) return std::nullopt;
    if (!data->is_string()) return std::string(field) + ".data must be a base64 string for BINARY";
    auto bytes = base64_decode(data->get_ref<const std::string&>());
    if (!bytes) return std::string(field) + ".data is not valid base64";
    out.bytes = std::move(*bytes);
  } else if (type == "STRING") {
    if (null_data) return std::nullopt;
    if (!data->is_string()) return std::string(field) + ".data must be a string for STRING";
    out.bytes = data->get<std::string>();
  } else if (type == "JSON") {
    // JSON null is a null record value (a tombstone), as kafka-rest's JSON serializer writes it.
    if (!null_data) out.bytes = data->dump();
  } else if (type == "AVRO" || type == "PROTOBUF" || type == "JSONSCHEMA") {
    return std::string(field) + ".type " + type +
           " needs a Schema Registry, which this broker does not have; use BINARY, JSON or STRING";
  } else {
    return std::string(field) + ".type " + type + " is unknown; use BINARY, JSON or STRING";
  }
  return std::nullopt;
}

nlohmann::json data_report(const DataField& f) {
  if (!f.present) return nullptr;
  return nlohmann::json{{"type", f.type}, {"size", f.bytes ? f.bytes->size() : 0}};
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int32_t kafka_murmur2(std::string_view data) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const size_t length = data.size();
  uint32_t h = 0x9747b28c ^ static_cast<uint32_t>(length);
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[i])); };
  const size_t length4 = length / 4;
  for (size_t i = 0; i < length4; ++i) {
    const size_t i4 = i * 4;
    uint32_t k = byte(i4) | (byte(i4 + 1) << 8) | (byte(i4 + 2) << 16) | (byte(i4 + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = length & ~size_t{3};
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

ProduceOutcome produce_error(int http_status, int error_code, const std::string& message) {
  return ProduceOutcome{http_status, {{"error_code", error_code}, {"message", message}}};
}

std::optional<ProduceOutcome> RecordProducer::check_topic() const {
  if (ctx_.topics->image()->topic(topic_) == nullptr) {
    return produce_error(404, 40403, "This server does not host this topic-partition.");
  }
  return std::nullopt;
}

ProduceOutcome RecordProducer::produce(const nlohmann::json& record) {
  if (!record.is_object()) return produce_error(400, 400, "A record must be a JSON object.");
  if (record.empty()) {
    return produce_error(422, 422, "Payload error. Request body is empty. Data is required.");
  }
  DataField key, value;
  if (auto err = parse_data(record, "key", key)) return produce_error(422, 42206, *err);
  if (auto err = parse_data(record, "value", value)) return produce_error(422, 42206, *err);

  records::Record rec;
  rec.key = key.bytes;
  rec.value = value.bytes;
  if (auto h = record.find("headers"); h != record.end() && !h->is_null()) {
    if (!h->is_array()) return produce_error(400, 400, "headers must be an array");
    for (const auto& entry : *h) {
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
        return produce_error(400, 400, "each header needs a string \"name\"");
      }
      records::RecordHeader header;
      header.key = entry["name"].get<std::string>();
      if (auto v = entry.find("value"); v != entry.end() && !v->is_null()) {
        if (!v->is_string()) return produce_error(400, 400, "header values must be base64");
        auto bytes = base64_decode(v->get_ref<const std::string&>());
        if (!bytes) {
          return produce_error(400, 400, "header " + header.key + ": value is not valid base64");
        }
        header.value = std::move(*bytes);
      }
      rec.headers.push_back(std::move(header));
    }
  }
  int64_t timestamp = now_ms();
  if (auto t = record.find("timestamp"); t != record.end() && !t->is_null()) {
    std::optional<int64_t> parsed;
    if (t->is_string()) parsed = parse_rfc3339_ms(t->get_ref<const std::string&>());
    // Also epoch milliseconds, which is what Kafka clients put in a record.
    if (t->is_number_integer()) parsed = t->get<int64_t>();
    if (!parsed || *parsed < 0) {
      return produce_error(400, 400,
                           "timestamp must be an RFC 3339 date-time (2021-02-05T19:14:42Z) or "
                           "epoch milliseconds");
    }
    timestamp = *parsed;
  }

  auto image = ctx_.topics->image();
  const cluster::TopicState* topic = image->topic(topic_);
  if (topic == nullptr) {
    return produce_error(404, 40403, "This server does not host this topic-partition.");
  }
  const auto count = static_cast<int32_t>(topic->partitions.size());
  if (count <= 0) return produce_error(404, 40402, "Partition not found.");
  int32_t partition = 0;
  if (auto p = record.find("partition_id"); p != record.end() && !p->is_null()) {
    if (!p->is_number_integer()) return produce_error(400, 400, "partition_id must be an integer");
    const auto id = p->get<int64_t>();
    if (id < 0 || id >= count) return produce_error(404, 40402, "Partition not found.");
    partition = static_cast<int32_t>(id);
  } else if (rec.key) {
    partition = (kafka_murmur2(*rec.key) & 0x7fffffff) % count;
  } else {
    partition = static_cast<int32_t>(g_round_robin.fetch_add(1) % static_cast<uint32_t>(count));
  }

  auto batch = records::build_batch({rec}, timestamp);
  auto result = ctx_.produce->append(*image, topic_, partition, batch, kProduceVersion);
  if (result.appended)
    ctx_.partitions->notify_data_arrived(storage::TopicPartition{topic_, partition});
  if (result.error_code != 0) {
    std::string message = result.error_message.empty() ? "Produce failed with Kafka error " +
                                                             std::to_string(result.error_code)
                                                       : result.error_message;
    // A record the topic refuses (too large, bad timestamp, keyless in a compacted topic) is the
    // client's fault and permanent: 400/40002, not kafka-rest's generic 500.
    switch (result.error_code) {
      case records::kErrCorruptMessage:
      case records::kErrMessageTooLarge:
      case records::kErrInvalidTimestamp:
      case records::kErrInvalidRecord:
        return produce_error(400, 40002, message);
      default:
        break;
    }
    HttpResponse mapped = kafka_error_response(result.error_code, message);
    int error_code = 50002;
    try {
      error_code = nlohmann::json::parse(mapped.body).value("error_code", 50002);
    } catch (const nlohmann::json::exception&) {
      // kafka_error_response always writes JSON; keep the generic code if it ever does not.
    }
    return produce_error(mapped.status, error_code, message);
  }
  ProduceOutcome out;
  out.report = {
      {"error_code", 200},
      {"cluster_id", ctx_.cluster_id},
      {"topic_name", topic_},
      {"partition_id", partition},
      {"offset", result.base_offset},
      {"timestamp",
       format_rfc3339_ms(result.log_append_time_ms >= 0 ? result.log_append_time_ms : timestamp)},
      {"key", data_report(key)},
      {"value", data_report(value)}};
  return out;
}

}  // namespace samsa::admin_http
