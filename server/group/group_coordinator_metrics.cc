// The coordinator's face for the metrics collector: a copy of every group it owns, taken on the
// coordinator thread so the group state needs no lock. Same threading rules as
// group_coordinator.cc.
#include "server/group/group_coordinator.h"

namespace samsa::server::group {

void GroupCoordinator::snapshot_groups(std::function<void(std::vector<GroupSnapshot>)> done) {
  run(
      [=, this] {
        std::vector<GroupSnapshot> out;
        out.reserve(groups_.size());
        for (const auto& [id, g] : groups_) {
          if (g->state() == GroupState::kDead) continue;
          GroupSnapshot s;
          s.group_id = id;
          s.state = state_name(g->state());
          s.members = g->members().size();
          for (const auto& [tp, committed] : g->offsets()) s.offsets.emplace(tp, committed.offset);
          out.push_back(std::move(s));
        }
        done(std::move(out));
      },
      [done] { done({}); });
}

}  // namespace samsa::server::group
