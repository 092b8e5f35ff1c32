// The link timers of a service (every link of a relay, the one link of a Remote UE), ordered by deadline, so that a
// wake-up of the agent's event loop costs O(log n) per due or changed timer instead of a scan of every link
// (docs/performance/agents.md, issue 1).
// Arming a timer that is already armed moves it; cancelling one that is not armed does nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "prose/link/timers.h"

namespace prose::service {

class TimerQueue {
 public:
  using Owner = std::uint32_t;  // the link's key (the Remote UE's layer-2 ID)
  struct Due {
    Owner owner;
    link::TimerId id;
  };

  void apply(Owner owner, const std::vector<link::TimerCmd>& cmds) {
    for (const auto& c : cmds) {
      if (c.op == link::TimerCmd::Op::kArm)
        arm(owner, c.id, c.deadline);
      else
        cancel(owner, c.id);
    }
  }
  void arm(Owner owner, link::TimerId id, link::TimePoint deadline) {
    auto [it, inserted] = armed_.try_emplace(Key{owner, id}, deadline);
    if (!inserted) {
      by_deadline_.erase(Entry{it->second, owner, id});
      it->second = deadline;
    }
    by_deadline_.emplace(deadline, owner, id);
  }
  void cancel(Owner owner, link::TimerId id) {
    auto it = armed_.find(Key{owner, id});
    if (it == armed_.end()) return;
    by_deadline_.erase(Entry{it->second, owner, id});
    armed_.erase(it);
  }
  // Every timer of one link (the link is gone).
  void remove(Owner owner) {
    auto it = armed_.lower_bound(Key{owner, static_cast<link::TimerId>(0)});
    while (it != armed_.end() && it->first.first == owner) {
      by_deadline_.erase(Entry{it->second, owner, it->first.second});
      it = armed_.erase(it);
    }
  }
  std::optional<link::TimePoint> earliest() const {
    if (by_deadline_.empty()) return std::nullopt;
    return std::get<0>(*by_deadline_.begin());
  }
  // Removes and returns the timers due at `t`, earliest deadline first.
  std::vector<Due> take_due(link::TimePoint t) {
    std::vector<Due> due;
    while (!by_deadline_.empty() && std::get<0>(*by_deadline_.begin()) <= t) {
      auto [deadline, owner, id] = *by_deadline_.begin();
      by_deadline_.erase(by_deadline_.begin());
      armed_.erase(Key{owner, id});
      due.push_back(Due{owner, id});
    }
    return due;
  }
  std::optional<link::TimePoint> deadline(Owner owner, link::TimerId id) const {
    auto it = armed_.find(Key{owner, id});
    if (it == armed_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t size() const { return armed_.size(); }

 private:
  using Key = std::pair<Owner, link::TimerId>;
  using Entry = std::tuple<link::TimePoint, Owner, link::TimerId>;
  std::map<Key, link::TimePoint> armed_;
  std::set<Entry> by_deadline_;
};

}  // namespace prose::service
