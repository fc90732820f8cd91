// Records extensions under /v1: deleting records below an offset (the service Kafka's
// DeleteRecords uses) and browsing a partition's records as JSON (offset or timestamp start,
// limit, key filter), for operators and UIs that do not want to run a consumer.
#include "admin-http/number_params.h"
#include "admin-http/routes/routes.h"
#include "admin-http/text_codecs.h"
#include "admin-http/v3_support.h"
#include "protocol/error_codes.h"
#include "server/partition_admin.h"
#include "server/record_browser.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

using protocol::ErrorCode;

constexpr int32_t kDefaultLimit = 100;
constexpr int32_t kMaxLimit = 1000;
constexpr int64_t kDefaultMaxBytes = 1 << 20;
constexpr int64_t kMaxMaxBytes = 16 << 20;

// Text when it is text, base64 otherwise: {"encoding": "utf8"|"base64", "data": ...}; null stays
// null (a Kafka null key or value).
nlohmann::json data_json(const std::optional<std::string>& bytes) {
  if (!bytes) return nullptr;
  if (is_valid_utf8(*bytes)) return {{"encoding", "utf8"}, {"data", *bytes}};
  return {{"encoding", "base64"}, {"data", base64_encode(*bytes)}};
}

std::optional<int32_t> partition_param(const HttpRequest& req) {
  auto p = parse_number<int32_t>(req.param("partition"));
  if (!p || *p < 0) return std::nullopt;
  return p;
}

HttpResponse unknown_partition() {
  return HttpResponse::error(404, 40403, "This server does not host this topic-partition.");
}

HttpResponse delete_records(AdminContext& ctx, HttpRequest& req) {
  nlohmann::json body;
  if (auto bad = require_json(req, body)) return *bad;
  auto partition = partition_param(req);
  if (!partition) return unknown_partition();
  if (!body.is_object() || !body.contains("before_offset") ||
      !body["before_offset"].is_number_integer()) {
    return HttpResponse::error(
        400, 400, "\"before_offset\" (an integer; -1 for the high watermark) is required");
  }
  const auto before = body["before_offset"].get<int64_t>();
  const std::string& topic = req.param("topic");
  auto image = ctx.topics->image();
  auto outcome =
      server::delete_records(*ctx.topics, *ctx.partitions, *image, topic, *partition, before);
  switch (static_cast<ErrorCode>(outcome.error)) {
    case ErrorCode::kNone:
      return HttpResponse::json(
          200,
          {{"topic", topic}, {"partition", *partition}, {"low_watermark", outcome.low_watermark}});
    case ErrorCode::kUnknownTopicOrPartition:
      return unknown_partition();
    case ErrorCode::kOffsetOutOfRange:
      return HttpResponse::error(400, 40002,
                                 "before_offset " + std::to_string(before) +
                                     " is beyond the high watermark (or negative).");
    case ErrorCode::kPolicyViolation:
      return HttpResponse::error(400, 40002,
                                 "Records cannot be deleted from a topic without "
                                 "cleanup.policy=delete.");
    default:
      return kafka_error_response(outcome.error, "DeleteRecords failed (Kafka error " +
                                                     std::to_string(outcome.error) + ").");
  }
}

HttpResponse browse(AdminContext& ctx, HttpRequest& req) {
  auto partition = partition_param(req);
  if (!partition) return unknown_partition();
  server::BrowseQuery q;
  q.limit = kDefaultLimit;
  q.max_bytes = kDefaultMaxBytes;
  if (auto v = req.query_param("offset")) {
    auto n = parse_number<int64_t>(*v);
    if (!n || *n < 0) return HttpResponse::error(400, 400, "offset must be a non-negative integer");
    q.offset = n;
  }
  if (auto v = req.query_param("timestamp")) {
    auto n = parse_number<int64_t>(*v);
    if (!n) n = parse_rfc3339_ms(*v);
    if (!n || *n < 0) {
      return HttpResponse::error(400, 400,
                                 "timestamp must be epoch milliseconds or an RFC 3339 date-time");
    }
    q.timestamp = n;
  }
  if (auto v = req.query_param("limit")) {
    auto n = parse_number<int32_t>(*v);
    if (!n || *n < 1 || *n > kMaxLimit) {
      return HttpResponse::error(400, 400,
                                 "limit must be between 1 and " + std::to_string(kMaxLimit));
    }
    q.limit = *n;
  }
  if (auto v = req.query_param("max_bytes")) {
    auto n = parse_number<int64_t>(*v);
    if (!n || *n < 1 || *n > kMaxMaxBytes) {
      return HttpResponse::error(400, 400,
                                 "max_bytes must be between 1 and " + std::to_string(kMaxMaxBytes));
    }
    q.max_bytes = *n;
  }
  if (auto v = req.query_param("key")) {
    q.key = *v;
    // Binary keys travel as base64 with key_encoding=base64.
    if (req.query_param("key_encoding").value_or("utf8") == "base64") {
      q.key = base64_decode(*v);
      if (!q.key) return HttpResponse::error(400, 400, "key is not valid base64");
    }
  }
  const std::string& topic = req.param("topic");
  auto image = ctx.topics->image();
  auto result = server::browse_records(*ctx.partitions, *image, topic, *partition, q);
  switch (static_cast<ErrorCode>(result.error)) {
    case ErrorCode::kNone:
      break;
    case ErrorCode::kUnknownTopicOrPartition:
      return unknown_partition();
    case ErrorCode::kOffsetOutOfRange:
      return HttpResponse::error(416, 416, result.message);
    default:
      return HttpResponse::error(500, 50002, result.message);
  }
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : result.records) {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& h : r.headers)
      headers.push_back({{"name", h.name}, {"value", data_json(h.value)}});
    records.push_back({{"offset", r.offset},
                       {"timestamp", r.timestamp},
                       {"timestamp_type", r.log_append_time ? "LOG_APPEND_TIME" : "CREATE_TIME"},
                       {"key", data_json(r.key)},
                       {"value", data_json(r.value)},
                       {"headers", headers}});
  }
  return HttpResponse::json(200, {{"topic", topic},
                                  {"partition", *partition},
                                  {"log_start_offset", result.log_start_offset},
                                  {"high_watermark", result.high_watermark},
                                  {"next_offset", result.next_offset},
                                  {"records", records}});
}

}  // namespace

void register_v1_record_routes(Router& router, AdminContext& ctx) {
  router.add(
      "POST", "/v1/topics/{topic}/partitions/{partition}/records:delete",
      Access::topic(Op::kDelete, "topic"),
      [&ctx](HttpRequest& req) { return delete_records(ctx, req); }, "DELETE_RECORDS");
  router.add("GET", "/v1/topics/{topic}/partitions/{partition}/records",
             Access::topic(Op::kRead, "topic"),
             [&ctx](HttpRequest& req) { return browse(ctx, req); });
}

}  // namespace samsa::admin_http
