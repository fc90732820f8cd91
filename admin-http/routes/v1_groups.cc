// POST /v1/consumer-groups/{group}/offsets:reset: what `kafka-consumer-groups --reset-offsets`
// does (KIP-122), over HTTP. Targets: earliest, latest, an offset, a timestamp or a shift of the
// committed offset; for every partition the group has committed, or for the topics/partitions
// given. dry_run returns the plan without committing. Refused with 409 while the group has
// members (their commits would overwrite ours); commits through the group coordinator's commit
// path, like an AdminClient's alterConsumerGroupOffsets.
#include <algorithm>
#include <map>

#include "admin-http/group_view.h"
#include "admin-http/routes/routes.h"
#include "admin-http/service_call.h"
#include "admin-http/text_codecs.h"
#include "admin-http/v3_support.h"
#include "protocol/error_codes.h"
#include "server/partition_admin.h"
#include "server/topic_service.h"

namespace samsa::admin_http {

using Op = security::AclOperation;
namespace {

using protocol::ErrorCode;

struct ResetSpec {
  std::string to;
  int64_t offset = 0;
  int64_t timestamp = 0;
  int64_t shift_by = 0;
  bool dry_run = false;
  // nullopt: every partition with a committed offset. A topic mapped to an empty list means all
  // of its partitions.
  std::optional<std::map<std::string, std::vector<int32_t>>> topics;
};

std::optional<int64_t> json_int64(const nlohmann::json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  return v.get<int64_t>();
}

// Parses and validates the body; the error text otherwise.
std::optional<std::string> parse_spec(const nlohmann::json& body, ResetSpec& spec) {
  if (!body.is_object()) return "The body must be a JSON object";
  if (!body.contains("to") || !body["to"].is_string()) {
    return "\"to\" is required: earliest, latest, offset, timestamp or shift_by";
  }
  spec.to = body["to"].get<std::string>();
  auto need_int = [&](const char* field, int64_t& out) -> std::optional<std::string> {
    auto v = body.contains(field) ? json_int64(body[field]) : std::nullopt;
    if (!v) return std::string("\"") + field + "\" (an integer) is required with to=" + spec.to;
    out = *v;
    return std::nullopt;
  };
  if (spec.to == "offset") {
    if (auto e = need_int("offset", spec.offset)) return e;
  } else if (spec.to == "shift_by") {
    if (auto e = need_int("shift_by", spec.shift_by)) return e;
  } else if (spec.to == "timestamp") {
    const auto& t = body.value("timestamp", nlohmann::json());
    std::optional<int64_t> ms = json_int64(t);
    if (t.is_string()) ms = parse_rfc3339_ms(t.get_ref<const std::string&>());
    if (!ms || *ms < 0) {
      return "\"timestamp\" (epoch milliseconds or an RFC 3339 date-time) is required with "
             "to=timestamp";
    }
    spec.timestamp = *ms;
  } else if (spec.to != "earliest" && spec.to != "latest") {
    return "\"to\" must be earliest, latest, offset, timestamp or shift_by";
  }
  if (body.contains("dry_run")) {
    if (!body["dry_run"].is_boolean()) return "\"dry_run\" must be a boolean";
    spec.dry_run = body["dry_run"].get<bool>();
  }
  if (body.contains("topics") && !body["topics"].is_null()) {
    if (!body["topics"].is_array()) return "\"topics\" must be an array";
    spec.topics.emplace();
    for (const auto& t : body["topics"]) {
      if (!t.is_object() || !t.contains("topic") || !t["topic"].is_string()) {
        return "each entry of \"topics\" needs a string \"topic\"";
      }
      auto& parts = (*spec.topics)[t["topic"].get<std::string>()];
      if (t.contains("partitions") && !t["partitions"].is_null()) {
        if (!t["partitions"].is_array()) return "\"partitions\" must be an array of integers";
        for (const auto& p : t["partitions"]) {
          auto id = json_int64(p);
          if (!id || *id < 0 || *id > INT32_MAX) return "partition ids are non-negative integers";
          parts.push_back(static_cast<int32_t>(*id));
        }
      }
    }
    if (spec.topics->empty()) return "\"topics\" is empty";
  }
  return std::nullopt;
}

struct PlanEntry {
  TopicPartitionKey tp;
  std::optional<int64_t> previous;
  int64_t next = 0;
};

HttpResponse reset_offsets(AdminContext& ctx, HttpRequest& req) {
  nlohmann::json body;
  if (auto bad = require_json(req, body)) return *bad;
  ResetSpec spec;
  if (auto err = parse_spec(body, spec)) return HttpResponse::error(400, 400, *err);
  const std::string& group_id = req.param("group_id");

  auto load = load_group(ctx, group_id, true);
  GroupView group;
  if (load.group) {
    group = std::move(*load.group);
  } else if (load.error->status != 404 || !spec.topics) {
    // An unknown group can be given offsets for named topics (a new group starting somewhere
    // chosen), as the Kafka tool allows; without topics there is nothing to reset.
    return *load.error;
  }
  if (!group.members.empty()) {
    return HttpResponse::error(
        409, 409,
        "Consumer group " + group_id + " has " + std::to_string(group.members.size()) +
            " active member(s) (state " + group.state +
            "); offsets can only be reset while it is empty: stop its consumers first.");
  }

  auto image = ctx.topics->image();
  std::vector<TopicPartitionKey> targets;
  if (!spec.topics) {
    for (const auto& [tp, offset] : group.committed) targets.push_back(tp);
  } else {
    for (const auto& [topic, parts] : *spec.topics) {
      const auto* state = image->topic(topic);
      if (state == nullptr) {
        return HttpResponse::error(404, 40403, "Topic " + topic + " does not exist.");
      }
      const auto count = static_cast<int32_t>(state->partitions.size());
      if (parts.empty()) {
        for (int32_t p = 0; p < count; ++p) targets.emplace_back(topic, p);
      }
      for (int32_t p : parts) {
        if (p >= count) {
          return HttpResponse::error(
              404, 40402, "Partition " + topic + "-" + std::to_string(p) + " does not exist.");
        }
        targets.emplace_back(topic, p);
      }
    }
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());

  std::vector<PlanEntry> plan;
  for (const auto& tp : targets) {
    auto range = server::partition_offsets(*ctx.partitions, *image, tp.first, tp.second);
    if (range.error != 0) {
      return kafka_error_response(range.error, "Partition " + tp.first + "-" +
                                                   std::to_string(tp.second) +
                                                   " is not readable on this broker.");
    }
    PlanEntry e;
    e.tp = tp;
    if (auto it = group.committed.find(tp); it != group.committed.end()) e.previous = it->second;
    const auto clamp = [&](int64_t o) {
      return std::clamp(o, range.log_start_offset, range.high_watermark);
    };
    if (spec.to == "earliest") {
      e.next = range.log_start_offset;
    } else if (spec.to == "latest") {
      e.next = range.high_watermark;
    } else if (spec.to == "offset") {
      e.next = clamp(spec.offset);
    } else if (spec.to == "timestamp") {
      auto found = server::offset_for_timestamp(*ctx.partitions, *image, tp.first, tp.second,
                                                spec.timestamp);
      e.next = found.value_or(range.high_watermark);
    } else {  // shift_by
      if (!e.previous) {
        return HttpResponse::error(400, 400,
                                   "Cannot shift the offset of " + tp.first + "-" +
                                       std::to_string(tp.second) +
                                       ": the group has no committed offset there.");
      }
      e.next = clamp(*e.previous + spec.shift_by);
    }
    plan.push_back(e);
  }

  if (!spec.dry_run && !plan.empty()) {
    server::group::CommitParams params;
    params.group_id = group_id;
    params.generation = -1;  // an admin commit: allowed only while the group has no members
    for (const auto& e : plan) {
      server::group::CommitEntry c;
      c.topic = e.tp.first;
      c.partition = e.tp.second;
      c.offset.offset = e.next;
      c.offset.commit_timestamp = -1;  // the coordinator stamps it
      params.entries.push_back(std::move(c));
    }
    auto errors =
        call_service<std::vector<int16_t>>([&](std::function<void(std::vector<int16_t>)> done) {
          ctx.groups->commit_offsets(std::move(params), std::move(done));
        });
    if (!errors) {
      return HttpResponse::error(503, 50302, "The group coordinator did not answer in time.");
    }
    for (int16_t error : *errors) {
      if (error == static_cast<int16_t>(ErrorCode::kUnknownMemberId)) {
        return HttpResponse::error(409, 409,
                                   "Consumer group " + group_id +
                                       " gained members while resetting; nothing was committed.");
      }
      if (error != 0) {
        return kafka_error_response(error, "Committing the new offsets failed (Kafka error " +
                                               std::to_string(error) + ").");
      }
    }
  }

  nlohmann::json partitions = nlohmann::json::array();
  for (const auto& e : plan) {
    partitions.push_back({{"topic", e.tp.first},
                          {"partition", e.tp.second},
                          {"previous_offset", e.previous ? nlohmann::json(*e.previous) : nullptr},
                          {"new_offset", e.next}});
  }
  return HttpResponse::json(
      200, {{"group_id", group_id}, {"dry_run", spec.dry_run}, {"partitions", partitions}});
}

}  // namespace

void register_v1_group_routes(Router& router, AdminContext& ctx) {
  router.add(
      "POST", "/v1/consumer-groups/{group_id}/offsets:reset", Access::group(Op::kRead, "group_id"),
      [&ctx](HttpRequest& req) { return reset_offsets(ctx, req); }, "RESET_OFFSETS");
}

}  // namespace samsa::admin_http
