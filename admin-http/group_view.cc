#include "admin-http/group_view.h"

#include <algorithm>

#include "admin-http/service_call.h"
#include "protocol/error_codes.h"
#include "protocol/reader.h"
#include "server/partition_manager.h"
#include "server/topic_service.h"

namespace samsa::admin_http {
namespace {

using server::group::FetchedOffsets;
using server::group::GroupDescription;
using server::group::ListGroupsResult;

HttpResponse coordinator_unavailable(const std::string& what) {
  return HttpResponse::error(503, 50302, "The group coordinator is not available: " + what);
}

std::string error_name(int16_t error) {
  return "Kafka error " + std::to_string(error);
}

}  // namespace

std::vector<TopicPartitionKey> decode_consumer_assignment(const std::vector<uint8_t>& bytes) {
  std::vector<TopicPartitionKey> out;
  if (bytes.empty()) return out;  // not Stable yet, or no assignment
  protocol::Reader r(bytes);
  r.read_int16();  // version: every version starts with the same two fields
  // read_array_length bounds each count by the bytes left, so a hostile count cannot allocate.
  const int32_t topics = r.read_array_length(false);
  for (int32_t t = 0; t < topics; ++t) {
    std::string topic = r.read_string();
    const int32_t n = r.read_array_length(false);
    for (int32_t i = 0; i < n; ++i) out.emplace_back(topic, r.read_int32());
  }
  return out;
}

const MemberView* GroupView::member(const std::string& id) const {
  for (const auto& m : members) {
    if (m.consumer_id == id) return &m;
  }
  return nullptr;
}

std::vector<LagView> GroupView::lags(AdminContext& ctx) const {
  std::map<TopicPartitionKey, const MemberView*> owner;
  for (const auto& m : members) {
    for (const auto& tp : m.assignments) owner[tp] = &m;
  }
  auto image = ctx.topics->image();
  std::vector<LagView> out;
  for (const auto& [tp, offset] : committed) {
    LagView l;
    l.topic = tp.first;
    l.partition = tp.second;
    l.current_offset = offset;
    auto partition = ctx.partitions->get_or_sync(*image, tp.first, tp.second);
    // The consumer's end is the high watermark, as kafka-rest's ListOffsets(latest) sees it.
    l.log_end_offset = partition ? partition->high_watermark() : offset;
    l.lag = std::max<int64_t>(0, l.log_end_offset - offset);
    if (auto it = owner.find(tp); it != owner.end()) {
      l.consumer_id = it->second->consumer_id;
      l.instance_id = it->second->instance_id;
      l.client_id = it->second->client_id;
    }
    out.push_back(std::move(l));
  }
  return out;  // std::map order: topic, then partition
}

GroupLoad load_group(AdminContext& ctx, const std::string& group_id, bool with_offsets) {
  GroupLoad out;
  auto described = call_service<std::vector<GroupDescription>>(
      [&](std::function<void(std::vector<GroupDescription>)> done) {
        ctx.groups->describe_groups({group_id}, std::move(done));
      });
  if (!described || described->size() != 1) {
    out.error = coordinator_unavailable("no answer in time");
    return out;
  }
  GroupDescription& d = described->front();
  if (d.error != 0) {
    out.error = coordinator_unavailable(error_name(d.error));
    return out;
  }
  // The coordinator describes a group it does not know as Dead, as Kafka does.
  if (d.state == "Dead") {
    out.error = HttpResponse::error(404, 404, "Consumer group " + group_id + " not found.");
    return out;
  }
  GroupView g;
  g.group_id = d.group_id;
  g.state = d.state;
  g.protocol_type = d.protocol_type;
  g.protocol = d.protocol;
  for (auto& m : d.members) {
    MemberView v;
    v.consumer_id = m.member_id;
    v.instance_id = m.group_instance_id;
    v.client_id = m.client_id;
    if (d.protocol_type == "consumer") {
      try {
        v.assignments = decode_consumer_assignment(m.assignment);
      } catch (const protocol::DecodeError&) {
        // A client wrote bytes we cannot read: show the member without assignments.
        v.assignments.clear();
      }
    }
    g.members.push_back(std::move(v));
  }
  if (with_offsets) {
    auto fetched = call_service<FetchedOffsets>([&](std::function<void(FetchedOffsets)> done) {
      ctx.groups->fetch_offsets(group_id, std::nullopt, std::move(done));
    });
    if (!fetched) {
      out.error = coordinator_unavailable("no answer in time");
      return out;
    }
    if (fetched->error != 0) {
      out.error = coordinator_unavailable(error_name(fetched->error));
      return out;
    }
    for (const auto& [tp, o] : fetched->offsets) {
      if (o.offset >= 0) g.committed[tp] = o.offset;
    }
  }
  out.group = std::move(g);
  return out;
}

GroupList list_group_ids(AdminContext& ctx) {
  GroupList out;
  auto listed = call_service<ListGroupsResult>([&](std::function<void(ListGroupsResult)> done) {
    ctx.groups->list_groups(std::move(done));
  });
  if (!listed) {
    out.error = coordinator_unavailable("no answer in time");
  } else if (listed->error != 0) {
    out.error = coordinator_unavailable(error_name(listed->error));
  } else {
    for (const auto& g : listed->groups) {
      if (g.state != "Dead") out.ids.push_back(g.group_id);
    }
    std::sort(out.ids.begin(), out.ids.end());
  }
  return out;
}

std::string rest_group_state(const std::string& state) {
  if (state == "Stable") return "STABLE";
  if (state == "Empty") return "EMPTY";
  if (state == "PreparingRebalance") return "PREPARING_REBALANCE";
  if (state == "CompletingRebalance") return "COMPLETING_REBALANCE";
  if (state == "Dead") return "DEAD";
  return "UNKNOWN";
}

}  // namespace samsa::admin_http
