// The administrative face of the coordinator: ListGroups, DescribeGroups, DeleteGroups and
// OffsetDelete. Same threading rules as group_coordinator.cc.
#include "protocol/error_codes.h"
#include "server/group/group_coordinator.h"

namespace samsa::server::group {
namespace {

using protocol::ErrorCode;
constexpr int16_t code(ErrorCode e) {
  return static_cast<int16_t>(e);
}

}  // namespace

void GroupCoordinator::list_groups(std::function<void(ListGroupsResult)> done) {
  run(
      [=, this] {
        ListGroupsResult r;
        for (const auto& [id, g] : groups_) {
          r.groups.push_back({id, g->protocol_type(), state_name(g->state())});
        }
        done(std::move(r));
      },
      [done] {
        ListGroupsResult r;
        r.error = code(ErrorCode::kCoordinatorNotAvailable);
        done(std::move(r));
      });
}

void GroupCoordinator::describe_groups(std::vector<std::string> group_ids,
                                       std::function<void(std::vector<GroupDescription>)> done) {
  auto fail = [done, group_ids] {
    std::vector<GroupDescription> out;
    for (const auto& id : group_ids) {
      GroupDescription d;
      d.group_id = id;
      d.error = code(ErrorCode::kNotCoordinator);
      out.push_back(std::move(d));
    }
    done(std::move(out));
  };
  run(
      [=, this] {
        std::vector<GroupDescription> out;
        for (const auto& id : group_ids) {
          GroupDescription d;
          d.group_id = id;
          d.error = check_coordinator(id);
          const Group* g = d.error == 0 ? find_group(id) : nullptr;
          if (d.error == 0 && g == nullptr) d.state = "Dead";
          if (g != nullptr) {
            d.state = state_name(g->state());
            d.protocol_type = g->protocol_type();
            d.protocol = g->protocol_name().value_or("");
            const bool stable = g->state() == GroupState::kStable;
            for (const auto& [mid, m] : g->members()) {
              // Kafka shows metadata and assignments only for a Stable group.
              d.members.push_back({mid, m.instance_id, m.client_id, m.client_host,
                                   stable ? g->member_metadata(m) : protocol::Bytes{},
                                   stable ? m.assignment : protocol::Bytes{}});
            }
          }
          out.push_back(std::move(d));
        }
        done(std::move(out));
      },
      fail);
}

void GroupCoordinator::delete_groups(std::vector<std::string> group_ids,
                                     std::function<void(std::vector<int16_t>)> done) {
  const size_t n = group_ids.size();
  run(
      [=, this] {
        std::vector<int16_t> out;
        for (const auto& id : group_ids) {
          int16_t error = check_coordinator(id);
          Group* g = error == 0 ? find_group(id) : nullptr;
          if (error == 0 && g == nullptr) error = code(ErrorCode::kGroupIdNotFound);
          if (g != nullptr && g->state() != GroupState::kEmpty) {
            error = code(ErrorCode::kNonEmptyGroup);
          } else if (g != nullptr) {
            error = delete_group(*g);
          }
          out.push_back(error);
        }
        done(std::move(out));
      },
      [done, n] { done(std::vector<int16_t>(n, code(ErrorCode::kNotCoordinator))); });
}

void GroupCoordinator::delete_offsets(std::string group_id,
                                      std::vector<TopicPartitionKey> partitions,
                                      std::function<void(OffsetDeleteResult)> done) {
  run(
      [=, this] {
        OffsetDeleteResult r;
        r.partition_errors.assign(partitions.size(), 0);
        if ((r.error = check_coordinator(group_id)) != 0) return done(std::move(r));
        Group* g = find_group(group_id);
        if (g == nullptr) {
          r.error = code(ErrorCode::kGroupIdNotFound);
          return done(std::move(r));
        }
        if (g->state() != GroupState::kEmpty && g->protocol_type() != "consumer") {
          r.error = code(ErrorCode::kNonEmptyGroup);
          return done(std::move(r));
        }
        const auto subscribed = g->subscribed_topics();
        std::vector<std::pair<std::string, std::optional<std::string>>> tombstones;
        std::vector<TopicPartitionKey> removed;
        for (size_t i = 0; i < partitions.size(); ++i) {
          const auto& tp = partitions[i];
          if (g->state() != GroupState::kEmpty && subscribed.count(tp.first)) {
            r.partition_errors[i] = code(ErrorCode::kGroupSubscribedToTopic);
          } else if (g->offsets().count(tp)) {
            tombstones.emplace_back(encode_offset_key({group_id, tp.first, tp.second}),
                                    std::nullopt);
            removed.push_back(tp);
          }
        }
        if (!tombstones.empty()) {
          if (int16_t error = append(group_id, std::move(tombstones)); error != 0) {
            r.error = error;
            return done(std::move(r));
          }
          for (const auto& tp : removed) g->remove_offset(tp);
        }
        done(std::move(r));
      },
      [done] {
        OffsetDeleteResult r;
        r.error = code(ErrorCode::kNotCoordinator);
        done(std::move(r));
      });
}

}  // namespace samsa::server::group
