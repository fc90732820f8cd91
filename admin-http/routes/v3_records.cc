// Confluent v3 produce: POST .../topics/{t}/records (one record, or a stream of concatenated
// records answered with one delivery report each) and .../records:batch (207 with successes and
// failures). The record handling itself is admin-http/record_producer.cc.
#include <set>

#include "admin-http/json_stream.h"
#include "admin-http/record_producer.h"
#include "admin-http/routes/routes.h"
#include "admin-http/v3_support.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

// kafka-rest limits records:batch too; a batch is one HTTP body, bounded as well by
// admin.http.max.body.bytes.
constexpr size_t kMaxBatchEntries = 1000;

size_t max_record_bytes(const AdminContext& ctx) {
  return static_cast<size_t>(ctx.config.get_int("admin.http.max.body.bytes"));
}

bool is_chunked(const HttpRequest& req) {
  auto te = req.header("transfer-encoding");
  return te && te->find("chunked") != std::string::npos;
}

std::string stream_error(JsonStreamReader::Status status, size_t limit) {
  switch (status) {
    case JsonStreamReader::Status::kTooLarge:
      return nlohmann::json{{"error_code", 413},
                            {"message", "A record exceeds admin.http.max.body.bytes (" +
                                            std::to_string(limit) + " bytes)"}}
          .dump();
    case JsonStreamReader::Status::kMalformed:
      return nlohmann::json{{"error_code", 400},
                            {"message", "Malformed JSON: expected concatenated JSON objects"}}
          .dump();
    default:
      return nlohmann::json{{"error_code", 400}, {"message", "The request body ended badly"}}
          .dump();
  }
}

// Streams one delivery report per record, in order, until the request body ends: first the
// records already read (`pending`), then the rest of the body. The HTTP status is 200 once the
// stream starts; each report carries its own error_code.
HttpResponse stream_records(HttpRequest& req, RecordProducer& producer, JsonStreamReader& reader,
                            std::vector<std::string> pending, size_t limit) {
  req.exchange->start_chunked(200, "application/json");
  HttpResponse response;
  response.status = 200;
  response.streamed = true;
  size_t next_pending = 0;
  std::string text;
  for (;;) {
    if (next_pending < pending.size()) {
      text = std::move(pending[next_pending++]);
    } else {
      auto status = reader.next(text);
      if (status == JsonStreamReader::Status::kEnd) return response;
      if (status != JsonStreamReader::Status::kValue) {
        req.exchange->send_chunk(stream_error(status, limit) + "\n");
        return response;
      }
    }
    std::string report;
    try {
      report = producer.produce(nlohmann::json::parse(text)).report.dump();
    } catch (const nlohmann::json::parse_error& e) {
      report = nlohmann::json{{"error_code", 400},
                              {"message", std::string("Malformed JSON: ") + e.what()}}
                   .dump();
    }
    // Newline-separated: still concatenated JSON, and line-oriented clients can split it.
    if (!req.exchange->send_chunk(report + "\n")) return response;  // the client went away
  }
}

HttpResponse produce_records(AdminContext& ctx, HttpRequest& req) {
  if (auto bad = check_cluster(ctx, req)) return *bad;
  auto content_type = req.header("content-type");
  if (content_type && content_type->find("json") == std::string::npos) {
    return HttpResponse::error(415, 415,
                               "HTTP 415 Unsupported Media Type: expected application/json");
  }
  RecordProducer producer(ctx, req.param("topic_name"));
  if (auto missing = producer.check_topic()) {
    return HttpResponse::json(missing->http_status, missing->report);
  }
  const size_t limit = max_record_bytes(ctx);
  JsonStreamReader reader(req.exchange->read, limit);
  std::string first;
  auto status = reader.next(first);
  if (status == JsonStreamReader::Status::kEnd) {
    return HttpResponse::error(422, 422, "Payload error. Request body is empty. Data is required.");
  }
  if (status == JsonStreamReader::Status::kTooLarge) {
    auto r = HttpResponse::error(
        413, 413, "Record exceeds admin.http.max.body.bytes (" + std::to_string(limit) + " bytes)");
    r.headers["Connection"] = "close";  // the rest of the body is unread
    return r;
  }
  if (status != JsonStreamReader::Status::kValue) {
    auto r = HttpResponse::error(400, 400, "Malformed JSON: expected a JSON object");
    r.headers["Connection"] = "close";  // the rest of the body is unread
    return r;
  }
  // A chunked body is the streaming mode. A fixed-length body with one record gets a plain answer
  // (and a real HTTP status); with several records it is answered as a stream too.
  if (!is_chunked(req)) {
    std::string second;
    auto more = reader.next(second);
    if (more == JsonStreamReader::Status::kEnd) {
      nlohmann::json record;
      try {
        record = nlohmann::json::parse(first);
      } catch (const nlohmann::json::parse_error& e) {
        return HttpResponse::error(400, 400, std::string("Malformed JSON: ") + e.what());
      }
      auto outcome = producer.produce(record);
      return HttpResponse::json(outcome.http_status, outcome.report);
    }
    if (more != JsonStreamReader::Status::kValue) {
      return HttpResponse::error(400, 400, "Malformed JSON after the first record");
    }
    return stream_records(req, producer, reader, {std::move(first), std::move(second)}, limit);
  }
  return stream_records(req, producer, reader, {std::move(first)}, limit);
}

HttpResponse produce_batch(AdminContext& ctx, HttpRequest& req) {
  if (auto bad = check_cluster(ctx, req)) return *bad;
  nlohmann::json body;
  if (auto bad = require_json(req, body)) return *bad;
  RecordProducer producer(ctx, req.param("topic_name"));
  if (auto missing = producer.check_topic()) {
    return HttpResponse::json(missing->http_status, missing->report);
  }
  if (!body.is_object() || !body.contains("entries") || !body["entries"].is_array()) {
    return HttpResponse::error(400, 400, "The body must be {\"entries\": [...]}");
  }
  const auto& entries = body["entries"];
  if (entries.empty()) return HttpResponse::error(400, 400, "entries is empty");
  if (entries.size() > kMaxBatchEntries) {
    return HttpResponse::error(
        400, 400, "At most " + std::to_string(kMaxBatchEntries) + " entries per batch");
  }
  std::set<std::string> ids;
  for (const auto& e : entries) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) {
      return HttpResponse::error(400, 400, "Every entry needs a string id");
    }
    const auto& id = e["id"].get_ref<const std::string&>();
    if (id.empty() || id.size() > 80) {
      return HttpResponse::error(400, 400, "Entry ids are 1 to 80 characters");
    }
    if (!ids.insert(id).second) {
      return HttpResponse::error(400, 400, "Entry ids must be distinct; " + id + " repeats");
    }
  }
  nlohmann::json successes = nlohmann::json::array();
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json record = e;
    record.erase("id");
    auto outcome = producer.produce(record);
    nlohmann::json entry = outcome.report;
    entry["id"] = e["id"];
    if (outcome.ok()) {
      entry.erase("error_code");
      successes.push_back(std::move(entry));
    } else {
      failures.push_back(std::move(entry));
    }
  }
  return HttpResponse::json(207, {{"successes", successes}, {"failures", failures}});
}

}  // namespace

void register_v3_record_routes(Router& router, AdminContext& ctx) {
  router.add_v3(
      "POST", "/clusters/{cluster_id}/topics/{topic_name}/records",
      [&ctx](HttpRequest& req) { return produce_records(ctx, req); },
      RouteOptions{.streaming = true, .access = Access::topic(Op::kWrite), .change = {}});
  router.add_v3("POST", "/clusters/{cluster_id}/topics/{topic_name}/records:batch",
                Access::topic(Op::kWrite),
                [&ctx](HttpRequest& req) { return produce_batch(ctx, req); });
}

}  // namespace samsa::admin_http
